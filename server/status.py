"""What the server can recognise, for the admin console: the Vosk speech models installed per
language (``FIELDVISIT_SPEECH_MODELS_DIR``) and the tesseract languages OCR needs, each missing one
with the command that installs it (README, "Speech models")."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from server.authz import Action, require
from server.deps import AppSettings, CurrentActor
from server.guards import requires
from server.settings import Settings

# The tesseract languages receipts and watermarks are read in (ocr/receipt.py, ocr/watermark.py),
# with the Debian package that brings each.
OCR_LANGUAGES = {"chi_sim": "tesseract-ocr-chi-sim", "eng": "tesseract-ocr-eng"}


def speech_status(settings: Settings) -> dict[str, Any]:
    from server.dictation.service import KNOWN_LANGUAGES, models
    from speech.download import PUBLISHED
    from speech.models import check_layout

    store = models(settings)
    installed = set(store.available())
    languages = []
    for code in sorted(set(KNOWN_LANGUAGES) | installed):
        path = store.path(code)
        entry: dict[str, Any] = {
            "code": code,
            "installed": code in installed,
            "loaded": store.is_loaded(code),
            "model": PUBLISHED[code].name if code in PUBLISHED else None,
            "path": str(path),
        }
        if code not in installed:
            entry["problem"] = "incomplete" if path.is_dir() and check_layout(path) else "missing"
            entry["command"] = f"python -m speech download {code} --dir {store.root}"
        languages.append(entry)
    return {"models_dir": str(store.root), "languages": languages}


def ocr_status() -> dict[str, Any]:
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        present = set(pytesseract.get_languages(config=""))
    except Exception:  # not installed, not runnable, or an output pytesseract cannot parse
        packages = " ".join(["tesseract-ocr", *OCR_LANGUAGES.values()])
        return {
            "tesseract": False,
            "version": None,
            "command": f"apt-get install {packages}",
            "languages": [
                {"code": c, "installed": False, "command": f"apt-get install {p}"} for c, p in OCR_LANGUAGES.items()
            ],
        }
    languages = []
    for code, package in OCR_LANGUAGES.items():
        entry: dict[str, Any] = {"code": code, "installed": code in present}
        if code not in present:
            entry["command"] = f"apt-get install {package}"
        languages.append(entry)
    return {"tesseract": True, "version": version, "languages": languages}


class StatusController(Controller):
    path = "/api/admin/status"
    tags = ["admin"]

    @get("/", sync_to_thread=True, guards=[requires(Action.STATUS_READ)])
    def status(self, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """Speech models and OCR languages: installed or not, and how to install what is missing."""
        require(actor, Action.STATUS_READ)
        return {"speech": speech_status(settings), "ocr": ocr_status()}
