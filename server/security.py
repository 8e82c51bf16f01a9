"""What every answer carries and what every request must show, as one ASGI layer around the app.

Answers: a strict Content-Security-Policy (no inline script, no ``eval``, nothing framed, no
plugins), ``nosniff``, a same-origin referrer, HSTS when cookies are secure, and ``no-store`` on
API answers (error answers included) unless the handler chose its own caching (content-addressed
blobs do: they are private and immutable).

Requests: a state-changing API request is refused (403 ``cross_site``) when its ``Origin`` or
``Sec-Fetch-Site`` says another site sent it, and (415 ``unsupported_media_type``) when its body is
not of a type the API takes; the three types a cross-site HTML form can send without asking
(``text/plain``, ``application/x-www-form-urlencoded``, ``multipart/form-data``) are never among
them. A WebSocket handshake from another origin is closed before it is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# The API reference pages (Litestar's Scalar and Swagger renderers) load their script from a CDN
# and start it inline; they show no user's data, and only they get this policy.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "img-src 'self' data: https://cdn.jsdelivr.net",
        "font-src 'self' data: https://cdn.jsdelivr.net https://fonts.gstatic.com",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
_DOCS_PREFIX = "/api/docs"

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What the API's state-changing endpoints take; everything else with a body is refused. Each
# upload endpoint says which it takes (blobs: bytes; store and delivery imports: CSV; transcription: audio).
_JSON = ("application/json",)
_UPLOAD_TYPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("PUT", "/api/blobs/", ("application/octet-stream",)),
    ("POST", "/api/admin/stores/import", ("text/csv", "application/octet-stream")),
    ("POST", "/api/insights/deliveries.csv", ("text/csv", "application/octet-stream")),
    ("POST", "/api/speech/transcribe", ("application/octet-stream", "audio/")),
)


def accepted_types(method: str, path: str) -> tuple[str, ...]:
    for m, prefix, types in _UPLOAD_TYPES:
        if method == m and path.startswith(prefix):
            return types
    return _JSON


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _origin_ok(scope: Scope, allowed: Iterable[str]) -> bool:
    """Same origin as the request's Host (or one the settings allow); absent Origin passes."""
    site = (_header(scope, b"sec-fetch-site") or "").lower()
    if site in ("cross-site", "same-site"):
        return False
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    if origin in allowed:
        return True
    host = _header(scope, b"host")
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc.lower() == (host or "").lower()


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return _header(scope, b"transfer-encoding") is not None


def _type_ok(scope: Scope) -> bool:
    if not _has_body(scope):
        return True
    media = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
    wanted = accepted_types(scope["method"], scope["path"])
    return any(media == t or (t.endswith("/") and media.startswith(t)) for t in wanted)


async def _refuse(send: Send, status: int, code: str, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"status_code": status, "code": code, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def security_layer(*, hsts: bool, allowed_origins: Iterable[str] = ()) -> Callable[[ASGIApp], ASGIApp]:
    allowed = frozenset(o.rstrip("/") for o in allowed_origins)
    fixed: list[tuple[bytes, bytes]] = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        fixed.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    def middleware(app: ASGIApp) -> ASGIApp:
        async def layer(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "websocket":
                if not _origin_ok(scope, allowed):
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 4403})
                    return
                await app(scope, receive, send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            path: str = scope["path"]
            api = path.startswith("/api/")
            extra = list(fixed)
            if path.startswith(_DOCS_PREFIX) and not path.endswith((".json", ".yaml")):
                extra[0] = (b"content-security-policy", DOCS_CONTENT_SECURITY_POLICY.encode())
            if api and scope["method"] in _UNSAFE_METHODS:
                if not _origin_ok(scope, allowed):
                    await _refuse(
                        send, 403, "cross_site", "Requests from another site are refused.", [*extra, *_NO_STORE]
                    )
                    return
                if not _type_ok(scope):
                    wanted = ", ".join(accepted_types(scope["method"], path))
                    await _refuse(
                        send,
                        415,
                        "unsupported_media_type",
                        f"This endpoint takes {wanted}.",
                        [*extra, *_NO_STORE],
                    )
                    return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", ()))
                    names = {bytes(k).lower() for k, _ in headers}
                    headers.extend((k, v) for k, v in extra if k not in names)
                    if api and b"cache-control" not in names:
                        headers.extend(_NO_STORE)
                    message["headers"] = headers
                await send(message)

            await app(scope, receive, send_with_headers)

        return layer

    return middleware


_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
