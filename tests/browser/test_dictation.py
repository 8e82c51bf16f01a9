"""Dictating notes at phone size with Chromium's fake microphone playing espeak speech: live text
while online; offline, the recording is kept and played back, and its transcript fills the note
after sync without losing what was typed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.audiohelp import KO_STABLE, encode, speak
from tests.livesupport import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, new_context, sign_in_pwa, wait_synced

pytestmark = pytest.mark.browser
USER = "rep21"


@pytest.fixture(scope="module")
def mic_browser(playwright, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Chromium whose microphone plays a WAV file (in a loop): speech, then a pause."""
    root: Path = tmp_path_factory.mktemp("mic")
    wav = encode(speak(KO_STABLE, root / "raw.wav", pad_seconds=1.5), root / "mic.wav", "wav")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield browser
    browser.close()


def _store(live_server: LiveServer) -> dict:
    with httpx.Client(base_url=live_server.url) as api:
        assert api.post("/api/auth/login", json={"username": USER, "password": "fieldvisit"}).status_code == 200
        return api.get("/api/stores", params={"limit": 5}).json()["items"][0]


def _page(mic_browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    context = new_context(mic_browser, **PHONE, base_url=live_server.url, locale="en-US", permissions=["microphone"])
    page = context.new_page()
    page.set_default_timeout(30000)
    sign_in_pwa(page, USER)
    wait_synced(page)
    return context, page


def test_dictating_online_shows_partial_text_and_adds_it_to_what_was_typed(  # type: ignore[no-untyped-def]
    mic_browser, live_server: LiveServer
) -> None:
    store = _store(live_server)
    context, page = _page(mic_browser, live_server)
    page.goto(f"/#/stores/{store['id']}")
    form = page.locator("[data-new-note]")
    form.locator("textarea").fill("Typed first.")
    form.locator("[data-mic]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-new-note] [data-mic-state]')?.dataset.partial?.length > 0"
    )  # partial text while speaking
    assert form.locator("textarea").input_value() == "Typed first."  # partials are shown, not yet added
    page.wait_for_timeout(2500)
    form.locator("[data-mic]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-new-note] textarea').value.length > 'Typed first.'.length + 1"
    )
    text = form.locator("textarea").input_value()
    assert text.startswith("Typed first. ")
    form.locator("[data-add-note]").click()
    page.wait_for_selector(f"[data-note-id] [data-text]:has-text('{text}')")
    context.close()


def test_dictating_offline_keeps_the_recording_and_the_transcript_fills_the_note_after_sync(  # type: ignore[no-untyped-def]
    mic_browser, live_server: LiveServer
) -> None:
    store = _store(live_server)
    context, page = _page(mic_browser, live_server)
    page.goto(f"/#/stores/{store['id']}")
    context.set_offline(True)
    form = page.locator("[data-new-note]")
    form.locator("textarea").fill("Cooler dirty.")
    form.locator("[data-mic]").click()
    page.wait_for_selector("[data-new-note] [data-mic].on")
    page.wait_for_timeout(3000)
    form.locator("[data-mic]").click()
    note = page.locator("[data-note-id]:has([data-recording-id])").first
    note.wait_for()
    assert note.locator("[data-text]").inner_text() == "Cooler dirty."
    assert note.locator("[data-recording-state]").inner_text() == "Will be transcribed after sync"
    # it can be played back from the phone's own copy
    page.wait_for_function("() => document.querySelector('[data-recording-id] audio')?.src.startsWith('blob:')")
    duration = page.evaluate("""(async () => {
        const a = document.querySelector('[data-recording-id] audio');
        if (!(a.duration > 0)) await new Promise((r) => { a.onloadedmetadata = r; a.load(); });
        return a.duration;
    })()""")
    assert duration > 1 or duration == float("inf")  # MediaRecorder's webm may not state its length

    context.set_offline(False)
    page.wait_for_function(
        """() => (() => { const li = document.querySelector('[data-note-id]:has([data-recording-id])');
            return li && li.querySelector('[data-recording-state]').textContent === 'Transcribed'; })()""",
        timeout=60000,
    )
    text = note.locator("[data-text]").inner_text()
    assert text.startswith("Cooler dirty.\n") and len(text.strip()) > len("Cooler dirty.")
    context.close()
