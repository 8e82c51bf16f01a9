"""Command line of the OCR library; every command prints JSON.

    python -m ocr receipt IMAGE [--stores stores.csv] [--mdy]
    python -m ocr watermark IMAGE [--store NAME --expected 2026-11-24T14:03]
    python -m ocr photo IMAGE            perceptual hashes and blur / darkness scores
    python -m ocr synth DIR [--receipts 40] [--photos 12] [--seed 7]

A file that is not a usable photo prints {"error": code, "detail": ...} and exits with 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from ocr.errors import OcrError
from ocr.images import open_photo
from ocr.match import match_store
from ocr.photos import phashes, quality
from ocr.receipt import read_receipt
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
    receipt.add_argument("image", type=Path)
    receipt.add_argument("--stores", type=Path, help="CSV with id,name: suggest the store the merchant matches")
    receipt.add_argument("--mdy", action="store_true", help="read ambiguous numeric dates month first")
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
    try:
        data = args.image.read_bytes()
    except OSError as exc:
        parser.error(str(exc))
    try:
        out: dict
        if args.command == "receipt":
            result = read_receipt(data, dayfirst=not args.mdy)
            out = result.as_dict()
            if args.stores:
                found = match_store(result.merchant.value, _stores(args.stores))
                out["store"] = asdict(found) if found else None
        elif args.command == "watermark":
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


if __name__ == "__main__":
    sys.exit(main())
