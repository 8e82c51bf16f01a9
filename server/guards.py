"""Route guards for roles: a handler names the action it takes, ``guards=[requires(Action.X)]``, and a
caller whose role may not take it is answered 403 ``forbidden`` before the request is read or any
dependency resolved (the body of a refused upload is never received).

Who may take an action is ``server/authz.py`` (``ACTIONS``); the guard asks ``authz.require``
itself, so its refusal is the service's, word for word, and goes through the same exception handler
(``server/errors.py``). The services keep their own ``authz.require`` too: they are called from
commands, jobs and tests without a route in front of them. What the action may touch (a supervisor's
own team, a store in scope) stays the service's decision; a record outside it is still a 404.

Guards run before Litestar resolves a handler's dependencies and cannot be handed one, so the guard
finds the signed-in user from the session cookie as ``server/deps.py: provide_actor`` does, in a
short unit of work of its own (``session_scope``) on a worker thread, and leaves the user on the
connection's state for ``provide_actor`` (one lookup per request). Not signed in (or a session
that ended) is the same 401 as without the guard, and comes before any 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from server import authz
from server.accounts.service import Actor
from server.deps import DEVICE_HEADER, SESSION_COOKIE, SIGNED_IN, signed_in
from server.settings import Settings


async def _settings(handler: BaseRouteHandler) -> Settings:
    """The app's settings, through the handler's own ``settings`` dependency (the one its
    ``provide_actor`` will be given)."""
    settings: Settings = await handler.resolve_dependencies()["settings"]()
    return settings


@dataclass(frozen=True)
class RoleGuard:
    """Refuses (403 ``forbidden``) a signed-in user whose role may not take ``action``."""

    action: authz.Action

    async def __call__(self, connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        settings = await _settings(handler)
        user = await sync_to_thread(signed_in, settings, connection.cookies.get(SESSION_COOKIE))
        connection.state[SIGNED_IN] = user  # provide_actor takes it from here: one lookup per request
        authz.require(Actor(user=user, device_id=connection.headers.get(DEVICE_HEADER, "")[:64]), self.action)


def requires(action: authz.Action) -> RoleGuard:
    """The guard of a route whose service takes ``action``: ``guards=[requires(Action.X)]``."""
    return RoleGuard(action)
