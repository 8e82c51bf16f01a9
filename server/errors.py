"""Business errors and the one place that turns any error into a JSON answer.

    DomainError
    ├── InvalidInput   400 invalid_input
    ├── Unauthorized   401 not_signed_in / bad_credentials
    ├── Forbidden      403 forbidden
    ├── NotFound       404 not_found      (also for records outside the caller's scope)
    ├── Conflict       409 conflict
    ├── PayloadTooLarge 413 too_large
    ├── Unprocessable  422 (e.g. not_an_image, truncated_image, image_too_large)
    ├── TooManyRequests 429 rate_limited (carries retry_after seconds)
    └── ServiceUnavailable 503 (e.g. model_missing: a speech model is not installed; carries retry_after)

Every 4xx answer has the same shape: ``{"status_code", "code", "detail", "extra"?}``;
``code`` is stable for the PWA to translate, ``detail`` is English for people and logs.
A 5xx answer never carries a stack trace; the trace goes to the server log. A database pool
that stays busy past its timeout is a 503 ``database_busy`` with ``Retry-After``, not a 500.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sync.errors import SyncError

log = logging.getLogger("fieldvisit")


class _ErrorFields(TypedDict):
    status_code: int
    code: str
    detail: str


class ErrorBody(_ErrorFields, total=False):
    """What every error answers (the OpenAPI documents each error status with this shape)."""

    extra: dict[str, Any] | list[Any]


class DomainError(Exception):
    """A business refusal. Raised out of a handler, it rolls back the request's unit of work,
    unless it ``keeps_writes``: a refusal that is itself an outcome to remember (an upload refused
    for good, noted so the jobs waiting for it go on) commits what was written before it."""

    status_code = 400
    code = "invalid_input"
    keeps_writes = False

    def __init__(self, detail: str, *, code: str | None = None, extra: Any = None, keep: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra
        self.keeps_writes = keep


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid_input"


class Unauthorized(DomainError):
    status_code = 401
    code = "not_signed_in"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class Unprocessable(DomainError):
    status_code = 422
    code = "unprocessable"


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after


_HTTP_CODES = {
    400: "invalid_input",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _body(status: int, code: str, detail: str, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status, "code": code, "detail": detail}
    if extra:
        body["extra"] = extra
    return body


def domain_error_handler(_: Request, exc: DomainError) -> Response:
    limited = exc if isinstance(exc, (TooManyRequests, ServiceUnavailable)) else None
    headers = {"Retry-After": str(limited.retry_after)} if limited else None
    return Response(
        _body(exc.status_code, exc.code, exc.detail, exc.extra), status_code=exc.status_code, headers=headers
    )


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    code = "validation_failed" if isinstance(exc, ValidationException) else _HTTP_CODES.get(status, "error")
    detail = exc.detail or "Request rejected"
    if status == 404 and not isinstance(exc, ValidationException) and detail == "Not Found":
        detail = f"Nothing at {request.url.path}"
    if isinstance(exc.__cause__, SerializationException):
        code = "malformed_json"
        detail = f"The request body is not valid JSON: {detail}"
    return Response(_body(status, code, detail, exc.extra), status_code=status, headers=exc.headers)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        _body(500, "internal_error", "Something went wrong on the server; the error has been logged."),
        status_code=500,
    )


def pool_timeout_handler(request: Request, exc: PoolTimeout) -> Response:
    """Every pooled database connection stayed busy past the pool's timeout: the server is
    overloaded, not broken. 503 with Retry-After, which a phone's queue waits out and retries."""
    log.warning("no database connection came free for %s %s: %s", request.method, request.url.path, exc)
    busy = ServiceUnavailable("The server is busy; try again in a moment.", retry_after=2, code="database_busy")
    return domain_error_handler(request, busy)


def sync_error_handler(_: Request, exc: SyncError) -> Response:
    return Response(_body(exc.status, exc.code, exc.detail, exc.extra), status_code=exc.status)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    SyncError: sync_error_handler,
    PoolTimeout: pool_timeout_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
