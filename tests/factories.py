"""Small builders for test data: each test makes what it needs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlmodel import Session

from server.accounts.models import Region, Role, Team, User
from server.domains import publish_all
from server.stores.models import Store

_counter = itertools.count(1)


def create_region(session: Session, code: str | None = None) -> Region:
    n = next(_counter)
    region = Region(code=code or f"R{n}", name=f"区域{n}", name_en=f"Region {n}")
    session.add(region)
    session.flush()
    return region


def create_team(session: Session, region: Region) -> Team:
    team = Team(name=f"{region.name}团队", name_en=f"{region.name_en} team", region_id=region.id)
    session.add(team)
    session.flush()
    return team


def create_user(
    session: Session, password_hash: str, role: Role, *, team: Team | None = None, username: str | None = None
) -> User:
    user = User(
        username=username or f"{role.value}{next(_counter)}",
        display_name=f"{role.value} user",
        role=role.value,
        team_id=team.id if team else None,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    return user


def create_store(session: Session, rep: User | None, region: Region | None = None, **values: object) -> Store:
    n = next(_counter)
    store = Store(
        code=str(values.pop("code", f"S-{n:05d}")),
        name=str(values.pop("name", f"测试便利店{n}")),
        address=f"成都市测试路{n}号",
        channel="convenience",
        lat=30.66 + n / 10000,
        lng=104.06,
        rep_id=rep.id if rep else None,
        region_id=region.id if region else None,
        **values,
    )
    session.add(store)
    session.flush()
    return store


@dataclass
class TeamSet:
    region: Region
    team: Team
    supervisor: User
    reps: list[User]
    stores: dict[str, list[Store]] = field(default_factory=dict)


@dataclass
class World:
    east: TeamSet
    west: TeamSet
    finance: User
    admin: User


def build_world(session: Session, password_hash: str) -> World:
    sets = []
    for _ in range(2):
        region = create_region(session)
        team = create_team(session, region)
        supervisor = create_user(session, password_hash, Role.supervisor, team=team)
        reps = [create_user(session, password_hash, Role.rep, team=team) for _ in range(2)]
        ts = TeamSet(region, team, supervisor, reps)
        for rep in reps:
            ts.stores[rep.username] = [create_store(session, rep, region) for _ in range(3)]
        sets.append(ts)
    finance = create_user(session, password_hash, Role.finance)
    admin = create_user(session, password_hash, Role.admin)
    publish_all(session)  # stores reach phones through the change sequence, as the server does
    session.commit()
    return World(sets[0], sets[1], finance, admin)
