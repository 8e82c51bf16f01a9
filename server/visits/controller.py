"""HTTP routes for visit templates (visits themselves travel through sync)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.authz import Action
from server.deps import DB, CurrentActor
from server.guards import requires
from server.visits import service
from server.visits.models import VisitTemplate
from server.visits.templates import TemplateSpec


class TemplateController(Controller):
    path = "/api"
    tags = ["visits"]

    @get("/templates", sync_to_thread=True)
    def list_templates(
        self, db: DB, actor: CurrentActor, all_versions: Annotated[bool, QueryParameter(name="all")] = False
    ) -> list[VisitTemplate]:
        """Active templates (or every version with ``?all=true``)."""
        return service.list_templates(db, include_old=all_versions)

    @get("/templates/{template_id:str}", sync_to_thread=True)
    def get_template(self, db: DB, actor: CurrentActor, template_id: FromPath[str]) -> VisitTemplate:
        return service.get_template(db, template_id)

    @post("/admin/templates", sync_to_thread=True, guards=[requires(Action.TEMPLATE_SAVE)])
    def save_template(self, db: DB, actor: CurrentActor, data: JSONBody[TemplateSpec]) -> VisitTemplate:
        """Save a template: a new version of its code; visits done under older versions keep theirs."""
        return service.save_template(db, actor, data)
