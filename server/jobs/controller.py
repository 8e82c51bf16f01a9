"""Admins' view of the durable jobs: what is queued, running, done or dead, with attempts and the
last error, and a retry for a job that gave up."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from server.authz import Action
from server.deps import DB, CurrentActor
from server.guards import requires
from server.jobs import service
from server.openapi import Offset


class JobAdminController(Controller):
    path = "/api/admin/jobs"
    tags = ["admin"]

    @get("/", sync_to_thread=True, guards=[requires(Action.JOB_READ)])
    def jobs(
        self,
        db: DB,
        actor: CurrentActor,
        job_state: Annotated[str | None, QueryParameter(name="state", pattern="^(queued|running|done|dead)$")] = None,
        kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Jobs newest first (``state``, ``kind``, ``attempts``, ``last_error`` and its
        ``error_code``, the record they serve), with the count of each state (admins)."""
        return service.list_jobs(db, actor, state=job_state, kind=kind, limit=limit, offset=offset)

    @post("/{job_id:str}/retry", status_code=200, sync_to_thread=True, guards=[requires(Action.JOB_RETRY)])
    def retry(self, db: DB, actor: CurrentActor, job_id: FromPath[str]) -> dict[str, Any]:
        """Run a dead (or waiting) job again now, its attempts reset (admins). 409 ``job_running`` or
        ``job_done`` for a job that is running or finished."""
        return service.retry(db, actor, job_id)
