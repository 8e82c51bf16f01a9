"""Database engine, the unit of work, and migrations.

The engine is created lazily on first use (never at import).  SQLite runs in
WAL mode with foreign keys on; PostgreSQL is used when the URL says so.

The unit of work: a request (``server/deps.py: provide_db``), a job run (``server/jobs/worker.py``)
or a command owns its transaction, opened by ``new_session`` and ended by ``finish_session`` (or
``session_scope`` around both): commit when the work ends normally, roll back otherwise.  Services
and repositories take a session and never commit; nothing else in ``server/`` calls ``commit()``
(``tests/test_code_quality.py`` checks it).

SQLite has one writer at a time.  A session takes the process's writer lock at its first write
(``_lock_before_writing``) and lets it go when its transaction ends, so writers queue here and
each wakes the next at once, instead of sleeping in SQLite's busy handler.  pysqlite opens
SQLite's transaction at the first write too, so what a session read before it holds no snapshot
that a writer ahead of it could make stale.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from server import clock
from server.errors import ServiceUnavailable
from server.settings import Settings, get_settings

_lock = threading.Lock()
_engines: dict[tuple[str, int, int, float], Engine] = {}

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """Aware UTC from the server's clock (``server.clock``); stored and returned the same on SQLite
    and PostgreSQL."""
    return clock.now()


def _ensure_sqlite_folder(url: str) -> bool:
    """Create the folder of a SQLite file; True when the URL is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # only such an escape can make a lone one


def sane_json(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [sane_json(v) for v in value]
    if isinstance(value, dict):
        return {sane_json(k): sane_json(v) for k, v in value.items()}
    return value


def read_json(text: str | bytes) -> Any:
    """JSON columns as readers can always answer them: whatever an older version let in (NaN,
    Infinity, a lone UTF-16 surrogate) reads back as null or U+FFFD, never as a value no answer
    could carry. Input is checked long before it is stored; this is the last line."""
    escaped = _ESCAPED_SURROGATE.search(text if isinstance(text, str) else text.decode("utf-8", "replace"))
    if not escaped:
        try:
            return msgspec.json.decode(text)  # strict JSON, the common case: msgspec's fast path
        except msgspec.DecodeError:
            pass
    value = json.loads(text, parse_constant=lambda _: None, parse_float=_finite)
    return sane_json(value) if escaped else value


def write_json(value: Any) -> str:
    """JSON columns written by msgspec (UTF-8 kept as is, NaN and Infinity as null); what it cannot
    encode (a lone surrogate in some text) goes the standard library's way, escaped."""
    try:
        return msgspec.json.encode(value).decode()
    except (UnicodeEncodeError, TypeError, OverflowError):
        return json.dumps(value)


def _finite(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def _make_engine(url: str, pool_size: int, overflow: int, timeout: float) -> Engine:
    if _ensure_sqlite_folder(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=overflow,
            pool_timeout=timeout,
            json_serializer=write_json,
            json_deserializer=read_json,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=overflow,
        pool_timeout=timeout,
        json_serializer=write_json,
        json_deserializer=read_json,
    )


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    key = (settings.resolved_database_url(), settings.db_pool_size, settings.db_pool_overflow, settings.db_pool_timeout)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _make_engine(*key)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


# -- the unit of work ------------------------------------------------------------------------------

_sqlite_writer = threading.Lock()
WRITER_WAIT_SECONDS = 60.0


class WriterBusy(ServiceUnavailable):
    """SQLite's writer lock was not free within ``WRITER_WAIT_SECONDS``: a 503 the phone retries
    (its queue waits), never a 500."""

    code = "database_busy"


def _is_sqlite(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


def _take_writer_lock(session: Session) -> None:
    if session.info.get("writer") or not _is_sqlite(session):
        return
    if not _sqlite_writer.acquire(timeout=WRITER_WAIT_SECONDS):
        raise WriterBusy(f"The database stayed busy for {WRITER_WAIT_SECONDS:.0f} s; try again.", retry_after=5)
    session.info["writer"] = True


def _let_writer_lock_go(session: Session) -> None:
    if session.info.pop("writer", False):
        _sqlite_writer.release()


def _lock_before_writing(state: ORMExecuteState) -> None:
    if not state.is_select:
        _take_writer_lock(state.session)  # type: ignore[arg-type]


def _lock_before_flush(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        _take_writer_lock(session)


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: a savepoint ending keeps the lock
        _let_writer_lock_go(session)
        session.info.pop("after_commit", None)  # rolled back: what was to follow a commit never runs


def _after_commit(session: Session) -> None:
    for fn in session.info.pop("after_commit", []):
        fn()


def new_session(settings: Settings | None = None) -> Session:
    """A session for one unit of work. Its owner ends it with ``finish_session``."""
    session = Session(get_engine(settings), expire_on_commit=False)
    event.listen(session, "do_orm_execute", _lock_before_writing)
    event.listen(session, "before_flush", _lock_before_flush)
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_transaction_end", _transaction_ended)
    return session


def finish_session(session: Session, error: BaseException | None) -> None:
    """End a unit of work: commit when it ended normally, else roll back; close either way. The
    only place in ``server/`` that commits."""
    try:
        if error is None:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
        _let_writer_lock_go(session)


def serialize(session: Session, key: str) -> None:
    """Hold ``key`` until this unit of work ends, across every server process on the database
    (PostgreSQL's transaction-level advisory lock): e.g. one blob's chunks, which a load balancer
    may hand to different processes. On SQLite, which runs in one process, the callers' own
    locks do it."""
    if not _is_sqlite(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run ``fn`` once this unit of work has committed (never if it rolls back): e.g. wake the job
    worker for a job the transaction enqueued."""
    session.info.setdefault("after_commit", []).append(fn)


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """One unit of work for a command or a job step: commit when the block ends normally, roll
    back otherwise."""
    session = new_session(settings)
    try:
        yield session
    except BaseException as exc:
        finish_session(session, exc)
        raise
    finish_session(session, None)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(settings: Settings | None = None, revision: str = "head") -> None:
    """Apply pending migrations (idempotent)."""
    url = (settings or get_settings()).resolved_database_url()
    # A dedicated engine without pooling so migrations never hold connections the app will use.
    _ensure_sqlite_folder(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # several machines starting at once: one migrates, the others wait and find it done
                connection.execute(text("SELECT pg_advisory_xact_lock(7306120251)"))
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(settings: Settings | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(settings).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
