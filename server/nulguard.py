"""No NUL character reaches the database: PostgreSQL refuses it in text (a 500 there), SQLite
would store it, and no field of this API has a use for it. Refused once, here, the same way on
both databases:

- a path holding NUL (``/index.html%00.js``) names nothing: 404 ``not_found``;
- a query string or header holding one: 400 ``nul_character``;
- a JSON body with NUL in any string or key: 400 ``nul_character`` (``NulGuardedRequest``, the
  app's request class, checks what ``request.json()`` decodes, which every ``data`` body passes).

The sync push reads its body itself and refuses such text per operation (sync's own rules), so a
phone's batch is never stuck on one field.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from server.errors import InvalidInput
from server.security import ASGIApp, Receive, Scope, Send

NUL = "\x00"
CODE = "nul_character"


def holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value has NUL in a string or key, at any depth (no recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and NUL in key:
                    return True
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


class NulGuardedRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        value = await super().json()
        if holds_nul(value):
            raise InvalidInput("Text may not contain NUL (U+0000) characters.", code=CODE)
        return value


async def _answer(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"status_code": status, "code": code, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def nul_guard(app: ASGIApp) -> ASGIApp:
    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            query: bytes = scope.get("query_string", b"")
            refusal: tuple[int, str, str] | None = None
            if NUL in path:
                refusal = (404, "not_found", "Nothing at a path holding NUL.")
            elif b"%00" in query or b"\x00" in query:
                refusal = (400, CODE, "The query string may not contain NUL (%00).")
            elif any(b"\x00" in bytes(value) for _, value in scope.get("headers", ())):
                refusal = (400, CODE, "Headers may not contain NUL.")
            if refusal is not None:
                if scope["type"] == "websocket":
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 4400})
                    return
                await _answer(send, *refusal)
                return
        await app(scope, receive, send)

    return guard
