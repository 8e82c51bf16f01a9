"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
FIELDVISIT_TEST_DATABASE_URL says so), the app, factories, a live server and Chromium.

A skipped test fails the run: something missing must be installed, not ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import make_url, text
from sqlmodel import Session

from server.accounts.passwords import hash_password
from server.app import create_app
from server.db import dispose_engines, get_engine, migrate
from server.domains import install
from server.models import metadata
from server.settings import Settings
from tests.audiohelp import model_root
from tests.clock import CLOCK, CLOCK_ENV
from tests.livesupport import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    S3Server,
    fresh_database,
    start_s3,
    start_server,
)

install()  # the app's domains, for tests that call services without an app
PASSWORD = "correct-horse"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose


def _test_database_url(tmp_root: Path, suffix: str = "") -> str:
    url = os.environ.get("FIELDVISIT_TEST_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tmp_root / f'test{suffix}.db'}"
    if suffix:
        parsed = make_url(url)
        return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)
    return url


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("fieldvisit")
    url = _test_database_url(root)
    fresh_database(url)
    # Jobs run when a test says so (worker.run_pending), not in a thread behind its back. The real
    # Korean Vosk model stands in as "ko" (the published en/zh models cannot be fetched here).
    s = Settings(
        data_dir=root / "data",
        database_url=url,
        secret_key="test-secret",
        jobs_embedded=False,
        speech_models_dir=model_root(root / "models", "ko"),
        clock=CLOCK,
    )
    migrate(s)
    yield s
    dispose_engines()


@pytest.fixture
def db_url(settings: Settings) -> str:
    return settings.resolved_database_url()


@pytest.fixture
def clean_db(settings: Settings) -> None:
    """Empty every table before a test (each test builds the data it needs)."""
    reset_database(settings)


def reset_database(settings: Settings) -> None:
    engine = get_engine(settings)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        conn.execute(text("INSERT INTO sync_counter (id, value, horizon) VALUES (1, 0, 0)"))


@pytest.fixture
def session(settings: Settings, clean_db: None) -> Iterator[Session]:
    with Session(get_engine(settings), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app_client(settings: Settings, clean_db: None) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings, run_migrations=False)) as client:
        yield client


def make_client(settings: Settings) -> TestClient:
    return TestClient(app=create_app(settings, run_migrations=False))


# ---- factories ---------------------------------------------------------------------------

from tests.factories import World, build_world  # noqa: E402


@pytest.fixture
def world(session: Session) -> World:
    """Two regions, each a team with a supervisor and two reps with stores; finance; admin."""
    return build_world(session, _PASSWORD_HASH)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


# ---- live server and browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server in its own process, on its own database seeded with the demo distributor."""
    yield from demo_server(tmp_path_factory, "live")


def demo_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[LiveServer]:
    """A real server process on a fresh database of its own (``test_<name>``), seeded with the demo."""
    root = tmp_path_factory.mktemp(name)
    url = _test_database_url(root, f"_{name}")
    fresh_database(url)
    server = start_server(root / "data", url, env=CLOCK_ENV)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """An S3-compatible server (moto) on loopback for the whole run; each test takes a new bucket."""
    server = start_s3(tmp_path_factory.mktemp("s3") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright driver per test session (the sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (./dev test does it as root)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[object]:  # type: ignore[no-untyped-def]
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


# ---- a skip is a failure ------------------------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _skipped:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} test(s) skipped; a skip hides missing work or a missing install: "
            + ", ".join(_skipped),
            red=True,
        )
