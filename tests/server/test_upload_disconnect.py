"""A phone that leaves in the middle of an upload (the train enters a tunnel) is an ordinary event:
the server notes it in one info line and carries on; no 500, no error trace in its log."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.clock import CLOCK_ENV
from tests.conftest import _test_database_url, fresh_database
from tests.livesupport import ROOT, LiveServer, start_server

PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server without the demo data, logging at info, with one admin."""
    root = tmp_path_factory.mktemp("disconnect")
    url = _test_database_url(root, "_disconnect")
    fresh_database(url)
    env = {**os.environ, **CLOCK_ENV, "FIELDVISIT_DATA_DIR": str(root / "data"), "FIELDVISIT_DATABASE_URL": url}
    env["FIELDVISIT_SECRET_KEY"] = "live-test"
    subprocess.run(
        [sys.executable, "-m", "server", "create-user", "admin1", "--role", "admin", "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = start_server(root / "data", url, demo=False, env=CLOCK_ENV, log_level="info")
    yield server
    server.stop()


def _cookie(server: LiveServer) -> str:
    answer = httpx.post(f"{server.url}/api/auth/login", json={"username": "admin1", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return "; ".join(f"{k}={v}" for k, v in answer.cookies.items())


def _wait_for(log: Path, needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.1)
    return log.read_text(errors="replace")


def test_a_client_that_leaves_mid_upload_is_an_info_line_not_an_error(plain_server: LiveServer) -> None:
    cookie = _cookie(plain_server)
    body = b"\x1a\x45\xdf\xa3" + os.urandom(200_000)
    sha = hashlib.sha256(body).hexdigest()
    host, port = plain_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        head = (
            f"PUT /api/blobs/{sha}?offset=0&total={len(body)} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nCookie: {cookie}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])
        time.sleep(0.5)  # the server is reading the body now
    log = _wait_for(plain_server.log, "left during the upload")
    assert "left during the upload" in log, log[-3000:]
    line = next(line for line in log.splitlines() if "left during the upload" in line)
    assert line.startswith("INFO") and sha[:12] in line
    assert "unhandled error" not in log and "Traceback" not in log and "ERROR" not in log, log[-3000:]
    # nothing was stored of it, and the server answers the next request as ever
    status = httpx.get(f"{plain_server.url}/api/blobs/{sha}/status", headers={"cookie": cookie}).json()
    assert status["state"] == "missing"
    assert httpx.get(f"{plain_server.url}/api/health").status_code == 200
