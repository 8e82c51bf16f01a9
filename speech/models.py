"""Vosk models per language: ``<root>/<lang>/`` (am/, conf/, graph/, ivector/), each loaded once per
process and shared by every recogniser (Vosk models are read-only and thread-safe)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from speech.errors import ModelBroken, ModelMissing

REQUIRED = ("am/final.mdl", "conf/model.conf")
_loaded: dict[Path, Any] = {}
_lock = threading.Lock()


def _quiet_vosk() -> Any:
    import vosk

    vosk.SetLogLevel(-1)
    return vosk


def check_layout(path: Path) -> list[str]:
    """The files a Vosk model needs that ``path`` lacks (empty when it looks like a model)."""
    return [name for name in REQUIRED if not (path / name).is_file()]


class ModelStore:
    """The model directory from settings. Languages are sub-directories named by code (``en``, ``zh``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, lang: str) -> Path:
        return self.root / lang

    def available(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not check_layout(p))

    def is_loaded(self, lang: str) -> bool:
        return self.path(lang).resolve() in _loaded

    def get(self, lang: str) -> Any:
        """The loaded ``vosk.Model`` for ``lang``; raises ModelMissing or ModelBroken."""
        if not lang.isalnum() and not lang.replace("-", "").isalnum():
            raise ModelMissing(f"{lang!r} is not a language code.")
        path = self.path(lang)
        if not path.is_dir():
            raise ModelMissing(
                f"No speech model for {lang!r}: {path} does not exist. "
                f"Fetch it with `python -m speech download {lang} --dir {self.root}`."
            )
        key = path.resolve()
        model = _loaded.get(key)
        if model is not None:
            return model
        with _lock:
            model = _loaded.get(key)
            if model is None:
                model = _loaded[key] = open_model(path)
        return model


def open_model(path: Path) -> Any:
    """Load the model in ``path`` (uncached); raises ModelBroken when Vosk cannot."""
    lacking = check_layout(path)
    if lacking:
        raise ModelBroken(f"The speech model in {path} is incomplete (missing {', '.join(lacking)}).")
    vosk = _quiet_vosk()
    try:
        return vosk.Model(str(path.resolve()))
    except Exception as exc:  # Vosk raises a bare Exception("Failed to create a model")
        raise ModelBroken(f"Vosk could not load the speech model in {path}: {exc}.") from None
