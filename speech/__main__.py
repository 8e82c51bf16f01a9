"""Command line: ``python -m speech transcribe FILE --lang en`` and ``python -m speech download en zh``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from speech.download import BASE_URL, PUBLISHED, install
from speech.errors import AudioError, SpeechError
from speech.models import ModelStore
from speech.recognizer import transcribe

DEFAULT_DIR = os.environ.get("FIELDVISIT_SPEECH_MODELS_DIR", "data/models/speech")


def _progress(label: str):  # type: ignore[no-untyped-def]
    last = [-1]

    def show(done: int, total: int | None) -> None:
        pct = int(done * 100 / total) if total else None
        if pct is not None and pct == last[0]:
            return
        last[0] = pct if pct is not None else -1
        what = f"{pct:3d}% of {total / 1e6:.1f} MB" if total and pct is not None else f"{done / 1e6:.1f} MB"
        print(f"\r{label}: {what}", end="", file=sys.stderr, flush=True)

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m speech", description="Speech to text with Vosk.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "transcribe",
        help="transcribe a recording and print JSON",
        description="Decode FILE (webm/opus, mp4/aac, ogg/opus, wav) and print text, words with times "
        "and confidence, audio seconds and processing seconds as JSON.",
    )
    t.add_argument("file", type=Path)
    t.add_argument("--lang", required=True, help="language code: a sub-directory of --models (en, zh)")
    t.add_argument("--models", type=Path, default=Path(DEFAULT_DIR), help=f"model directory (default {DEFAULT_DIR})")
    t.add_argument("--max-seconds", type=float, default=600.0, help="refuse longer recordings (default 600)")
    d = sub.add_parser(
        "download",
        help="fetch, verify and install the small models",
        description="Download the published small Vosk models "
        + ", ".join(f"{k}: {v.name}" for k, v in PUBLISHED.items())
        + ", verify them (SHA-256 where known, every zip member's CRC, the model layout, a test load) and "
        "unpack each into DIR/<lang>. A failed download never replaces a working model.",
    )
    d.add_argument("langs", nargs="+", help="language codes (en, zh)")
    d.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR), help=f"model directory (default {DEFAULT_DIR})")
    d.add_argument("--base-url", default=BASE_URL, help=f"where the archives are (default {BASE_URL})")
    d.add_argument("--url", help="the archive's full address (one language only)")
    d.add_argument("--sha256", help="the archive's expected SHA-256 (one language only)")
    args = parser.parse_args(argv)

    if args.command == "transcribe":
        try:
            result = transcribe(args.file, ModelStore(args.models), args.lang, max_seconds=args.max_seconds)
        except FileNotFoundError:
            print(json.dumps({"error": "file_not_found", "detail": f"No such file: {args.file}"}), file=sys.stderr)
            return 2
        except SpeechError as exc:
            print(json.dumps({"error": exc.code, "detail": exc.detail}, ensure_ascii=False), file=sys.stderr)
            return 3 if isinstance(exc, AudioError) else 4
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return 0

    if (args.url or args.sha256) and len(args.langs) != 1:
        parser.error("--url and --sha256 apply to one language at a time")
    for lang in args.langs:
        try:
            done = install(
                lang, args.dir, url=args.url, sha256=args.sha256, base_url=args.base_url, progress=_progress(lang)
            )
        except SpeechError as exc:
            print(f"\n{lang}: {exc.detail}", file=sys.stderr)
            return 1
        print(f"\n{lang}: installed in {done['path']} (sha256 {done['sha256']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
