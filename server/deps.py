"""Dependencies shared by every domain: the request's database session and who is asking."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from litestar import Request
from litestar.di import NamedDependency
from sqlmodel import Session

from server.accounts.models import User
from server.accounts.service import Actor, user_for_token
from server.db import finish_session, new_session, session_scope
from server.errors import DomainError, PayloadTooLarge
from server.settings import Settings

log = logging.getLogger("fieldvisit.http")

SESSION_COOKIE = "fv_session"
DEVICE_HEADER = "x-device-id"
SIGNED_IN = "fv_user"  # the user a route guard found for this request (server/guards.py)


AppSettings = NamedDependency[Settings]
DB = NamedDependency[Session]
CurrentActor = NamedDependency[Actor]


# Commits get threads of their own. If they queued behind handlers that wait for SQLite's write
# lock, the transaction holding that lock could never commit: every worker would wait on it.
_TRANSACTION_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fv-commit")


async def _in_transaction_thread(fn: Callable[[], object]) -> None:
    await asyncio.get_running_loop().run_in_executor(_TRANSACTION_EXECUTOR, fn)


async def provide_db(settings: AppSettings) -> AsyncIterator[Session]:
    """The request's unit of work: one session, committed after the handler returns and before the
    answer is sent, rolled back if the handler fails. It is the write session too: on SQLite it
    takes the writer lock at its first write and holds it to the commit (``server/db.py``), so a
    handler that reads a long body first (a push, a photo chunk) holds no lock while it arrives.

    Commit, rollback and close never run on the event loop (blocking database work there would
    stall every request) nor in the handlers' pool (see above).
    """
    session = new_session(settings)
    try:
        yield session
    except BaseException as exc:
        error: BaseException | None = None if isinstance(exc, DomainError) and exc.keeps_writes else exc
        await _in_transaction_thread(lambda: finish_session(session, error))
        raise
    await _in_transaction_thread(lambda: finish_session(session, None))


def signed_in(settings: Settings, token: str | None) -> User:
    """The user this session cookie belongs to (401 otherwise), found in a unit of work of its own:
    the request's session takes its connection only in the handler's thread. Were it taken here,
    a request waiting for a handler thread would hold a pooled connection, and with enough such
    requests the threads would wait for connections that only waiting requests hold."""
    with session_scope(settings) as session:
        return user_for_token(session, settings, token)


def provide_actor(request: Request, settings: AppSettings) -> Actor:
    found = request.state.get(SIGNED_IN)
    user = found if found is not None else signed_in(settings, request.cookies.get(SESSION_COOKIE))
    return Actor(user=user, device_id=request.headers.get(DEVICE_HEADER, "")[:64])


class ClientLeft(DomainError):
    """The client went away before its body arrived (a phone losing its signal mid-upload): an
    ordinary event, noted in one info line. Nobody is left to read the answer."""

    status_code = 400
    code = "client_disconnected"


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``limit`` bytes. A client that leaves
    before the body is whole raises ``ClientLeft`` (logged at info, never a 500)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            log.info("client left during the upload to %s after %d bytes", request.url.path, size)
            raise ClientLeft(f"The client left after sending {size:,} bytes.")
        chunk = cast(bytes, message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is over {limit:,} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
