"""All queries on stores; every read goes through the caller's scope."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from server.accounts.models import Region, User
from server.scope import visible_stores
from server.stores.models import Store


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_visible(
    session: Session, user: User, *, q: str = "", limit: int = 100, offset: int = 0
) -> tuple[list[Store], int]:
    query = select(Store).where(visible_stores(user))
    if q:
        pattern = f"%{_escape_like(q.strip())}%"
        query = query.where(
            or_(
                col(Store.name).ilike(pattern, escape="\\"),
                col(Store.code).ilike(pattern, escape="\\"),
                col(Store.address).ilike(pattern, escape="\\"),
            )
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Store.code)).offset(offset).limit(limit))
    return list(rows), int(total)


def get_visible(session: Session, user: User, store_id: str) -> Store | None:
    return session.exec(select(Store).where(Store.id == store_id, visible_stores(user))).first()


def by_code(session: Session, code: str) -> Store | None:
    return session.exec(select(Store).where(Store.code == code)).first()


def by_codes(session: Session, codes: list[str]) -> dict[str, Store]:
    found: dict[str, Store] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        for store in session.exec(select(Store).where(col(Store.code).in_(chunk))):
            found[store.code] = store
    return found


def iter_all(session: Session) -> Iterator[Store]:
    yield from session.exec(select(Store).order_by(col(Store.code)))


def usernames_by_id(session: Session) -> dict[str, str]:
    return dict(session.exec(select(User.id, User.username)).all())  # type: ignore[arg-type]


def region_codes_by_id(session: Session) -> dict[str, str]:
    return dict(session.exec(select(Region.id, Region.code)).all())  # type: ignore[arg-type]


def by_rep(session: Session, rep_id: str) -> list[Store]:
    return list(session.exec(select(Store).where(Store.rep_id == rep_id).order_by(col(Store.code))))
