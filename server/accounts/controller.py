"""HTTP routes for signing in and out, the current user and (for admins) users."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field
from sqlmodel import Session

from server import authz
from server.accounts import repository, service
from server.accounts.models import Role, User, UserPublic
from server.audit import service as audit
from server.deps import DB, DEVICE_HEADER, SESSION_COOKIE, AppSettings, CurrentActor
from server.guards import requires
from server.settings import Settings


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)  # the rules are password_policy's (400 weak_password)
    role: Role
    display_name: str = Field(default="", max_length=100)
    team_id: str | None = None


def _me(db: Session, user: User, settings: Settings) -> dict[str, Any]:
    team = repository.team(db, user.team_id) if user.team_id else None
    region = repository.region(db, team.region_id) if team else None
    return {
        "user": UserPublic.model_validate(user).model_dump(),
        "team": team.model_dump() if team else None,
        "region": region.model_dump() if region else None,
        "config": {"blob_keep_days": settings.blob_keep_days},  # the settings the PWA follows
    }


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", sync_to_thread=True, status_code=200)
    def login(self, request: Request, db: DB, settings: AppSettings, data: JSONBody[LoginRequest]) -> Response[Any]:
        address = request.client.host if request.client else "unknown"
        user, token = service.login(
            db,
            settings,
            username=data.username,
            password=data.password,
            address=address,
            device_id=request.headers.get(DEVICE_HEADER, ""),
        )
        audit.record(
            db,
            service.Actor(user, request.headers.get(DEVICE_HEADER, "")[:64]),
            entity="user",
            entity_id=user.id,
            action="login",
            changes={"address": address},
        )
        response = Response(_me(db, user, settings))
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=settings.session_days * 86400,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
            path="/",
        )
        return response

    @post("/logout", sync_to_thread=True, status_code=200)
    def logout(self, request: Request, db: DB) -> Response[Any]:
        service.logout(db, request.cookies.get(SESSION_COOKIE))
        response = Response({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class MeController(Controller):
    path = "/api"
    tags = ["auth"]

    @get("/me", sync_to_thread=True)
    def me(self, db: DB, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        return _me(db, actor.user, settings)

    @get("/users", sync_to_thread=True)
    def list_users(self, db: DB, actor: CurrentActor) -> list[UserPublic]:
        """The users the caller may see: a supervisor their team, an admin everyone."""
        return [UserPublic.model_validate(u) for u in repository.visible_users_of(db, actor.user)]

    @post("/admin/users", sync_to_thread=True, guards=[requires(authz.Action.USER_CREATE)])
    def create_user(self, db: DB, actor: CurrentActor, data: JSONBody[UserCreate]) -> UserPublic:
        authz.require(actor, authz.Action.USER_CREATE)
        user = service.create_user(
            db,
            username=data.username,
            password=data.password,
            role=data.role.value,
            display_name=data.display_name,
            team_id=data.team_id,
        )
        audit.record(
            db,
            actor,
            entity="user",
            entity_id=user.id,
            action="create",
            changes={"username": user.username, "role": user.role, "team_id": user.team_id},
        )
        return UserPublic.model_validate(user)
