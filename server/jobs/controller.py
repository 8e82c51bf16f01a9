"""Admins' view of the durable jobs: what is queued, running, done or dead, with attempts and the
last error, and a retry for a job that gave up."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from server import authz
from server.audit import service as audit
from server.db import after_commit
from server.deps import DB, CurrentActor
from server.errors import Conflict, NotFound
from server.jobs import service
from server.jobs.worker import poke
from server.openapi import Offset


class JobAdminController(Controller):
    path = "/api/admin/jobs"
    tags = ["admin"]

    @get("/", sync_to_thread=True)
    def jobs(
        self,
        db: DB,
        actor: CurrentActor,
        job_state: Annotated[str | None, QueryParameter(name="state", pattern="^(queued|running|done|dead)$")] = None,
        kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Jobs newest first (``state``, ``kind``, ``attempts``, ``last_error``, the record they serve),
        with the count of each state (admins)."""
        authz.require(actor, authz.Action.JOB_READ)
        return service.list_jobs(db, state=job_state, kind=kind, limit=limit, offset=offset)

    @post("/{job_id:str}/retry", status_code=200, sync_to_thread=True)
    def retry(self, db: DB, actor: CurrentActor, job_id: FromPath[str]) -> dict[str, Any]:
        """Run a dead (or waiting) job again now, its attempts reset (admins). 409 ``job_running`` or
        ``job_done`` for a job that is running or finished."""
        authz.require(actor, authz.Action.JOB_RETRY)
        try:
            job = service.retry(db, job_id)
        except service.NotRetryable as exc:
            detail = f"This job is {exc.state}; only a dead or waiting job is retried."
            raise Conflict(detail, code=f"job_{exc.state}") from None
        if job is None:
            raise NotFound(f"No job {job_id}.")
        audit.record(db, actor, entity="job", entity_id=job.id, action="retry", changes={"kind": job.kind})
        after_commit(db, poke)  # the worker looks once the retry is committed
        return service.job_view(job)
