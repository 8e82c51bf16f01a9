"""Starting the real server in its own process, and Chromium's settings; used by tests and bench/."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.audiohelp import model_root

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FIELDVISIT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


def fresh_database(url: str) -> None:
    """An empty database at ``url``: PostgreSQL's is dropped and made again (SQLite's file is new)."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str = ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the server and every process it started (``--workers``): a machine losing power."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def start_server(
    data_dir: Path,
    database_url: str,
    *,
    demo: bool = True,
    env: dict[str, str] | None = None,
    log_level: str = "warning",
    workers: int = 1,
    app: str = "",
) -> LiveServer:
    """``env`` adds settings (the tests pass their fixed clock, FIELDVISIT_CLOCK); ``workers``
    server processes share the port; ``app`` names another application factory."""
    port = free_port()
    env = {
        **os.environ,
        **(env or {}),
        "FIELDVISIT_DATA_DIR": str(data_dir),
        "FIELDVISIT_DATABASE_URL": database_url,
        "FIELDVISIT_SECRET_KEY": "live-test",
        # the real Korean Vosk model stands in for the en and zh models, which cannot be fetched here
        "FIELDVISIT_SPEECH_MODELS_DIR": str(model_root(data_dir.parent / "models", "en", "zh")),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    cmd = [sys.executable, "-m", "server", "serve", "--port", str(port), "--log-level", log_level]
    if demo:
        cmd.append("--demo")
    if workers > 1:
        cmd += ["--workers", str(workers)]
    if app:
        cmd += ["--app", app]
    process = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return LiveServer(url, process, log, database_url)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


def new_context(browser, **options):  # type: ignore[no-untyped-def]
    """A browser context on the run's fixed clock (tests/clock.py): the phone and the server agree on the day."""
    from tests import clock

    return clock.install(browser.new_context(**options))


def sign_in_pwa(page, username: str, password: str = "fieldvisit") -> None:  # type: ignore[no-untyped-def]
    """Sign in through the app's own form and wait for the home screen (a rep's route, a
    supervisor's team page, finance's claims, the admin console)."""
    page.goto("/")
    page.fill("#u", username)
    page.fill("#p", password)
    page.click("button[type=submit]")
    page.wait_for_selector("fv-route [data-route], fv-team [data-todo], fv-finance, fv-admin")


def wait_synced(page, summary: str = "All synced", timeout: float = 20000) -> None:  # type: ignore[no-untyped-def]
    """Until the sync bar says everything is synced (``summary`` in the page's language)."""
    page.wait_for_function(
        "(text) => document.querySelector('fv-sync-status [data-sync-summary]')?.textContent.includes(text)",
        arg=summary,
        timeout=timeout,
    )


@dataclass
class S3Server:
    """moto's standalone S3-compatible server (PyPI ``moto[server]``) in its own process on loopback."""

    endpoint: str
    process: subprocess.Popen[bytes]

    # moto, like AWS, refuses multipart parts under 5 MiB but the last; lowered here so a test's
    # recordings of a few hundred KB cross part boundaries (``Settings.s3_part_bytes`` goes with it).
    PART_BYTES = 128 * 1024

    def settings(self, base, bucket: str):  # type: ignore[no-untyped-def]
        """``base`` (Settings) with its blobs in a new, empty bucket of this server."""
        from sync import s3_client

        update = {
            "blob_store": "s3",
            "s3_endpoint_url": self.endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "test",
            "s3_secret_access_key": "test",
            "s3_addressing_style": "path",
            "s3_bucket": bucket,
            "s3_part_bytes": self.PART_BYTES,
        }
        client = s3_client(
            endpoint_url=self.endpoint, region="us-east-1", access_key_id="test", secret_access_key="test"
        )
        client.create_bucket(Bucket=bucket)
        return base.model_copy(update=update)

    def env(self, bucket: str) -> dict[str, str]:
        """The same settings as FIELDVISIT_* variables, for a server process (the bucket must exist)."""
        return {
            "FIELDVISIT_BLOB_STORE": "s3",
            "FIELDVISIT_S3_ENDPOINT_URL": self.endpoint,
            "FIELDVISIT_S3_REGION": "us-east-1",
            "FIELDVISIT_S3_ACCESS_KEY_ID": "test",
            "FIELDVISIT_S3_SECRET_ACCESS_KEY": "test",
            "FIELDVISIT_S3_ADDRESSING_STYLE": "path",
            "FIELDVISIT_S3_BUCKET": bucket,
            "FIELDVISIT_S3_PART_BYTES": str(self.PART_BYTES),
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_s3(log: Path) -> S3Server:
    port = free_port()
    env = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": str(S3Server.PART_BYTES)}
    server = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{endpoint}/", timeout=1)
            return S3Server(endpoint, process)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("moto_server did not start")
