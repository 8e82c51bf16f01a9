"""The command line, the demo distributor and the migrations, on the real database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func
from sqlmodel import Session, select

from server.accounts.models import Region, Role, Team, User
from server.catalog.models import CompetitorSku, Material, Sku
from server.db import current_revision, get_engine, migrate
from server.demo.seed import ean13, seed_demo, seed_if_empty
from server.models import metadata
from server.settings import Settings
from server.stores.models import Store
from tests.livesupport import ROOT


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.mark.parametrize(
    "command", ["", "serve", "migrate", "seed-demo", "create-user", "compact", "worker", "speech-models"]
)
def test_every_command_has_help(command: str) -> None:
    result = _cli(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "usage: fieldvisit" in result.stdout
    if not command:
        for sub in ("serve", "migrate", "seed-demo", "create-user"):
            assert sub in result.stdout


def test_schema_matches_the_models(settings: Settings) -> None:
    migrate(settings)  # idempotent: a second run changes nothing
    assert current_revision(settings) == "0014"
    with get_engine(settings).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(settings: Settings) -> None:
    engine = get_engine(settings)
    if engine.dialect.name != "sqlite":
        assert engine.dialect.name == "postgresql"
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_demo_distributor_is_believable(settings: Settings, clean_db: None) -> None:
    logins = seed_demo(settings, seed=7)
    assert seed_if_empty(settings) is None  # a second start leaves it alone
    with Session(get_engine(settings)) as s:
        count = lambda model: s.exec(select(func.count()).select_from(model)).one()  # noqa: E731
        assert count(Store) == 2800
        assert count(Region) == 3 and count(Team) == 3
        roles = dict(s.exec(select(User.role, func.count()).group_by(User.role)).all())
        assert roles == {"rep": 43, "supervisor": 3, "finance": 1, "admin": 1}
        assert count(Sku) >= 10 and count(CompetitorSku) >= 15 and count(Material) >= 5
        per_rep = s.exec(select(func.count()).select_from(Store).group_by(Store.rep_id)).all()
        assert len(per_rep) == 43 and min(per_rep) >= 60 and max(per_rep) <= 70
        channels = set(s.exec(select(Store.channel).distinct()).all())
        assert channels == {"supermarket", "convenience", "restaurant", "tobacco_liquor"}
        for store in s.exec(select(Store).limit(50)):
            assert 30 < store.lat < 32 and 103.5 < store.lng < 105.5 and store.rep_id
        for code in s.exec(select(CompetitorSku.barcode)).all():
            assert len(code) == 13 and ean13(code[:12]) == code
        sups = s.exec(select(User).where(User.role == Role.supervisor.value)).all()
        for sup in sups:  # each supervisor leads 5–15 reps
            reps = s.exec(
                select(func.count()).select_from(User).where(User.team_id == sup.team_id, User.role == Role.rep.value)
            ).one()
            assert 5 <= reps <= 15
    assert {u for _, u, _ in logins} >= {"admin", "finance", "sup-cd", "rep01"}


def test_create_user_command(settings: Settings, clean_db: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"FIELDVISIT_DATABASE_URL": settings.resolved_database_url(), "FIELDVISIT_DATA_DIR": str(tmp_path)}
    ok = _cli("create-user", "boss", "--role", "admin", "--password", "a-long-password", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "created admin boss" in ok.stdout
    again = _cli("create-user", "boss", "--role", "admin", "--password", "a-long-password", env=env)
    assert again.returncode == 2 and "taken" in again.stderr
    short = _cli("create-user", "tiny", "--role", "admin", "--password", "short", env=env)
    assert short.returncode == 2 and "at least 10" in short.stderr
    no_team = _cli("create-user", "lonely", "--role", "rep", "--password", "a-long-password", env=env)
    assert no_team.returncode == 2 and "belongs to a team" in no_team.stderr
