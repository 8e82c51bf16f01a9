"""Offline edits at phone size: they survive a reload, reach the server exactly once, and an edit
made meanwhile on a second phone shows as a conflict with both texts — nothing is lost."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from server.audit.models import AuditEntry
from tests.browser.conftest import sign_in_page
from tests.livesupport import PHONE, LiveServer, new_context, wait_synced

pytestmark = pytest.mark.browser
USER = "rep05"


def _open_store(page, store_id: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/#/stores/{store_id}")
    page.wait_for_selector("fv-store-detail [data-notes]")


def _add_note(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("textarea[name=note]", text)
    page.click("[data-add-note]")
    page.wait_for_selector(f"[data-text]:has-text('{text}')")


def _server_notes(live_server: LiveServer) -> dict[str, dict]:
    with httpx.Client(base_url=live_server.url) as client:
        client.post("/api/auth/login", json={"username": USER, "password": "fieldvisit"})
        notes, cursor = {}, 0
        while True:
            page = client.get("/api/sync/pull", params={"cursor": cursor}).json()
            for c in page["changes"]:
                if c["collection"] == "note" and c["op"] == "upsert":
                    notes[c["id"]] = c["fields"]
            cursor = page["cursor"]
            if not page["more"]:
                return notes


def test_offline_edits_reload_sync_once_and_show_conflicts(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    contexts = [new_context(browser, **PHONE, base_url=live_server.url, locale="en-US") for _ in range(2)]
    page_a, page_b = (c.new_page() for c in contexts)
    for page in (page_a, page_b):
        page.set_default_timeout(20000)
        sign_in_page(page, USER)
    stores = page_a.eval_on_selector_all("li[data-store-id]", "els => els.map(e => e.dataset.storeId)")
    shop, other_shop = stores[0], stores[1]

    # Online: phone A writes a note; phone B receives it.
    _open_store(page_a, shop)
    _add_note(page_a, "Cooler is warm")
    wait_synced(page_a)
    _open_store(page_b, shop)
    page_b.click("fv-sync-status [data-toggle]")
    page_b.click("[data-sync-now]")
    page_b.wait_for_selector("[data-text]:has-text('Cooler is warm')")

    # Phone A goes offline and edits several records.
    page_a.wait_for_function("() => navigator.serviceWorker.controller !== null")
    contexts[0].set_offline(True)
    page_a.click("[data-note-id] [data-edit]")
    page_a.fill("[data-note-id] textarea[name=edit]", "A: cooler fixed, owner thanked")
    page_a.click("[data-save]")
    _add_note(page_a, "A: new shelf talker placed")
    _open_store(page_a, other_shop)
    _add_note(page_a, "A: second shop, owner away")

    # Reload offline: the edits are still there, waiting.
    page_a.reload()
    _open_store(page_a, shop)
    page_a.wait_for_selector("[data-text]:has-text('A: cooler fixed')")
    assert page_a.locator("[data-text]:has-text('A: new shelf talker placed')").count() == 1
    assert page_a.locator("[data-note-pending]").count() == 2
    assert "3 changes waiting" in page_a.inner_text("fv-sync-status")

    # Meanwhile phone B, online, edits the same note's text.
    page_b.click("[data-note-id] [data-edit]")
    page_b.fill("[data-note-id] textarea[name=edit]", "B: cooler still warm")
    page_b.click("[data-save]")
    page_b.wait_for_selector("[data-note-pending]")  # saved on phone B, waiting to sync
    wait_synced(page_b)
    assert "B: cooler still warm" in [n["text"] for n in _server_notes(live_server).values()]

    # Phone A comes back: everything is sent, and the clash is shown with both texts.
    contexts[0].set_offline(False)
    wait_synced(page_a)
    page_a.wait_for_selector(".conflict")
    assert page_a.inner_text(".conflict [data-kept]") == "B: cooler still warm"
    assert page_a.inner_text(".conflict [data-other]") == "A: cooler fixed, owner thanked"

    notes = _server_notes(live_server)
    texts = sorted(n["text"] for n in notes.values() if n["store_id"] in (shop, other_shop))
    assert texts == ["A: new shelf talker placed", "A: second shop, owner away", "B: cooler still warm"]
    engine = create_engine(live_server.database_url)
    with Session(engine) as s:
        for note_id in notes:
            creates = s.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity_id == note_id, AuditEntry.action == "note.create")
            ).scalar_one()
            assert creates == 1
    engine.dispose()

    # A person on phone A keeps A's text: it wins, and the conflict is settled everywhere.
    page_a.click(".conflict [data-choose=other]")
    wait_synced(page_a)
    page_a.wait_for_function("() => !document.querySelector('.conflict')")
    final = _server_notes(live_server)
    assert sorted(n["text"] for n in final.values() if n["store_id"] == shop) == [
        "A: cooler fixed, owner thanked",
        "A: new shelf talker placed",
    ]
    with httpx.Client(base_url=live_server.url) as client:
        client.post("/api/auth/login", json={"username": USER, "password": "fieldvisit"})
        assert client.get("/api/sync/conflicts").json() == []
    for c in contexts:
        c.close()


def _wav(size: int, seed: int) -> bytes:
    """A WAV recording of ``size`` bytes (16 kHz mono noise), as the page below makes it."""
    import struct

    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    wav = b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", size - 44)
    return wav + bytes((i * 31 + seed) % 251 for i in range(44, size))


_KEEP_WAV = """async ([size, seed, tried]) => {
    const bytes = new Uint8Array(size).map((_, i) => (i * 31 + seed) % 251);
    // a WAV recording (16 kHz mono noise): the server types blobs by their bytes and probes the sound
    const head = new DataView(bytes.buffer, 0, 44);
    [...'RIFF'].forEach((c, i) => head.setUint8(i, c.charCodeAt(0)));
    head.setUint32(4, bytes.length - 8, true);
    [...'WAVEfmt '].forEach((c, i) => head.setUint8(8 + i, c.charCodeAt(0)));
    head.setUint32(16, 16, true);  // fmt chunk: PCM, mono, 16 kHz, 16-bit
    head.setUint16(20, 1, true);
    head.setUint16(22, 1, true);
    head.setUint32(24, 16000, true);
    head.setUint32(28, 32000, true);
    head.setUint16(32, 2, true);
    head.setUint16(34, 16, true);
    [...'data'].forEach((c, i) => head.setUint8(36 + i, c.charCodeAt(0)));
    head.setUint32(40, bytes.length - 44, true);
    const m = await import('/js/blobs.js');
    const hash = await m.keepBlob(new Blob([bytes], { type: 'audio/wav' }));
    if (tried) {  // the phone's own earlier attempt, cut off after its first chunk
        const db = await import('/js/db.js');
        await db.put('blobs', { ...(await db.get('blobs', hash)), tried: true });
    }
    await (await import('/js/sync.js')).refreshCounts();
    return hash;
}"""


def test_a_photo_kept_offline_uploads_resuming_where_it_stopped(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    context = new_context(browser, **PHONE, base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in_page(page, "rep11")
    wait_synced(page)
    context.set_offline(True)
    size = 700 * 1024
    # retried: the phone tried before and the server kept its first chunk; elsewhere: the server holds
    # a first chunk the phone does not know of (the same bytes from another attempt); fresh: never tried
    retried, elsewhere = (page.evaluate(_KEEP_WAV, [size, seed, tried]) for seed, tried in ((7, True), (11, False)))
    fresh = page.evaluate(_KEEP_WAV, [100 * 1024, 13, False])
    large = page.evaluate(_KEEP_WAV, [1200 * 1024, 17, False])
    # stalled: the status says every byte is there but the upload never completed (the server
    # stopped in between; told here by a routed answer, as that crash cannot be timed)
    stalled = page.evaluate(_KEEP_WAV, [300 * 1024, 19, True])
    assert [retried, elsewhere] == [hashlib.sha256(_wav(size, seed)).hexdigest() for seed in (7, 11)]
    page.wait_for_function(
        "() => document.querySelector('[data-sync-summary]').textContent.includes('5 photos waiting')"
    )

    with httpx.Client(base_url=live_server.url) as client:
        client.post("/api/auth/login", json={"username": "rep11", "password": "fieldvisit"})
        for sha, seed in ((retried, 7), (elsewhere, 11)):
            first = client.put(
                f"/api/blobs/{sha}",
                params={"offset": 0, "total": size},
                content=_wav(size, seed)[:262144],
                headers={"content-type": "application/octet-stream"},
            )
            assert first.json()["received"] == 262144
        calls: list[tuple[str, str, int]] = []

        def seen(request) -> None:  # type: ignore[no-untyped-def]
            if "/api/blobs/" in request.url:
                offset = request.url.split("offset=")[1].split("&")[0] if "offset=" in request.url else "status"
                calls.append((request.url.split("/api/blobs/")[1][:64], offset, request.method))

        page.on("request", seen)
        page.route(
            f"**/api/blobs/{stalled}/status",
            lambda route: route.fulfill(
                json={"sha256": stalled, "state": "partial", "received": 300 * 1024},
                headers={"cache-control": "no-store"},
            ),
        )
        context.set_offline(False)
        wait_synced(page)
        # the retried one asks where it stands and sends only the rest: no byte sent twice
        assert [c[1] for c in calls if c[0] == retried] == ["status", "262144"]
        # the one never tried goes straight to its first chunk; the server answers where to go on
        assert [c[1] for c in calls if c[0] == elsewhere] == ["0", "262144"]
        # a photo that fits in one chunk (512 KiB) takes one request; a larger one goes in chunks
        assert [c[1:] for c in calls if c[0] == fresh] == [("0", "PUT")]
        assert [c[1] for c in calls if c[0] == large] == ["0", "524288", "1048576"]
        # never trusted as uploaded on a status: the empty last chunk is answered 409 (the server
        # has nothing), and the phone sends the photo from the start
        assert [c[1] for c in calls if c[0] == stalled] == ["status", str(300 * 1024), "0"]
        for sha in (retried, elsewhere, fresh, large, stalled):
            assert client.get(f"/api/blobs/{sha}/status").json()["state"] == "complete"
            assert hashlib.sha256(client.get(f"/api/blobs/{sha}").content).hexdigest() == sha
    assert page.evaluate("(async () => (await import('/js/blobs.js')).pendingBlobs().then(r => r.length))()") == 0
    context.close()


def test_rep_is_warned_when_changes_wait_over_a_day(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, **PHONE, base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in_page(page, "rep12")
    store = page.eval_on_selector("li[data-store-id]", "e => e.dataset.storeId")
    context.set_offline(True)
    _open_store(page, store)
    _add_note(page, "written yesterday")
    # Age the waiting operation by 25 hours, as if the phone had been offline since yesterday.
    page.evaluate("""async () => {
        const me = JSON.parse(localStorage.getItem('fv.me'));
        const db = await new Promise((ok) => {
            const r = indexedDB.open('fieldvisit-' + me.user.id);
            r.onsuccess = () => ok(r.result);
        });
        const tx = db.transaction('outbox', 'readwrite');
        const os = tx.objectStore('outbox');
        const rows = await new Promise((ok) => { const r = os.getAll(); r.onsuccess = () => ok(r.result); });
        for (const row of rows) { row.created_at -= 25 * 3600 * 1000; os.put(row); }
        await new Promise((ok) => { tx.oncomplete = ok; });
        db.close();
        await (await import('/js/sync.js')).refreshCounts();
    }""")
    page.wait_for_function(
        "() => !!document.querySelector('[data-sync-summary]').parentElement.querySelector('[data-sync-warn] svg')"
    )
    page.click("fv-sync-status [data-toggle]")
    assert "waited over a day" in page.inner_text(".sync-panel")
    assert page.inner_text(".sync-panel [data-pending]") == "1"
    context.close()
