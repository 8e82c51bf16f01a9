"""Writing to the audit log; every service that changes a record calls ``record``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from server.accounts.service import Actor
from server.audit.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    actor: Actor | None,
    *,
    entity: str,
    entity_id: str,
    action: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        user_id=actor.user_id if actor else None,
        device_id=actor.device_id if actor else "",
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
    )
    session.add(entry)
    return entry


def history(session: Session, *, entity: str, entity_id: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    return list(session.exec(query.order_by(AuditEntry.id)))  # type: ignore[arg-type]
