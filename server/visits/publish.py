"""Visit templates, to every phone (a template row never changes; editing saves a new version)."""

from __future__ import annotations

from sqlmodel import Session

from server.replication.publish import publish_public
from server.visits.models import VisitTemplate
from sync import Collection, Field, Policy

TEMPLATE = Collection(
    "template",
    {f: Field(Policy.SERVER) for f in ("code", "version", "name", "name_en", "channels", "steps", "active")},
    device_writable=False,
)


def publish_templates(session: Session) -> int:
    return publish_public(session, VisitTemplate, TEMPLATE)
