"""The plain admin page: a template saved as a new version, and a CSV import with a bad row."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import sign_in_page
from tests.livesupport import LiveServer, new_context

pytestmark = pytest.mark.browser


def test_admin_edits_a_template_and_imports_stores(browser, live_server: LiveServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_page(page, "admin")
    page.goto("/admin/")
    page.wait_for_selector("tr[data-template=liquor]")
    page.click("tr[data-template=liquor] [data-edit]")
    spec = json.loads(page.input_value("#spec"))
    assert [s["key"] for s in spec["steps"]][2] == "owner_interview"
    before = int(page.inner_text("tr[data-template=liquor] [data-version]"))
    spec["steps"][2]["points"] = 40
    page.fill("#spec", json.dumps(spec, ensure_ascii=False))
    page.click("#save")
    page.wait_for_selector(f"tr[data-template=liquor] [data-version]:has-text('{before + 1}')")
    assert f"version {before + 1}" in page.inner_text("#save-result")
    page.fill("#spec", '{"code": "broken", "name": "x", "steps": []}')
    page.click("#save")
    page.wait_for_function("() => document.querySelector('#save-result').textContent.includes('Validation failed')")

    csv = tmp_path / "stores.csv"
    csv.write_text("code,name,channel,rep\nADM-1,管理测试店,超市,rep01\nADM-2,,convenience,rep01\n", encoding="utf-8")
    page.set_input_files("#csv", str(csv))
    page.click("#import")
    page.wait_for_function("() => document.querySelector('#import-result').textContent.includes('rejected 1')")
    report = page.inner_text("#import-result")
    assert "created 1" in report and "line 3" in report and "name" in report
    context.close()
