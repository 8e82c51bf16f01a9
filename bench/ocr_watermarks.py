"""Watermarks read back per OCR engine: how often the time and the store come back right.

    python bench/ocr_watermarks.py [--photos 24] [--seed 7] [--engines tesseract,rapidocr]

Draws ``--photos`` storefront photos with ground truth (``python -m ocr synth``: half with the
band our camera burns in, half with a watermark camera's layout), reads each with each engine
and prints, per engine: time right (to the minute), store right (``check_watermark`` raises no
store flag), nothing found, and the median seconds per photo. The server's watermark engine
(``FIELDVISIT_OCR_WATERMARK_ENGINE``) is the one this measures better.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr import ENGINES, check_watermark, engine_named, read_watermark
from ocr.synth import write_dataset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engines", default="tesseract,rapidocr")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    if unknown := set(engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_dataset(root, receipts=0, photos=args.photos, seed=args.seed)
        photos = sorted((root / "photos").glob("*.jpg"))
        for name in engines:
            engine = engine_named(name)
            times = stores = empty = 0
            seconds = []
            for path in photos:
                truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
                started = time.perf_counter()
                mark = read_watermark(path.read_bytes(), engine=engine)
                seconds.append(time.perf_counter() - started)
                expected = datetime.fromisoformat(truth["time"])
                times += bool(mark.taken_at) and mark.taken_at[:16] == expected.isoformat()[:16]
                check = check_watermark(mark, store_name=truth["store"], expected=expected)
                stores += "watermark_store_mismatch" not in check.flags and "watermark_missing" not in check.flags
                empty += not (mark.taken_at or mark.place)
            n = len(photos)
            print(
                f"{name:10s} photos {n}: time right {100 * times / n:5.1f} %, store right {100 * stores / n:5.1f} %, "
                f"nothing found {100 * empty / n:5.1f} %, median {statistics.median(seconds):.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
