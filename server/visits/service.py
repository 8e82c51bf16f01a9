"""Template use cases: the default templates, new versions from admins, choosing one for a store."""

from __future__ import annotations

from sqlmodel import Session

from server import authz
from server.accounts.service import Actor
from server.audit import service as audit
from server.errors import NotFound
from server.visits import repository
from server.visits.models import VisitTemplate
from server.visits.publish import publish_templates
from server.visits.templates import DEFAULT_TEMPLATES, TemplateSpec


def _row(spec: TemplateSpec, version: int, created_by: str | None) -> VisitTemplate:
    return VisitTemplate(
        code=spec.code,
        version=version,
        name=spec.name,
        name_en=spec.name_en,
        channels=[c.value for c in spec.channels],
        steps=[s.model_dump() for s in spec.steps],
        created_by=created_by,
    )


def ensure_default_templates(session: Session) -> int:
    """The standard and liquor-shop templates, when an install has none of that code yet."""
    added = 0
    for spec in DEFAULT_TEMPLATES:
        if not repository.has_code(session, spec.code):
            session.add(_row(spec, 1, None))
            added += 1
    if added:
        session.flush()
        publish_templates(session)
    return added


def list_templates(session: Session, *, include_old: bool = False) -> list[VisitTemplate]:
    """Active templates, or every version (public: anyone signed in reads them)."""
    return repository.templates(session, include_old=include_old)


def get_template(session: Session, template_id: str) -> VisitTemplate:
    row = repository.template(session, template_id)
    if row is None:
        raise NotFound("No such template.")
    return row


def save_template(session: Session, actor: Actor, spec: TemplateSpec) -> VisitTemplate:
    """A new version; the old ones stay (inactive) for the visits done under them."""
    authz.require(actor, authz.Action.TEMPLATE_SAVE)
    previous = repository.versions(session, spec.code)
    for old in previous:
        old.active = False
        session.add(old)
    row = _row(spec, max((p.version for p in previous), default=0) + 1, actor.user_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        entity="template",
        entity_id=row.id,
        action="create",
        changes={"code": row.code, "version": row.version},
    )
    publish_templates(session)
    return row


def template_for_channel(session: Session, channel: str) -> VisitTemplate | None:
    for row in list_templates(session):
        if channel in row.channels:
            return row
    return None
