"""Speech routes: the languages installed, a one-off transcription, and live dictation (WebSocket)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, WebSocket, get, post, websocket
from litestar.concurrency import sync_to_thread
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromQuery

from server.accounts.service import user_for_token
from server.db import session_scope
from server.deps import SESSION_COOKIE, AppSettings, CurrentActor, read_limited
from server.dictation import service
from server.dictation.rules import LANG_RE
from server.errors import DomainError, InvalidInput
from server.settings import Settings
from speech import SAMPLE_RATE, SpeechError

# WebSocket close codes (4000-4999 are the application's): the PWA shows the reason.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAVAILABLE = 4503
CLOSE_BAD_AUDIO = 4422


def _lang(lang: str) -> str:
    if not LANG_RE.match(lang):
        raise InvalidInput("lang must be a language code such as en or zh", code="bad_lang")
    return lang


class SpeechController(Controller):
    path = "/api/speech"
    tags = ["speech"]

    @get("/languages", sync_to_thread=True)
    def languages(self, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """Languages with an installed model on this server."""
        return service.languages(settings)

    @post("/transcribe", status_code=200, request_max_body_size=None)
    async def transcribe(
        self, request: Request, actor: CurrentActor, settings: AppSettings, lang: FromQuery[str]
    ) -> dict[str, Any]:
        """Transcribe the recording in the body (webm/opus, mp4/aac, ogg/opus or wav). 503 when the
        language's model is not installed, 422 when the body is not usable audio."""
        body = await read_limited(request, settings.max_blob_bytes)
        return await sync_to_thread(service.transcribe_upload, settings, _lang(lang), body)


def _user_id(settings: Settings, token: str | None) -> str | None:
    with session_scope(settings) as session:
        try:
            return user_for_token(session, settings, token).id
        except DomainError:
            return None


@websocket("/api/speech/live")
async def live_dictation(socket: WebSocket, settings: AppSettings, lang: FromQuery[str] = "en") -> None:
    """Live dictation. Send binary messages of 16 kHz mono 16-bit PCM and finally the text message
    ``{"type": "end"}``; receive ``{"type": "partial"|"final", "text"}`` as you speak and
    ``{"type": "done", "text", "words", ...}`` at the end. Errors arrive as ``{"type": "error",
    "code", "detail"}`` followed by a close code (4401 not signed in, 4503 no model, 4422 bad audio)."""
    await socket.accept()

    async def refuse(code: int, err: str, detail: str) -> None:
        await socket.send_json({"type": "error", "code": err, "detail": detail})
        await socket.close(code=code, reason=err)

    if await sync_to_thread(_user_id, settings, socket.cookies.get(SESSION_COOKIE)) is None:
        return await refuse(CLOSE_NOT_SIGNED_IN, "not_signed_in", "Sign in first.")
    if not LANG_RE.match(lang):
        return await refuse(CLOSE_BAD_REQUEST, "bad_lang", "lang must be a language code such as en or zh")
    try:
        model = await sync_to_thread(service.models(settings).get, lang)
    except SpeechError as exc:
        return await refuse(CLOSE_UNAVAILABLE, exc.code, service.client_detail(exc))
    session = service.LiveSession(settings, lang, model)
    await socket.send_json({"type": "ready", "sample_rate": SAMPLE_RATE, "lang": lang})
    try:
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data: bytes | None = message.get("bytes")  # type: ignore[assignment]
            text: str | None = message.get("text")  # type: ignore[assignment]
            if data:
                if len(data) % 2:
                    return await refuse(CLOSE_BAD_AUDIO, "bad_audio", "PCM messages carry whole 16-bit samples.")
                for event in await sync_to_thread(session.feed, data):
                    await socket.send_json(event)
            elif text:
                try:
                    kind = json.loads(text).get("type")
                except (ValueError, AttributeError):
                    kind = None
                if kind != "end":
                    return await refuse(CLOSE_BAD_REQUEST, "bad_message", 'Text messages are {"type": "end"}.')
                for event in await sync_to_thread(session.finish):
                    await socket.send_json(event)
                return await socket.close(code=1000)
    except SpeechError as exc:
        await refuse(CLOSE_BAD_AUDIO, exc.code, service.client_detail(exc))
    except WebSocketDisconnect:
        return
