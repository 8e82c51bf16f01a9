"""Limits on failed sign-ins (server.accounts.throttle) against the real app and database.

Litestar's TestClient always says the client is ``testclient``; ``FromAddress`` lets a test say
which address a request comes from, as a proxy-free server would see it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server import clock
from server.accounts import passwords
from server.accounts.models import LoginFailure
from server.app import create_app
from server.db import utcnow
from server.settings import Settings
from tests.conftest import PASSWORD
from tests.factories import World

ADDRESS_HEADER = "x-test-address"


class FromAddress:
    """The app, reached from the address a request names in ``X-Test-Address``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for key, value in scope["headers"]:
                if key == ADDRESS_HEADER.encode():
                    scope = {**scope, "client": (value.decode(), 50000)}
        await self.app(scope, receive, send)


@pytest.fixture
def client_for(settings: Settings, clean_db: None) -> Iterator[Callable[..., TestClient]]:
    """A TestClient on an app with some settings changed (``client_for(login_...=...)``)."""
    opened: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        client = TestClient(app=FromAddress(create_app(settings.model_copy(update=changes), run_migrations=False)))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def later() -> Iterator[Callable[[float], None]]:
    """The server's clock stopped (a slow machine cannot let a slow-down pass by itself), moved
    forward by hand; running again as before when the test ends."""
    clock.freeze(clock.now())

    def forward(seconds: float) -> None:
        clock.freeze(clock.now() + timedelta(seconds=seconds, milliseconds=1))  # a phone waits a little longer

    yield forward
    clock.freeze(None)


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification (for a real user or the dummy hash of an unknown one), counted.
    Each takes a moment longer than usual, so racing attempts really overlap."""
    calls: list[str] = []
    real = passwords.verify_password
    lock = threading.Lock()

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            calls.append(password)
        time.sleep(0.05)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


def _login(client: TestClient, username: str, password: str, address: str = "10.0.0.1") -> httpx.Response:
    return client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers={ADDRESS_HEADER: address}
    )


def _in_parallel(n: int, attempt: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    start = threading.Barrier(n)

    def run(i: int) -> httpx.Response:
        start.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _failures(session: Session) -> list[LoginFailure]:
    session.expire_all()
    return list(session.exec(select(LoginFailure)))


@pytest.mark.parametrize("known", [True, False], ids=["known-user", "unknown-user"])
def test_parallel_wrong_guesses_verify_no_more_than_the_limit(
    client_for: Callable[..., TestClient], world: World, session: Session, verified: list[str], known: bool
) -> None:
    client = client_for()
    username = world.east.reps[0].username if known else "nobody-at-all"
    answers = _in_parallel(25, lambda i: _login(client, username, f"guess-number-{i}"))

    limit = 5  # login_max_failures_per_account
    assert len(verified) <= limit
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(401) <= limit
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) + statuses.count(429) == 25
    for answer in answers:
        if answer.status_code == 401:
            assert answer.json()["code"] == "bad_credentials"
        else:
            assert answer.json()["code"] in ("login_locked_account", "login_slowed")
            assert 0 < int(answer.headers["retry-after"]) <= 15 * 60
    # Only the verified attempts are remembered as failures; the refused ones left nothing behind.
    assert len(_failures(session)) == len(verified)
    # Racing attempts may be refused more eagerly than one by one; top up to the limit, then the
    # account is locked from this address: even the right password is refused, without being checked.
    for _ in range(limit - len(verified)):
        assert _login(client, username, "one-more-guess").status_code in (401, 429)
    assert len(verified) == limit
    locked = _login(client, username, PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "login_locked_account"
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert len(verified) == limit


def test_parallel_guesses_from_many_addresses_verify_one_per_slowed_down_slot(
    client_for: Callable[..., TestClient],
    world: World,
    session: Session,
    verified: list[str],
    later: Callable[[float], None],
) -> None:
    client = client_for()  # the defaults: slowed down after 10 failures, 1, 2, 4 ... 60 s apart
    rep = world.east.reps[0]
    # Fifteen failures from fifteen addresses five minutes ago: the next attempt waits 2**5 = 32 s after
    # the one before it (and racing attempts, counted while they are verified, make it longer).
    for i in range(15):
        session.add(LoginFailure(username=rep.username, address=f"10.9.0.{i}", at=utcnow() - timedelta(minutes=5)))
    session.commit()

    answers = _in_parallel(25, lambda i: _login(client, rep.username, f"guess-{i}", address=f"10.1.0.{i}"))

    assert len(verified) <= 1
    slowed = [a for a in answers if a.status_code == 429]
    assert len(slowed) >= 24
    assert {a.json()["code"] for a in slowed} == {"login_slowed"}
    assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in slowed)
    if not verified:  # racing attempts may all refuse each other; then the slot is still open
        assert _login(client, rep.username, "one-more-guess", address="10.1.1.1").status_code == 401
    # A new address with the right password waits too (nobody is locked out, everybody is slowed),
    wait = _login(client, rep.username, PASSWORD, address="10.2.0.1")
    assert wait.status_code == 429 and wait.json()["code"] == "login_slowed"
    assert int(wait.headers["retry-after"]) <= 60  # 2**6 s after the verified one, at most a minute
    # and gets in once the slot opens.
    later(int(wait.headers["retry-after"]))
    assert _login(client, rep.username, PASSWORD, address="10.2.0.1").status_code == 200


def test_many_reps_signing_in_at_once_from_one_address_are_all_let_in(
    client_for: Callable[..., TestClient], world: World, session: Session, verified: list[str]
) -> None:
    """A morning meeting on the office wi-fi, or one carrier's CGNAT address: more reps than the
    per-address limit sign in at the same moment. Attempts in flight are not failures."""
    from server.accounts.models import Role
    from tests.conftest import _PASSWORD_HASH
    from tests.factories import create_user

    reps = [create_user(session, _PASSWORD_HASH, Role.rep, team=world.east.team) for _ in range(12)]
    session.commit()
    client = client_for(login_max_failures_per_address=4)  # fewer than the reps racing
    answers = _in_parallel(len(reps), lambda i: _login(client, reps[i].username, PASSWORD, address="100.64.0.1"))
    assert [a.status_code for a in answers] == [200] * len(reps), [a.text for a in answers if a.status_code != 200]
    assert len(verified) == len(reps) and _failures(session) == []
    # wrong passwords from there still lock the address once they are failures
    for i in range(4):
        assert _login(client, f"ghost{i}", "wrong", address="100.64.0.1").status_code == 401
    blocked = _login(client, reps[0].username, PASSWORD, address="100.64.0.1")
    assert blocked.status_code == 429 and blocked.json()["code"] == "login_locked_address"
    assert all(f.settled for f in _failures(session))


def test_a_stranger_cannot_lock_a_rep_out_of_their_own_phone(
    client_for: Callable[..., TestClient], world: World, session: Session
) -> None:
    client = client_for()
    rep = world.west.reps[0]
    stranger = [_login(client, rep.username, f"guess-{i}", address="203.0.113.9") for i in range(5)]
    assert [a.status_code for a in stranger] == [401, 401, 401, 401, 429]
    assert [a.json()["extra"].get("attempts_left") for a in stranger[:4]] == [4, 3, 2, 1]
    assert "from this address" in stranger[0].json()["detail"]
    assert stranger[4].json()["code"] == "login_locked_account"
    # The stranger's address is locked for this account, even with the right password ...
    locked = _login(client, rep.username, PASSWORD, address="203.0.113.9")
    assert locked.status_code == 429 and locked.json()["code"] == "login_locked_account"
    # ... the rep's phone is not: its own count starts at zero, and the right password signs in.
    typo = _login(client, rep.username, "not-my-password", address="192.0.2.7")
    assert typo.status_code == 401 and typo.json()["extra"]["attempts_left"] == 4
    assert _login(client, rep.username, PASSWORD, address="192.0.2.7").status_code == 200
    # Signing in forgets the phone's failures, not the stranger's.
    assert {f.address for f in _failures(session)} == {"203.0.113.9"}


def test_failures_from_all_addresses_slow_the_account_down_more_and_more(
    client_for: Callable[..., TestClient], world: World, session: Session, later: Callable[[float], None]
) -> None:
    client = client_for(login_account_slowdown_after=3, login_account_slowdown_max_seconds=4)
    rep = world.west.reps[1]
    for i in range(3):  # three failures from three addresses: not slowed yet
        assert _login(client, rep.username, "wrong-guess", address=f"198.51.100.{i}").status_code == 401
    waits = []
    for i in range(3, 6):
        slowed = _login(client, rep.username, "wrong-guess", address=f"198.51.100.{i}")
        assert slowed.status_code == 429 and slowed.json()["code"] == "login_slowed"
        wait = int(slowed.headers["retry-after"])
        waits.append(wait)
        later(wait)
        assert _login(client, rep.username, "wrong-guess", address=f"198.51.100.{i}").status_code == 401
    assert waits == [1, 2, 4]
    # The rep's phone waits as well (the wait stays at its maximum), then signs in: slowed, never locked.
    phone = _login(client, rep.username, PASSWORD, address="192.0.2.50")
    assert phone.status_code == 429 and phone.json()["code"] == "login_slowed"
    assert int(phone.headers["retry-after"]) == 4
    later(4)
    assert _login(client, rep.username, PASSWORD, address="192.0.2.50").status_code == 200
    # A refused attempt is not a failure: six wrong passwords were verified, six rows remain.
    assert len(_failures(session)) == 6


def test_the_lock_opens_when_the_window_has_passed(
    client_for: Callable[..., TestClient], world: World, later: Callable[[float], None]
) -> None:
    client = client_for()
    rep = world.east.reps[1]
    for _ in range(5):
        _login(client, rep.username, "wrong-guess")
    locked = _login(client, rep.username, PASSWORD)
    assert locked.status_code == 429
    later(int(locked.headers["retry-after"]))
    assert _login(client, rep.username, PASSWORD).status_code == 200


def _shape(answer: httpx.Response) -> tuple[Any, ...]:
    body = answer.json()
    extra = dict(body.get("extra") or {})
    wait = extra.pop("retry_after", None)
    return answer.status_code, body["code"], body["detail"], extra, wait is not None, "retry-after" in answer.headers


def test_known_unknown_and_disabled_usernames_get_identical_answers(
    client_for: Callable[..., TestClient], world: World, session: Session, verified: list[str]
) -> None:
    client = client_for()
    disabled = world.west.reps[1]
    disabled.active = False
    session.add(disabled)
    session.commit()
    names = {"known": world.east.reps[0].username, "unknown": "no-such-rep", "disabled": disabled.username}
    answers: dict[str, list[httpx.Response]] = {}
    work: dict[str, int] = {}
    for label, name in names.items():
        before = len(verified)
        answers[label] = [_login(client, name, "wrong-guess-1") for _ in range(5)]
        answers[label].append(_login(client, name, PASSWORD))  # locked: the right password is refused too
        work[label] = len(verified) - before
    shapes = {label: [_shape(a) for a in replies] for label, replies in answers.items()}
    assert shapes["known"] == shapes["unknown"] == shapes["disabled"]
    assert [s[0] for s in shapes["known"]] == [401, 401, 401, 401, 429, 429]
    # The same work too: one verification per attempt that got that far, for a real hash or the dummy.
    assert work == {"known": 5, "unknown": 5, "disabled": 5}
