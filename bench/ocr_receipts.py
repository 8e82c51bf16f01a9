"""Receipt reading accuracy and speed per OCR engine, side by side, on folders of receipts with
their ground truth.

    python bench/ocr_receipts.py DIR... [--engines rapidocr,tesseract] [--runs 3] [--synth 40]
                                        [--show-misses]

Each DIR holds ``img/NAME.jpg|png`` and ``key/NAME.json`` with ``company`` (or ``merchant``),
``date`` and ``total`` — the SROIE layout, which ``python -m ocr synth`` also writes; ``--synth N``
adds a folder of N generated Chinese receipts. Prints, per folder and engine, exact-match accuracy
per field after normalising both sides the same way (total as ``1234.50``, date as ISO, merchant
upper case without spaces or punctuation), the median wall and CPU seconds per receipt (decode +
prepare + OCR + parse, the engine loaded once beforehand; median of each run's median over --runs)
and at the end the process's peak memory with every engine loaded.
Targets: real receipts total >= 95 %, date >= 95 %, merchant >= 90 %; generated Chinese >= 98 %
on all three; median <= 1.5 s per receipt on a 2-core machine; worker <= 800 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr import ENGINES, engine_named, read_receipt
from ocr.fields import normalise_amount, normalise_merchant, parse_date
from ocr.synth import write_dataset

IMAGES = {".jpg", ".jpeg", ".png", ".webp"}
FIELDS = ("total", "date", "merchant")
TARGETS = {"real": {"total": 95, "date": 95, "merchant": 90}, "generated": {f: 98 for f in FIELDS}}


def truth(key: dict) -> dict[str, str | None]:
    day = parse_date(str(key.get("date", "")))
    return {
        "total": normalise_amount(str(key.get("total", ""))),
        "date": day.isoformat() if day else None,
        "merchant": normalise_merchant(str(key.get("company") or key.get("merchant") or "")),
    }


def _cpu() -> float:
    """CPU seconds of this process's threads and of its finished children (tesseract runs as one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(folder: Path, engine_name: str, runs: int, mdy: bool, show_misses: bool) -> dict:
    engine = engine_named(engine_name)
    images = sorted(p for p in (folder / "img").iterdir() if p.suffix.lower() in IMAGES)
    hits = dict.fromkeys(FIELDS, 0)
    wall_medians, cpu_medians = [], []
    for run in range(runs):
        wall, cpu = [], []
        for image in images:
            data = image.read_bytes()
            started, cpu_started = time.perf_counter(), _cpu()
            receipt = read_receipt(data, engine=engine, dayfirst=not mdy)
            wall.append(time.perf_counter() - started)
            cpu.append(_cpu() - cpu_started)
            if run:
                continue
            want = truth(json.loads((folder / "key" / f"{image.stem}.json").read_text(encoding="utf-8")))
            got = {
                "total": receipt.total.value,
                "date": receipt.date.value,
                "merchant": normalise_merchant(receipt.merchant.value or ""),
            }
            for name in FIELDS:
                if got[name] == want[name]:
                    hits[name] += 1
                elif show_misses:
                    print(f"  miss {engine_name} {image.name} {name}: read {got[name]!r}, truth {want[name]!r}")
        wall_medians.append(statistics.median(wall))
        cpu_medians.append(statistics.median(cpu))
        print(f"  {engine_name} run {run + 1}: median {wall_medians[-1]:.3f} s, max {max(wall):.3f} s", flush=True)
    n = len(images)
    return {
        "n": n,
        **{name: 100 * hits[name] / n for name in FIELDS},
        "wall": statistics.median(wall_medians),
        "cpu": statistics.median(cpu_medians),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", type=Path, nargs="*", metavar="DIR")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="passes over each folder for the timing median")
    parser.add_argument("--synth", type=int, default=0, metavar="N", help="also N generated Chinese receipts")
    parser.add_argument("--show-misses", action="store_true", help="print each wrong field with what was read")
    parser.add_argument("--mdy", action="store_true", help="read ambiguous numeric dates month first")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    folders: list[tuple[str, Path]] = [("real", d) for d in args.dirs]
    scratch = tempfile.TemporaryDirectory()
    if args.synth:
        write_dataset(Path(scratch.name), receipts=args.synth, photos=0, seed=11)
        folders.append(("generated", Path(scratch.name)))
    if not folders:
        parser.error("give a DIR or --synth N")
    for _, folder in folders:
        if not (folder / "img").is_dir():
            parser.error(f"no images under {folder / 'img'}")
    results: list[tuple[str, str, str, dict]] = []
    for kind, folder in folders:
        print(f"{folder} ({kind}):", flush=True)
        for name in engines:
            results.append((kind, str(folder), name, measure(folder, name, args.runs, args.mdy, args.show_misses)))
    print()
    head = ("folder", "engine", "n", "total", "date", "merchant", "wall s", "cpu s")
    print("{:40s} {:10s} {:>4s} {:>7s} {:>7s} {:>9s} {:>7s} {:>7s}".format(*head))
    met = True
    for kind, folder, name, r in results:
        label = folder if len(folder) <= 40 else "…" + folder[-39:]
        print(
            f"{label:40s} {name:10s} {r['n']:4d} {r['total']:6.1f}% {r['date']:6.1f}% {r['merchant']:8.1f}% "
            f"{r['wall']:7.3f} {r['cpu']:7.3f}"
        )
        if name == engines[0]:
            met = met and all(r[f] >= t for f, t in TARGETS[kind].items()) and r["wall"] <= 1.5
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory with {', '.join(engines)} loaded: {peak:.0f} MB (target <= 800 MB)")
    met = met and peak <= 800
    print(f"targets {'met' if met else 'missed'} (for {engines[0]}, the first engine)")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
