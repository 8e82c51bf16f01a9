"""The server hands out an installable, versioned app shell."""

from __future__ import annotations

import gzip
import json
import re

from litestar.testing import TestClient

from server.pwa import shell_manifest
from server.settings import Settings


def test_service_worker_carries_the_shell_version_and_files(app_client: TestClient, settings: Settings) -> None:
    response = app_client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in response.headers["cache-control"]
    version, urls = shell_manifest(settings.pwa_dir)
    assert f"const VERSION = '{version}'" in response.text
    files = json.loads(re.search(r"const SHELL_FILES = (\[.*?\]);", response.text).group(1))
    assert files == list(urls)
    assert {"/", "/js/app.js", "/js/db.js", "/app.css", "/manifest.webmanifest"} <= set(files)
    # the on-demand pages (admin console, supervisors' and finance's) and the install icons stay out
    assert not [u for u in files if u.endswith(".png") or "/online/" in u or "/admin/" in u]
    for url in files:  # everything precached is really served
        assert app_client.get(url).status_code == 200, url


def test_manifest_is_installable(app_client: TestClient) -> None:
    manifest = app_client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    purposes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert ("512x512", "maskable") in purposes and ("192x192", "any") in purposes
    for icon in manifest["icons"]:
        assert app_client.get(icon["src"]).status_code == 200


def test_shell_is_served_gzipped(app_client: TestClient) -> None:
    response = app_client.get("/js/state.js", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    raw = app_client.get("/js/state.js", headers={"accept-encoding": "identity"})
    assert len(gzip.compress(raw.content)) < len(raw.content)
    index = app_client.get("/")
    assert index.status_code == 200 and '<script type="module" src="/js/app.js">' in index.text
