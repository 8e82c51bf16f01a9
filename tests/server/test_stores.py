from __future__ import annotations

import csv
import io

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.stores.models import Store
from tests.conftest import sign_in
from tests.factories import World

CSV = {"content-type": "text/csv"}


def _ids(client: TestClient, **params: object) -> set[str]:
    body = client.get("/api/stores", params={"limit": 1000, **params}).json()
    return {s["id"] for s in body["items"]}


def test_a_rep_sees_only_their_assigned_stores(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    assert _ids(app_client) == {s.id for s in world.east.stores[rep.username]}


def test_a_supervisor_sees_their_team_and_an_admin_everything(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.supervisor.username)
    team_ids = {s.id for stores in world.east.stores.values() for s in stores}
    assert _ids(app_client) == team_ids
    sign_in(app_client, world.admin.username)
    everything = team_ids | {s.id for stores in world.west.stores.values() for s in stores}
    assert _ids(app_client) == everything


def test_another_teams_store_answers_404(app_client: TestClient, world: World) -> None:
    foreign = world.west.stores[world.west.reps[0].username][0]
    colleague = world.east.stores[world.east.reps[1].username][0]
    sign_in(app_client, world.east.reps[0].username)
    for store in (foreign, colleague):  # another team's, and a teammate's: neither is this rep's
        response = app_client.get(f"/api/stores/{store.id}")
        assert response.status_code == 404
        assert response.json() == {"status_code": 404, "code": "not_found", "detail": "No such store."}
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.get(f"/api/stores/{foreign.id}").status_code == 404
    assert app_client.get(f"/api/stores/{colleague.id}").status_code == 200


def test_search_and_pages(app_client: TestClient, world: World, session: Session) -> None:
    rep = world.east.reps[0]
    target = world.east.stores[rep.username][1]
    target.name = "红旗连锁（玉林路店）"
    session.add(target)
    session.commit()
    sign_in(app_client, rep.username)
    assert _ids(app_client, q="玉林") == {target.id}
    assert _ids(app_client, q="%") == set()  # LIKE wildcards are matched literally
    page = app_client.get("/api/stores", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert app_client.get("/api/stores", params={"limit": 0}).status_code == 400


def test_admin_edit_is_audited_with_device(app_client: TestClient, world: World, session: Session) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    sign_in(app_client, world.admin.username)
    response = app_client.patch(
        f"/api/stores/{store.id}", json={"geofence_m": 300, "name": store.name}, headers={"X-Device-Id": "dev-123"}
    )
    assert response.status_code == 200 and response.json()["geofence_m"] == 300
    entries = session.exec(select(AuditEntry).where(AuditEntry.entity_id == store.id)).all()
    assert len(entries) == 1
    assert entries[0].changes == {"geofence_m": [150, 300]}
    assert (entries[0].user_id, entries[0].device_id, entries[0].action) == (world.admin.id, "dev-123", "update")


def test_reps_cannot_edit_stores_and_supervisors_only_the_visit_cycle(app_client: TestClient, world: World) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    for user in (world.east.reps[0], world.east.supervisor):
        sign_in(app_client, user.username)
        assert app_client.patch(f"/api/stores/{store.id}", json={"geofence_m": 10}).status_code == 403
    sign_in(app_client, world.east.supervisor.username)
    cycle = {"visit_days": "2,5", "cycle_weeks": 2, "route_order": 3}
    response = app_client.patch(f"/api/stores/{store.id}", json=cycle)
    assert response.status_code == 200 and {k: response.json()[k] for k in cycle} == cycle
    assert app_client.patch(f"/api/stores/{store.id}", json={"visit_days": "8"}).status_code == 400
    foreign = world.west.stores[world.west.reps[0].username][0]
    assert app_client.patch(f"/api/stores/{foreign.id}", json=cycle).status_code == 404


def test_store_validation_errors_are_clear(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    response = app_client.post("/api/stores", json={"code": "X1", "name": "n", "lat": 123, "channel": "bar"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    keys = {e["key"] for e in body["extra"]}
    assert {"lat", "channel"} <= keys


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_csv_import_applies_good_rows_and_reports_bad_ones(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    existing = world.east.stores[rep.username][0]
    data = _csv(
        [
            ["code", "name", "address", "channel", "lat", "lng", "geofence_m", "rep", "region"],
            [
                "NEW-1",
                "新店一号",
                "成都市一环路1号",
                "超市",
                "30.1",
                "104.1",
                "200",
                rep.username,
                world.east.region.code,
            ],
            ["NEW-2", "", "缺名字", "convenience", "", "", "", "", ""],
            ["NEW-3", "坏坐标", "", "convenience", "north", "104", "", "", ""],
            ["NEW-4", "没有这个业务员", "", "convenience", "", "", "", "nobody", ""],
            [existing.code, existing.name, "新地址", "convenience", "", "", "", rep.username, ""],
            ["NEW-1", "重复", "", "convenience", "", "", "", "", ""],
            ["NEW-5", "未知渠道", "", "nightclub", "", "", "", "", ""],
        ]
    )
    sign_in(app_client, world.admin.username)
    dry = app_client.post(
        "/api/admin/stores/import?dry_run=true", content=data, headers={"content-type": "text/csv"}
    ).json()
    assert dry["created"] == 1 and dry["updated"] == 1 and dry["rejected"] == 5 and dry["dry_run"]
    assert session.exec(select(Store).where(Store.code == "NEW-1")).first() is None

    report = app_client.post("/api/admin/stores/import", content=data, headers=CSV).json()
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, 5)
    by_line = {e["line"]: e for e in report["errors"]}
    assert set(by_line) == {3, 4, 5, 7, 8}
    assert by_line[3]["errors"][0]["field"] == "name"
    assert "not a number" in by_line[4]["errors"][0]["message"]
    assert "nobody" in by_line[5]["errors"][0]["message"]
    assert "repeats line 2" in by_line[7]["errors"][0]["message"]
    assert by_line[8]["errors"][0]["field"] == "channel"
    session.expire_all()
    new = session.exec(select(Store).where(Store.code == "NEW-1")).one()
    assert (new.channel, new.rep_id, new.geofence_m, new.region_id) == (
        "supermarket",
        rep.id,
        200,
        world.east.region.id,
    )
    assert session.get(Store, existing.id).address == "新地址"
    assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "import")).all()) == 2


def test_csv_import_reads_gb18030_and_chinese_headers(app_client: TestClient, world: World, session: Session) -> None:
    data = "门店编码,门店名称,地址,渠道\nGB-1,老王烟酒店,德阳市旌阳区,烟酒店\n".encode("gb18030")
    sign_in(app_client, world.admin.username)
    report = app_client.post("/api/admin/stores/import", content=data, headers=CSV).json()
    assert report["created"] == 1 and report["rejected"] == 0
    store = session.exec(select(Store).where(Store.code == "GB-1")).one()
    assert (store.name, store.channel) == ("老王烟酒店", "tobacco_liquor")


def test_csv_import_rejects_a_file_without_required_columns(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    response = app_client.post("/api/admin/stores/import", content=b"foo,bar\n1,2\n", headers=CSV)
    assert response.status_code == 400
    assert "code, name" in response.json()["detail"]
    assert app_client.post("/api/admin/stores/import", content=b"", headers=CSV).status_code == 400
    assert app_client.post("/api/admin/stores/import", content=b"\xff\xfe\x00bad", headers=CSV).status_code == 400


def test_csv_export_round_trips(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    response = app_client.get("/api/admin/stores/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 12
    report = app_client.post("/api/admin/stores/import", content=response.content, headers=CSV).json()
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (0, 0, 12, 0)
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.get("/api/admin/stores/export.csv").status_code == 403


def test_catalogues_need_a_session(app_client: TestClient, world: World) -> None:
    assert app_client.get("/api/catalog/materials").status_code == 401
    sign_in(app_client, world.east.reps[0].username)
    assert app_client.get("/api/catalog/materials").json() == []


def _import(client: TestClient, data: bytes) -> dict:
    response = client.post("/api/admin/stores/import", content=data, headers=CSV)
    assert response.status_code == 200, response.text
    return response.json()


def test_csv_import_changes_only_the_columns_the_file_has(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    before = store.model_dump()
    sign_in(app_client, world.admin.username)
    report = _import(app_client, _csv([["code", "name"], [store.code, before["name"]]]))
    assert (report["updated"], report["unchanged"]) == (0, 1)
    report = _import(app_client, _csv([["code", "name"], [store.code, "改名了"]]))
    assert (report["updated"], report["unchanged"], report["rejected"]) == (1, 0, 0)
    session.expire_all()
    after = session.get(Store, store.id).model_dump()
    assert after.pop("name") == "改名了"
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == store.id)).one()
    assert entry.changes == {"name": [before.pop("name"), "改名了"]}
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_csv_import_reports_long_and_broken_lines_and_reads_the_rest(
    app_client: TestClient, world: World, session: Session
) -> None:
    huge = "长" * 200_000  # over the csv module's own limit of 131,072 characters
    lines = [
        "code,name,address",
        "L-1,一号店,一环路1号",
        f"L-2,{huge},x",  # 3: a line far too long
        f'L-3,"{huge}",x',  # 4: the same, quoted
        'L-4,"没有闭合的引号,二环路',  # 5: a quote never closed ...
        "L-5,五号店,三环路",  # ... does not swallow the rows after it
        'L-6,"引号后面"还有字,x',  # 7: text after a closing quote
        'L-7,"地址里',  # 8: a quoted cell over two lines (an Alt+Enter in Excel)
        '换行",x',
        "L-8,八号店,四环路,多一格",  # 10: more cells than columns
        "L-9,九号店",  # 11: fewer
        "",  # a blank line is skipped
        'L-10,"引号""里的""引号",五环路',
        'L-11,"最后一行没有闭合',  # 14: a quote open at the end of the file
    ]
    data = "\n".join(lines).encode()
    sign_in(app_client, world.admin.username)
    report = _import(app_client, data)
    by_line = {e["line"]: e["errors"][0]["message"] for e in report["errors"]}
    assert [e["line"] for e in report["errors"]] == [3, 4, 5, 7, 8, 10, 11, 14], report  # in file order
    assert "characters long" in by_line[3] and "characters long" in by_line[4]
    assert "not closed" in by_line[5] and "not closed" in by_line[14]
    assert "closing quote" in by_line[7]
    assert "lines 8–9" in by_line[8]
    assert "more cells" in by_line[10] and "fewer cells" in by_line[11]
    assert report["created"] == 3
    session.expire_all()
    names = dict(session.exec(select(Store.code, Store.name).where(Store.code.startswith("L-"))).all())
    assert names == {"L-1": "一号店", "L-5": "五号店", "L-10": '引号"里的"引号'}


def test_a_stray_quote_closed_lines_later_does_not_hide_the_rows_between(
    app_client: TestClient, world: World, session: Session
) -> None:
    data = 'code,name,address\nQ-1,"坏,x\nQ-2,二号店,y\nQ-3,三号店",z\n'.encode()
    sign_in(app_client, world.admin.username)
    report = _import(app_client, data)
    assert [e["line"] for e in report["errors"]] == [2]
    session.expire_all()
    assert set(session.exec(select(Store.code).where(Store.code.startswith("Q-"))).all()) == {"Q-2", "Q-3"}


def test_store_text_is_one_line_and_bounded(app_client: TestClient, world: World) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    sign_in(app_client, world.admin.username)
    for body in (
        {"name": "a\x00b"},
        {"name": "a\nb"},
        {"address": "x\ty"},
        {"name": "n" * 121},
        {"address": "a" * 256},
    ):
        response = app_client.patch(f"/api/stores/{store.id}", json=body)
        assert response.status_code == 400, (body, response.text)
    assert app_client.post("/api/stores", json={"code": "C\x00", "name": "n"}).status_code == 400
    assert app_client.patch(f"/api/stores/{store.id}", json={"cycle_anchor": "2026-13-45"}).status_code == 400
    rows = [
        ["code", "name", "address", "lat"],
        ["T-1", "n" * 121, "", ""],
        ["T-2", "ok", "a" * 256, ""],
        ["C" * 33, "ok", "", ""],
        ["T-4", "ok\x00", "", ""],
        ["T-5", "ok", "", "nan"],
    ]
    report = _import(app_client, _csv(rows))
    assert report["created"] == 0 and [e["line"] for e in report["errors"]] == [2, 3, 4, 5, 6]
    assert [e["errors"][0]["field"] for e in report["errors"]] == ["name", "address", "code", "name", "lat"]


def test_imported_and_reassigned_stores_reach_the_phones_that_should_have_them(
    app_client: TestClient, world: World
) -> None:
    old, new = world.east.reps
    store = world.east.stores[old.username][0]
    cursors = {}
    for user in (old, new, world.west.supervisor):
        sign_in(app_client, user.username)
        cursors[user.username] = app_client.get("/api/sync/pull", params={"cursor": 0, "limit": 1000}).json()["cursor"]
    sign_in(app_client, world.admin.username)
    data = _csv([["code", "name", "rep"], ["IMP-1", "新店", new.username], [store.code, store.name, new.username]])
    assert _import(app_client, data)["rejected"] == 0

    def changes(user) -> dict:
        sign_in(app_client, user.username)
        page = app_client.get("/api/sync/pull", params={"cursor": cursors[user.username], "limit": 1000}).json()
        return {c["id"]: c for c in page["changes"] if c["collection"] == "store"}

    seen = changes(new)
    assert {c["fields"]["code"] for c in seen.values() if c["op"] == "upsert"} == {"IMP-1", store.code}
    assert changes(old) == {
        store.id: {"collection": "store", "id": store.id, "op": "evict", "version": seen[store.id]["version"]}
    }
    assert changes(world.west.supervisor) == {}


def test_exports_keep_formulas_as_text_and_numbers_as_numbers(
    app_client: TestClient, world: World, session: Session
) -> None:
    from server.csvout import cell, csv_bytes

    assert [cell(v) for v in ("=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ok", -1250, -3.5, None)] == [
        "'=1+2",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        -1250,
        -3.5,
        "",
    ]
    assert csv_bytes(["a", "b"], [["=x", -7]]) == "\ufeffa,b\r\n'=x,-7\r\n".encode()

    store = world.east.stores[world.east.reps[0].username][0]
    store.name, store.address, store.lng = '=HYPERLINK("http://x","y")', "@cmd", -104.06
    session.add(store)
    session.commit()
    sign_in(app_client, world.admin.username)
    exported = app_client.get("/api/admin/stores/export.csv").content
    row = next(r for r in csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))) if r["code"] == store.code)
    assert (row["name"], row["address"], row["lng"]) == ("'" + store.name, "'@cmd", "-104.06")
    report = _import(app_client, exported)  # what the export escaped reads back as it was
    assert (report["unchanged"], report["rejected"]) == (12, 0)


def test_every_csv_export_uses_the_one_writer() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "server"
    writers = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.py") if "csv.writer" in p.read_text(encoding="utf-8")
    )
    assert writers == ["csvout.py"]
