"""Command line of the OCR library; every command prints JSON.

    python -m ocr receipt IMAGE... [--engine rapidocr|tesseract] [--stores stores.csv] [--mdy]
                                     one JSON object per line per file, the engine loaded once
    python -m ocr sign IMAGE... [--candidates NAMES.txt]
                                     the text of a shop's sign, and the store it names
    python -m ocr signs DIR [--count 60] [--seed 5]
                                     write generated storefront photos with ground truth
    python -m ocr watermark IMAGE [--store NAME --expected 2026-11-24T14:03]
    python -m ocr photo IMAGE            perceptual hashes and blur / darkness scores
    python -m ocr synth DIR [--receipts 40] [--photos 12] [--seed 7]

A file that is not a usable photo prints {"error": code, "detail": ...} (receipt: on its line, the
other files still read) and exits with 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from ocr.engine import ENGINES, Engine, engine_named
from ocr.errors import OcrError
from ocr.images import open_photo
from ocr.match import match_store
from ocr.photos import phashes, quality
from ocr.receipt import read_receipt
from ocr.signs import read_sign
from ocr.signsynth import write_signs
from ocr.synth import write_dataset
from ocr.watermark import check_watermark, read_watermark


def _stores(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [(row.get("id") or row.get("code") or row["name"], row["name"]) for row in csv.DictReader(f)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ocr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    receipt = sub.add_parser("receipt", help="merchant, date, total (tax, items) with confidences")
    receipt.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    receipt.add_argument("--engine", choices=ENGINES, default="rapidocr", help="OCR engine (default: %(default)s)")
    receipt.add_argument("--stores", type=Path, help="CSV with id,name: suggest the store the merchant matches")
    receipt.add_argument("--mdy", action="store_true", help="read ambiguous numeric dates month first")
    sign = sub.add_parser("sign", help="a storefront's sign text and the candidate store it names (one JSON line each)")
    sign.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    sign.add_argument("--candidates", type=Path, help="store names, one per line: match names the sign's store")
    signs = sub.add_parser("signs", help="write generated storefront photos with Chinese signs and ground truth")
    signs.add_argument("dir", type=Path)
    signs.add_argument("--count", type=int, default=60)
    signs.add_argument("--seed", type=int, default=5)
    mark = sub.add_parser("watermark", help="time and place printed on a photo; flags against a store and time")
    mark.add_argument("image", type=Path)
    mark.add_argument("--store", help="the store the photo should show")
    mark.add_argument("--expected", help="local time the photo should be from, ISO (2026-11-24T14:03)")
    photo = sub.add_parser("photo", help="perceptual hashes (for recycled photos), blur and darkness")
    photo.add_argument("image", type=Path)
    synth = sub.add_parser("synth", help="write generated Chinese receipts and watermarked photos with ground truth")
    synth.add_argument("dir", type=Path)
    synth.add_argument("--receipts", type=int, default=40)
    synth.add_argument("--photos", type=int, default=12)
    synth.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    if args.command == "synth":
        write_dataset(args.dir, receipts=args.receipts, photos=args.photos, seed=args.seed)
        print(json.dumps({"dir": str(args.dir), "receipts": args.receipts, "photos": args.photos}))
        return 0
    if args.command == "receipt":
        return _receipts(args)
    if args.command == "sign":
        return _signs(args)
    if args.command == "signs":
        write_signs(args.dir, count=args.count, seed=args.seed)
        print(json.dumps({"dir": str(args.dir), "signs": args.count}))
        return 0
    try:
        data = args.image.read_bytes()
    except OSError as exc:
        parser.error(str(exc))
    try:
        out: dict
        if args.command == "watermark":
            mark_result = read_watermark(data)
            out = mark_result.as_dict()
            if args.store and args.expected:
                out["check"] = asdict(
                    check_watermark(mark_result, store_name=args.store, expected=datetime.fromisoformat(args.expected))
                )
        else:
            started = time.perf_counter()
            image = open_photo(data)
            out = {"phashes": phashes(image), **asdict(quality(image))}
            out["timings"] = {"total": round(time.perf_counter() - started, 3)}
    except OcrError as exc:
        print(json.dumps({"error": exc.code, "detail": str(exc)}, ensure_ascii=False))
        return 2
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _each_file(engine_name: str, paths: list[Path], read: Callable[[Engine, bytes], dict]) -> int:
    """``read`` on each file with one engine, loaded before the first; one JSON line per file, a
    bad file on its own line (it does not stop the rest); exit 2 when any failed."""
    try:
        engine = engine_named(engine_name)
    except OcrError as exc:
        print(json.dumps({"error": exc.code, "detail": str(exc)}, ensure_ascii=False))
        return 2
    failed = False
    for path in paths:
        out: dict = {"file": str(path)}
        started = time.perf_counter()
        try:
            out.update(read(engine, path.read_bytes()))
        except OSError as exc:
            out.update(error="unreadable_file", detail=str(exc))
        except OcrError as exc:
            out.update(error=exc.code, detail=str(exc))
        out["seconds"] = round(time.perf_counter() - started, 3)
        failed = failed or "error" in out
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 2 if failed else 0


def _signs(args: argparse.Namespace) -> int:
    """Each photo's sign; ``match`` is null when no candidate is credible."""
    names: list[tuple[str, str]] = []
    if args.candidates:
        try:
            lines = args.candidates.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            print(json.dumps({"error": "unreadable_file", "detail": str(exc)}, ensure_ascii=False))
            return 2
        names = [(n.strip(), n.strip()) for n in lines if n.strip()]

    def read(engine: Engine, data: bytes) -> dict:
        found = read_sign(data, engine=engine, candidates=names)
        out: dict = {"lines": found.texts}
        if args.candidates:
            out["match"] = {"name": found.match.name, "score": found.match.score} if found.match else None
        return out

    return _each_file("rapidocr", args.images, read)


def _receipts(args: argparse.Namespace) -> int:
    """Each receipt's fields, and the store the merchant matches when ``--stores`` is given."""
    stores = _stores(args.stores) if args.stores else None

    def read(engine: Engine, data: bytes) -> dict:
        result = read_receipt(data, engine=engine, dayfirst=not args.mdy)
        out = result.as_dict()
        if stores is not None:
            found = match_store(result.merchant.value, stores)
            out["store"] = asdict(found) if found else None
        return out

    return _each_file(args.engine, args.images, read)


if __name__ == "__main__":
    sys.exit(main())
