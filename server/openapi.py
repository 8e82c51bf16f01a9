"""Every status an API operation answers, documented in one place.

``document_errors(app)`` runs once in ``create_app``, after the routes are registered and before
the schema is first generated. It gives each documented HTTP handler under ``/api/`` the error
answers it can give, all of one shape (``server.errors.ErrorBody``):

- from the handler itself: 400 when it takes parameters or a body, 401 when it needs a signed-in
  ``actor``, 404 when its path has parameters (a record that does not exist or is out of scope),
  413 when it reads a body; 403 ``forbidden`` when a role guard (``server/guards.py``) stands in front;
- from the security layer (``server/security.py``), on every state-changing method: 403
  ``cross_site`` and 415 ``unsupported_media_type``;
- from ``RAISES`` below: what the services raise beyond that (a role's 403, 409, 422, 429, 503),
  with their codes (tests/server/test_errors.py checks that every key names a route).

The schemathesis test (tests/server/test_schemathesis.py) fails on any status an operation answers
that its schema does not list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.routes import HTTPRoute

from server.errors import ErrorBody
from server.guards import RoleGuard

# Integers the database sees are bounded: SQLite and PostgreSQL store at most 64 bits (INTEGER
# columns 32 on PostgreSQL), and a bigger number is a 500 there, not a 400 here.
MAX_OFFSET = 1_000_000_000
MAX_SAFE_INTEGER = 2**53 - 1  # what a phone's JavaScript holds exactly (and a float in the schema)
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="How many items to skip.")]

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_PARAMETERS = frozenset({"request", "socket", "state", "scope", "self"})

# What each status means wherever it is answered; RAISES adds an operation's own codes.
STATUS_TEXT: Mapping[int, str] = {
    400: "Invalid input: `validation_failed` (`extra` lists `{key, message}` per field), `malformed_json`, "
    "`nul_character`, `invalid_input` or a more specific code.",
    401: "Not signed in: `not_signed_in`, `session_expired` or `account_disabled`.",
    403: "Refused: `cross_site` is a state-changing request from another site, `forbidden` one the caller's role "
    "may not make.",
    404: "`not_found`: no such record, or one outside the caller's scope.",
    409: "Conflict with the stored state.",
    413: "`too_large`: the body is over the limit.",
    415: "`unsupported_media_type`: the body is not of a type this endpoint takes.",
    422: "The body was read but cannot be used.",
    429: "Too many attempts; `extra.retry_after` and the `Retry-After` header say when to try again.",
    503: "Not available on this server now; `extra.retry_after` says when to try again.",
}

# Statuses beyond the derived ones, by operation (``METHOD /path`` as in the schema): status -> codes.
RAISES: Mapping[str, Mapping[int, str]] = {
    "POST /api/auth/login": {401: "bad_credentials", 429: "login_locked_account, login_locked_address, login_slowed"},
    "POST /api/admin/users": {
        400: "weak_password, invalid_username, team_required, unknown_team",
        403: "forbidden",
        409: "username_taken, confusable_username",
    },
    "POST /api/stores": {403: "forbidden", 409: "conflict"},
    "PATCH /api/stores/{store_id}": {403: "forbidden"},
    "GET /api/admin/stores/export.csv": {403: "forbidden"},
    "POST /api/admin/stores/import": {403: "forbidden"},
    "POST /api/catalog/barcodes/decode": {404: "not_found", 422: "not_an_image, truncated_image"},
    "POST /api/sync/push": {400: "malformed_batch, malformed_json", 403: "device_not_yours", 409: "sequence_gap"},
    "PUT /api/blobs/{sha256}": {409: "offset_mismatch", 422: "hash_mismatch, unsupported_blob_type, not_an_image"},
    "POST /api/admin/templates": {403: "forbidden"},
    "POST /api/speech/transcribe": {
        400: "bad_lang",
        422: "not_audio, empty_audio, corrupt_audio, audio_too_long",
        503: "model_missing, model_broken",
    },
    "POST /api/admin/promotions": {400: "bad_period, unknown_region", 403: "forbidden", 409: "duplicate_code"},
    "GET /api/claims": {403: "forbidden"},
    "GET /api/claims/{claim_id}": {403: "forbidden"},
    "POST /api/claims/{claim_id}/decision": {
        403: "forbidden, own_claim",
        409: "already_decided, not_ready, no_pool, pool_exhausted",
    },
    "POST /api/claims/{claim_id}/reopen": {403: "forbidden, not_your_decision", 409: "not_decided, reopen_too_late"},
    "GET /api/review": {403: "forbidden"},
    "GET /api/review/{visit_id}": {403: "forbidden"},
    "POST /api/review/decisions": {403: "forbidden", 404: "not_found", 409: "already_decided"},
    "POST /api/review/reopen": {
        403: "forbidden, not_your_decision",
        404: "not_found",
        409: "not_decided, decided_earlier, decision_changed",
    },
    "GET /api/team/confirmations": {403: "forbidden"},
    "GET /api/team/dashboard": {403: "forbidden"},
    "GET /api/team/export/{kind}": {403: "forbidden"},
    "GET /api/blobs/{sha256}/thumb/{size}": {422: "not_a_photo"},
    "GET /api/admin/jobs": {403: "forbidden"},
    "POST /api/admin/jobs/{job_id}/retry": {403: "forbidden", 409: "job_running, job_done"},
    "GET /api/admin/users": {403: "forbidden"},
    "PATCH /api/admin/users/{user_id}": {
        400: "team_required, unknown_team",
        403: "forbidden",
        409: "own_account, rep_has_stores",
    },
    "POST /api/admin/users/{user_id}/password": {400: "weak_password", 403: "forbidden"},
    "GET /api/admin/teams": {403: "forbidden"},
    "POST /api/admin/regions": {400: "name_required, invalid_name", 403: "forbidden", 409: "duplicate_code"},
    "PATCH /api/admin/regions/{region_id}": {400: "name_required, invalid_name", 403: "forbidden"},
    "POST /api/admin/teams": {400: "name_required, invalid_name, unknown_region", 403: "forbidden"},
    "PATCH /api/admin/teams/{team_id}": {
        400: "name_required, invalid_name, unknown_region, not_a_supervisor",
        403: "forbidden",
    },
    "GET /api/admin/status": {403: "forbidden"},
}


def _spec(status: int, codes: list[str]) -> ResponseSpec:
    text = STATUS_TEXT.get(status, "Error.")
    if codes:
        text = f"{text} Here: `{'`, `'.join(codes)}`."
    return ResponseSpec(data_container=ErrorBody, description=text, generate_examples=False)


def _codes(status: int, method: str, own: str | None, guarded: bool = False) -> list[str]:
    codes = ["cross_site"] if status == 403 and method in _UNSAFE else []
    if status == 403 and guarded:
        codes.append("forbidden")
    return codes + [c.strip() for c in (own or "").split(",") if c.strip() and c.strip() not in codes]


def derived_statuses(route: HTTPRoute, handler: HTTPRouteHandler, method: str) -> set[int]:
    """What any handler of this form can answer, whatever its service does."""
    parameters = set(handler.parsed_fn_signature.parameters)
    dependencies = set(handler.resolve_dependencies())
    inputs = parameters - dependencies - _NOT_PARAMETERS
    # Handlers that read their raw body themselves (read_limited) lift Litestar's own size limit.
    reads_body = "data" in parameters or (method in _UNSAFE and handler.request_max_body_size is None)
    statuses: set[int] = set()
    if inputs or reads_body:
        statuses.add(400)
    if "actor" in parameters:
        statuses.add(401)
    if route.path_parameters:
        statuses.add(404)
    if reads_body:
        statuses.add(413)
    if method in _UNSAFE:
        statuses |= {403, 415}
    if any(isinstance(guard, RoleGuard) for guard in handler.resolve_guards()):
        statuses.add(403)  # a role the route's action is not for: `forbidden`
    return statuses


def operations(app: Litestar) -> Iterator[tuple[str, HTTPRoute, HTTPRouteHandler]]:
    """``METHOD /path``, route and handler of every documented API operation."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path_format.startswith("/api/"):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                yield f"{method} {route.path_format}", route, handler


def document_errors(app: Litestar) -> None:
    for key, route, handler in operations(app):
        method = key.split(" ", 1)[0]
        own = RAISES.get(key, {})
        statuses = derived_statuses(route, handler, method) | set(own)
        guarded = any(isinstance(guard, RoleGuard) for guard in handler.resolve_guards())
        responses = {
            status: _spec(status, _codes(status, method, own.get(status), guarded)) for status in sorted(statuses)
        }
        handler.responses = {**responses, **(handler.responses or {})}
