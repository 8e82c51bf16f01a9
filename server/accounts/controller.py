"""HTTP routes for signing in and out, the current user and (for admins) users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel import Session

from server import authz
from server.accounts import repository, service
from server.accounts.models import Role, User, UserPublic
from server.audit import service as audit
from server.deps import DB, DEVICE_HEADER, SESSION_COOKIE, AppSettings, CurrentActor
from server.errors import InvalidInput
from server.guards import requires
from server.openapi import Offset
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


# ---- the admin console: users, regions and teams (admins only; every change audited) -----------


class UserUpdate(BaseModel):
    """Leave a field out to keep it; ``team_id: null`` takes a finance or admin user out of any team."""

    display_name: str | None = Field(default=None, max_length=100)
    role: Role | None = None
    team_id: str | None = Field(default=None, max_length=36)
    active: bool | None = None


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=256)  # the rules are password_policy's (400 weak_password)


class RegionCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)


class RegionUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    region_id: str = Field(min_length=1, max_length=36)


class TeamUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    region_id: str | None = Field(default=None, min_length=1, max_length=36)
    supervisor_id: str | None = Field(default=None, min_length=1, max_length=36)


def _person(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "active": u.active}


class AdminPeopleController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @post("/users", sync_to_thread=True, guards=[requires(authz.Action.USER_CREATE)])
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

    @get("/users", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def users(
        self,
        db: DB,
        actor: CurrentActor,
        q: Annotated[str, QueryParameter(max_length=64, description="Part of a username or display name")] = "",
        role: FromQuery[Role | None] = None,
        team_id: Annotated[str | None, QueryParameter(max_length=36)] = None,
        active: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Every user (disabled ones too), by username; filters and paging as for stores."""
        authz.require(actor, authz.Action.USER_EDIT)
        found, total = repository.admin_users(
            db, q=q, role=role.value if role else None, team_id=team_id, active=active, limit=limit, offset=offset
        )
        items = [UserPublic.model_validate(u).model_dump() for u in found]
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @patch("/users/{user_id:str}", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def update_user(
        self, db: DB, actor: CurrentActor, user_id: FromPath[str], data: JSONBody[UserUpdate]
    ) -> UserPublic:
        authz.require(actor, authz.Action.USER_EDIT)
        values = data.model_dump(exclude_unset=True)
        if values.get("role") is not None:
            values["role"] = values["role"].value
        for key in ("role", "display_name", "active"):
            if key in values and values[key] is None:
                raise InvalidInput(f"{key} cannot be null; leave it out to keep it.")
        user, changes = service.update_user(db, actor, user_id, values)
        if changes:
            action = "update"
            if list(changes) in (["active"], ["active", "sessions_ended"]):
                action = "enable" if user.active else "disable"
            audit.record(db, actor, entity="user", entity_id=user.id, action=action, changes=changes)
        return UserPublic.model_validate(user)

    @post(
        "/users/{user_id:str}/password", sync_to_thread=True, status_code=200, guards=[requires(authz.Action.USER_EDIT)]
    )
    def reset_password(
        self, db: DB, actor: CurrentActor, user_id: FromPath[str], data: JSONBody[PasswordReset]
    ) -> dict[str, Any]:
        authz.require(actor, authz.Action.USER_EDIT)
        user, ended = service.reset_password(db, actor, user_id, data.password)
        audit.record(
            db, actor, entity="user", entity_id=user.id, action="password_reset", changes={"sessions_ended": ended}
        )
        return {"user": UserPublic.model_validate(user).model_dump(), "sessions_ended": ended}

    @get("/teams", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def teams(self, db: DB, actor: CurrentActor) -> dict[str, Any]:
        """Regions with their teams: each team's supervisors and how many active reps it has."""
        authz.require(actor, authz.Action.USER_EDIT)
        counts = repository.members_by_team(db)
        leads: dict[str, list[dict[str, Any]]] = {}
        for u in repository.users(db, role=Role.supervisor.value):
            if u.team_id:
                leads.setdefault(u.team_id, []).append(_person(u))
        by_region: dict[str, list[dict[str, Any]]] = {}
        for team in repository.teams(db):
            by_region.setdefault(team.region_id, []).append(
                {
                    **team.model_dump(),
                    "supervisors": leads.get(team.id, []),
                    "reps": counts.get(team.id, {}).get(Role.rep.value, 0),
                }
            )
        return {"regions": [{**r.model_dump(), "teams": by_region.get(r.id, [])} for r in repository.regions(db)]}

    @post("/regions", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def create_region(self, db: DB, actor: CurrentActor, data: JSONBody[RegionCreate]) -> dict[str, Any]:
        authz.require(actor, authz.Action.USER_EDIT)
        region = service.create_region(db, actor, code=data.code, name=data.name, name_en=data.name_en)
        audit.record(db, actor, entity="region", entity_id=region.id, action="create", changes=region.model_dump())
        return region.model_dump()

    @patch("/regions/{region_id:str}", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def update_region(
        self, db: DB, actor: CurrentActor, region_id: FromPath[str], data: JSONBody[RegionUpdate]
    ) -> dict[str, Any]:
        authz.require(actor, authz.Action.USER_EDIT)
        region, changes = service.update_region(db, actor, region_id, data.model_dump(exclude_unset=True))
        if changes:
            audit.record(db, actor, entity="region", entity_id=region.id, action="update", changes=changes)
        return region.model_dump()

    @post("/teams", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def create_team(self, db: DB, actor: CurrentActor, data: JSONBody[TeamCreate]) -> dict[str, Any]:
        authz.require(actor, authz.Action.USER_EDIT)
        team = service.create_team(db, actor, name=data.name, name_en=data.name_en, region_id=data.region_id)
        audit.record(db, actor, entity="team", entity_id=team.id, action="create", changes=team.model_dump())
        return team.model_dump()

    @patch("/teams/{team_id:str}", sync_to_thread=True, guards=[requires(authz.Action.USER_EDIT)])
    def update_team(
        self, db: DB, actor: CurrentActor, team_id: FromPath[str], data: JSONBody[TeamUpdate]
    ) -> dict[str, Any]:
        authz.require(actor, authz.Action.USER_EDIT)
        team, changes = service.update_team(db, actor, team_id, data.model_dump(exclude_unset=True))
        if changes:
            audit.record(db, actor, entity="team", entity_id=team.id, action="update", changes=changes)
        return team.model_dump()
