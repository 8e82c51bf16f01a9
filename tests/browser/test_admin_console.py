"""The admin console in the app: an admin signing in at / lands on it (not on a rep's route) and the
app downloads no stores for them; on a phone in zh-CN they create a user, disable it, edit a
store's geofence and give the store to another rep, with nothing scrolling sideways and no English
in the UI; on a desktop in English the console is a sidebar and a page, with no Chinese in the UI."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.livesupport import PHONE, LiveServer, new_context

pytestmark = pytest.mark.browser

PASSWORD = "Lantern-Quay-4417"
SHOTS = os.environ.get("FIELDVISIT_ADMIN_SHOTS")  # a folder: screenshots of the walk, for people to look at

# The UI's own words (not data such as usernames, store names or codes): nav, headings, labels,
# buttons, table headings and the phone's card labels.
UI_TEXT = """() => {
  const root = document.querySelector('fv-admin');
  const els = root.querySelectorAll(
    'nav a, h1, h2, h3, label, legend, th, button:not([data-switch-lang]), .chip, [data-empty], [data-range]');
  const labels = [...root.querySelectorAll('[data-label]')].map((e) => e.dataset.label);
  return [...[...els].map((e) => e.textContent.trim()), ...labels];
}"""


def _sign_in(page, username: str = "admin", password: str = "fieldvisit") -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.fill("#u", username)
    page.fill("#p", password)
    page.click("button[type=submit]")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=False)


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"


def _api(live_server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=live_server.url)
    assert client.post("/api/auth/login", json={"username": "admin", "password": "fieldvisit"}).status_code == 200
    return client


def test_admin_console_on_a_phone_in_chinese_and_a_desktop_in_english(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    api = _api(live_server)
    store = api.get("/api/stores/", params={"q": "DY-", "limit": 1}).json()["items"][0]
    reps = api.get("/api/admin/users", params={"role": "rep", "limit": 1000}).json()["items"]
    other = next(r for r in reps if r["id"] != store["rep_id"] and r["active"])
    context = new_context(browser, **PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    pulls: list[str] = []
    page.on("request", lambda r: "/api/sync/" in r.url and pulls.append(r.url))
    try:
        _sign_in(page)
        # lands on the console's users, not on a rep's route
        page.wait_for_selector("fv-admin fv-admin-users tr[data-row]")
        assert page.locator("fv-route").count() == 0
        nav = page.locator("fv-admin nav a")
        assert nav.count() == 9
        assert [a.get_attribute("data-nav") for a in nav.all()] == [
            "users", "teams", "stores", "catalog", "allocations", "promotions", "templates", "jobs", "status",
        ]  # fmt: skip
        assert page.locator("nav a[aria-current=page]").get_attribute("data-nav") == "users"
        assert page.locator("fv-admin h1").inner_text() == "系统管理"
        assert page.locator("fv-admin fv-sync-status").count() == 0
        _no_sideways_scroll(page)
        _shot(page, "admin-users-phone-zh")
        english = [s for s in page.evaluate(UI_TEXT) if re.search(r"[A-Za-z]{2,}", s.replace("CSV", ""))]
        assert not english, f"English in the zh-CN console: {english}"
        for box in page.locator("fv-admin nav a, fv-admin-users button").all():
            size = box.bounding_box()
            assert size and size["height"] >= 44 and size["width"] >= 44, size

        # a rep needs a team: said before anything is sent (the server's code is said in words too)
        posts: list[str] = []
        page.on("request", lambda r: r.method == "POST" and "/api/admin/users" in r.url and posts.append(r.url))
        page.click("[data-new-user]")
        form = page.locator("[data-create-form]")
        assert "业务员和主管必须属于一个团队" in form.inner_text()  # the team's hint
        form.get_by_label("用户名").fill("yewu-noteam")
        form.get_by_label("密码", exact=True).fill(PASSWORD)
        form.locator("[type=submit]").click()
        assert form.locator("[data-status]").inner_text() == "业务员和主管必须属于一个团队，请选择。"
        assert form.get_by_label("团队").get_attribute("aria-invalid") == "true" and not posts
        refused = api.post("/api/admin/users", json={"username": "yewu-noteam", "password": PASSWORD, "role": "rep"})
        assert (refused.status_code, refused.json()["code"]) == (400, "team_required")
        page.click("[data-create-form] [data-close]")

        # a new user: a weak password is refused in Chinese, then created
        page.click("[data-new-user]")
        form = page.locator("[data-create-form]")
        form.get_by_label("用户名").fill("kefu-zh")
        form.get_by_label("显示名称").fill("客服小李")
        form.get_by_label("角色").select_option("finance")
        form.get_by_label("密码", exact=True).fill("short")
        form.locator("[type=submit]").click()
        page.wait_for_selector("[data-create-form] [data-status]:not([hidden])")
        assert "密码太短" in form.locator("[data-status]").inner_text()
        form.get_by_label("密码", exact=True).fill(PASSWORD)
        form.locator("[type=submit]").click()
        page.wait_for_selector("fv-admin-users [data-note]:has-text('kefu-zh')")
        created = page.locator("fv-admin-users tr[data-row]", has_text="kefu-zh")
        created.wait_for()
        assert created.count() == 1 and "客服小李" in created.inner_text() and "财务" in created.inner_text()
        _no_sideways_scroll(page)

        # disabled: it cannot sign in
        created.locator("[data-edit-user]").click()
        page.click("[data-user-editor] [data-toggle-active]")
        page.wait_for_selector("fv-admin-users tr[data-row] [data-active=false]")
        assert "已停用" in page.locator("fv-admin-users tr[data-row]", has_text="kefu-zh").inner_text()
        assert "已不能登录" in page.locator("[data-user-editor] [data-status]").inner_text()
        # a rep with no team: the server's code said in words
        page.locator("[data-user-editor]").get_by_label("角色").select_option("rep")
        page.click("[data-user-editor] [data-save-user]")
        page.wait_for_selector("[data-user-editor] [data-status].error:has-text('团队')")
        assert page.inner_text("[data-user-editor] [data-status]") == "业务员和主管必须属于一个团队，请选择。"
        with httpx.Client(base_url=live_server.url) as them:
            refused = them.post("/api/auth/login", json={"username": "kefu-zh", "password": PASSWORD})
            assert refused.status_code == 401
        _shot(page, "admin-user-editor-phone-zh")

        # a store: the geofence edited and the store given to another rep
        page.click("nav a[data-nav=stores]")
        page.wait_for_selector("fv-admin-stores tr[data-row]")
        assert "共" in page.inner_text("fv-admin-stores [data-range]")
        assert page.locator("fv-admin-stores tr[data-row]").count() == 25  # a page, not 2,800 stores
        page.get_by_label("按名称、编码或地址搜索门店").fill(store["code"])
        row = page.locator(f"fv-admin-stores tr[data-row='{store['id']}']")
        row.wait_for()
        page.wait_for_function("() => document.querySelectorAll('fv-admin-stores tr[data-row]').length === 1")
        row.locator("[data-edit-store]").click()
        editor = page.locator("[data-store-editor]")
        editor.get_by_label("电子围栏（米）").fill("5")
        editor.locator("[data-save-store]").click()
        assert "10 到 5000 米" in editor.locator("[data-status]").inner_text()
        editor.get_by_label("电子围栏（米）").fill("275")
        editor.get_by_label("业务员").select_option(other["id"])
        _no_sideways_scroll(page)
        _shot(page, "admin-store-editor-phone-zh")
        editor.locator("[data-save-store]").click()
        page.wait_for_selector("fv-admin-stores [data-note]:not([hidden])")
        assert row.locator("[data-store-fence]").inner_text() == "275"
        assert other["username"] in row.locator("[data-store-rep]").inner_text()
        saved = api.get(f"/api/stores/{store['id']}").json()
        assert (saved["geofence_m"], saved["rep_id"]) == (275, other["id"])
        english = [s for s in page.evaluate(UI_TEXT) if re.search(r"[A-Za-z]{2,}", s.replace("CSV", ""))]
        assert not english, f"English in the zh-CN console: {english}"
        _no_sideways_scroll(page)

        # regions and teams named in Chinese only (the region's code beside it)
        page.click("nav a[data-nav=teams]")
        page.wait_for_selector("fv-admin-teams [data-region] [data-team-name]")
        for region in page.locator("fv-admin-teams [data-region] h3").all():
            code = region.locator("[data-region-code]").inner_text()
            assert not re.search(r"[A-Za-z]", region.inner_text().replace(code, "")), region.inner_text()
        assert not re.search(r"[A-Za-z]", "".join(page.locator("fv-admin-teams [data-team-name]").all_inner_texts()))
        _no_sideways_scroll(page)
        _shot(page, "admin-teams-phone-zh")

        # a minute later (the app's sync timer) still nothing was pulled: an admin syncs nothing
        page.clock.fast_forward(65_000)
        page.wait_for_timeout(300)
        assert not pulls, pulls
    finally:
        api.patch(f"/api/stores/{store['id']}", json={"geofence_m": store["geofence_m"], "rep_id": store["rep_id"]})
        context.close()

    # desktop, English: a sidebar and the page; no Chinese words of ours
    context = new_context(browser, viewport={"width": 1280, "height": 800}, base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("request", lambda r: "/api/sync/" in r.url and pulls.append(r.url))
    try:
        _sign_in(page)
        page.wait_for_selector("fv-admin fv-admin-users tr[data-row]")
        assert page.locator("fv-admin h1").inner_text() == "Administration"
        nav, body = page.locator(".adm-nav").bounding_box(), page.locator(".adm-body").bounding_box()
        assert nav and body and nav["width"] <= 240 and body["x"] >= nav["x"] + nav["width"] and body["width"] > 800
        assert page.locator("fv-admin-users thead").is_visible()  # a table on a desktop, cards on a phone
        chinese = [s for s in page.evaluate(UI_TEXT) if re.search(r"[\u4e00-\u9fff]", s)]
        assert not chinese, f"Chinese in the English console: {chinese}"
        _shot(page, "admin-users-desktop-en")

        page.click("nav a[data-nav=teams]")
        region = page.locator("fv-admin-teams [data-region]").first
        region.wait_for()
        assert page.locator("fv-admin-teams [data-reps]").count() >= 3
        assert "Supervisor" in region.inner_text()
        teams = page.locator("fv-admin-teams [data-team-name]").all_inner_texts()
        names = region.locator("h3").inner_text() + "".join(teams)
        assert "region" in names and not re.search(r"[\u4e00-\u9fff]", names), names  # English names only
        _shot(page, "admin-teams-desktop-en")

        page.click("nav a[data-nav=status]")
        page.wait_for_selector("fv-admin-status [data-speech] tr[data-row=zh]")
        speech = page.locator("fv-admin-status [data-speech]").inner_text()
        assert "Mandarin Chinese" in speech and "English" in speech
        ocr = page.locator("fv-admin-status [data-ocr]").inner_text()
        assert "Simplified Chinese" in ocr and "Installed" in ocr
        zh = page.locator("fv-admin-status tr[data-row=zh] [data-state]").get_attribute("data-state")
        if zh == "missing":  # the command that installs it is shown
            assert "python -m speech download zh" in page.inner_text("fv-admin-status [data-setup=zh]")
        chinese = [s for s in page.evaluate(UI_TEXT) if re.search(r"[\u4e00-\u9fff]", s)]
        assert not chinese, f"Chinese in the English console: {chinese}"
        _shot(page, "admin-status-desktop-en")
        assert not pulls, pulls
    finally:
        context.close()
        api.close()
