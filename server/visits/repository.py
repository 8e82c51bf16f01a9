"""All queries on visit templates.

Templates are public: every signed-in user reads every one (the phones cache them to run visits
offline), so nothing here is narrowed by ``server/scope.py`` and there is no "readable by"
statement. Visits and steps themselves are synced records, read through sync (``server/replication``).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from server.visits.models import VisitTemplate


def templates(session: Session, *, include_old: bool = False) -> list[VisitTemplate]:
    """The active templates (every version with ``include_old``), by code, newest version first (public)."""
    query = select(VisitTemplate)
    if not include_old:
        query = query.where(col(VisitTemplate.active).is_(True))
    return list(session.exec(query.order_by(col(VisitTemplate.code), col(VisitTemplate.version).desc())))


def template(session: Session, template_id: str) -> VisitTemplate | None:
    """One template version by id (public)."""
    return session.get(VisitTemplate, template_id)


def has_code(session: Session, code: str) -> bool:
    """Whether any version of a template with this code exists."""
    return session.exec(select(VisitTemplate.id).where(VisitTemplate.code == code)).first() is not None


def versions(session: Session, code: str) -> list[VisitTemplate]:
    """Every version of the template with this code."""
    return list(session.exec(select(VisitTemplate).where(VisitTemplate.code == code)))
