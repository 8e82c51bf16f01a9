"""The admin console's store import (the old /admin/ page's job): a CSV with a bad row applies the good
row and lists the bad one with its line; /admin/ itself sends an admin to the console."""

from __future__ import annotations

import httpx
import pytest

from tests.livesupport import LiveServer, new_context, sign_in_pwa

pytestmark = pytest.mark.browser


def test_admin_imports_stores_in_the_console(browser, live_server: LiveServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_pwa(page, "admin")
    page.goto("/admin/")  # the old page's address lands in the console
    page.wait_for_url("**/#/admin**")
    page.goto("/#/admin/stores")
    page.wait_for_selector("fv-admin-stores form[data-import]")

    csv = tmp_path / "stores.csv"
    csv.write_text("code,name,channel,rep\nADM-1,管理测试店,超市,rep01\nADM-2,,convenience,rep01\n", encoding="utf-8")
    page.set_input_files("fv-admin-stores form[data-import] input[type=file]", str(csv))
    page.click("fv-admin-stores form[data-import] [type=submit]")
    page.wait_for_selector("fv-admin-stores [data-import-error]")
    status = page.inner_text("fv-admin-stores [data-import-status]")
    assert "Created 1" in status and "rejected 1" in status, status
    error = page.inner_text("fv-admin-stores [data-import-error]")
    assert "Line 3" in error and "name" in error, error
    with httpx.Client(base_url=live_server.url) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": "fieldvisit"}).raise_for_status()
        codes = {s["code"] for s in client.get("/api/stores", params={"q": "ADM-", "limit": 50}).json()["items"]}
    assert "ADM-1" in codes and "ADM-2" not in codes
    context.close()
