"""A rep edits a note offline, meanwhile the admin gives the store to another rep: when the phone
comes back the edit is refused with ``store_moved``, kept in the phone's list of refused changes,
explained in the rep's language, and the server's note is as it was."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import sign_in_page
from tests.livesupport import PHONE, LiveServer, new_context, wait_synced

pytestmark = pytest.mark.browser
USER, OTHER = "rep30", "rep31"  # used by no other browser test

READ_FAILED = """async (userId) => {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open(`fieldvisit-${userId}`);
    req.onsuccess = () => ok(req.result); req.onerror = () => fail(req.error);
  });
  const rows = await new Promise((ok, fail) => {
    const req = db.transaction('failed').objectStore('failed').getAll();
    req.onsuccess = () => ok(req.result); req.onerror = () => fail(req.error);
  });
  db.close();
  return rows.map((r) => ({ type: r.op.type, id: r.op.id, code: r.code, text: r.op.fields.text }));
}"""


def _admin(live_server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=live_server.url)
    assert client.post("/api/auth/login", json={"username": "admin", "password": "fieldvisit"}).status_code == 200
    return client


def test_an_offline_edit_at_a_store_that_moved_is_refused_kept_and_explained(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, **PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in_page(page, USER)
    shop = page.eval_on_selector_all("li[data-store-id]", "els => els.map(e => e.dataset.storeId)")[0]
    page.goto(f"/#/stores/{shop}")
    page.wait_for_selector("fv-store-detail [data-notes]")
    page.fill("textarea[name=note]", "冰柜温度正常")
    page.click("[data-add-note]")
    page.wait_for_selector("[data-text]:has-text('冰柜温度正常')")
    wait_synced(page, "已全部同步")
    note_id = page.get_attribute("[data-note-id]", "data-note-id")

    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.click("[data-note-id] [data-edit]")
    page.fill("[data-note-id] textarea[name=edit]", "离线：冰柜坏了")
    page.click("[data-save]")
    page.wait_for_selector("[data-note-pending]")

    admin = _admin(live_server)
    users = {u["username"]: u["id"] for u in admin.get("/api/users").json()}
    assert admin.patch(f"/api/stores/{shop}", json={"rep_id": users[OTHER]}).status_code == 200
    try:
        context.set_offline(False)
        wait_synced(page, "已全部同步")  # nothing waits any more: the edit was answered
        page.wait_for_function(  # and the bar says a change was refused, before anyone taps it
            "(t) => document.querySelector('fv-sync-status [data-sync-summary]')?.textContent.includes(t)",
            arg="被服务器拒绝: 1",
        )
        page.click("fv-sync-status [data-toggle]")
        refused = page.wait_for_selector("fv-sync-status ul.failed li")
        assert "门店已改派他人，修改未生效。" in refused.inner_text()
        assert refused.inner_text().startswith("修改备注"), refused.inner_text()  # the change in words, not note.edit
        assert "离线：冰柜坏了" in refused.inner_text()  # the text it would have written, to copy
        me = page.evaluate("() => fetch('/api/me').then((r) => r.json())")
        failed = page.evaluate(READ_FAILED, me["user"]["id"])
        assert failed == [{"type": "note.edit", "id": note_id, "code": "store_moved", "text": "离线：冰柜坏了"}]
        note = admin.get(f"/api/sync/records/note/{note_id}").json()
        assert note["fields"]["text"] == "冰柜温度正常"
    finally:
        admin.patch(f"/api/stores/{shop}", json={"rep_id": users[USER]})
        admin.close()
        context.close()
