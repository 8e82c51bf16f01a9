"""Storefront sign to store: how often the right store is picked among 20 candidate names, and
how often a photo of another store is flagged.

    python bench/ocr_signs.py [DIR...] [--generate 60] [--seed 5]

Each DIR holds ``img/NAME.jpg`` and ``key/NAME.json`` with ``name`` (the store shown) and
``candidates`` (names, the store's among them) — the layout ``python -m ocr signs DIR`` writes;
without a DIR, --generate N photos are drawn into a scratch folder. For each photo it prints
nothing unless wrong; at the end: right store picked (the credible match is the store), no
credible match, wrong store picked; with the photo checked against another candidate,
``sign_mismatch`` raised; against its own store, raised wrongly; and the median seconds per photo.
Targets: right store >= 90 %, another store's photo flagged >= 90 %, own store flagged <= 5 %.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr import engine_named
from ocr.signs import check_sign, read_sign
from ocr.signsynth import write_signs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", type=Path, nargs="*", metavar="DIR")
    parser.add_argument("--generate", type=int, default=60, metavar="N", help="generated photos when no DIR")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    dirs = args.dirs
    if not dirs:
        write_signs(Path(scratch.name), count=args.generate, seed=args.seed)
        dirs = [Path(scratch.name)]
    engine = engine_named("rapidocr")
    rng = random.Random(1)
    right = none = wrong = flagged = false_flags = n = 0
    seconds = []
    for folder in dirs:
        for image in sorted((folder / "img").glob("*.jpg")):
            truth = json.loads((folder / "key" / f"{image.stem}.json").read_text(encoding="utf-8"))
            candidates = [(c, c) for c in truth["candidates"]]
            sign = read_sign(image.read_bytes(), engine=engine, candidates=candidates)
            seconds.append(sign.seconds)
            n += 1
            if sign.match is None:
                none += 1
                print(f"  none  {image.name}: read {sign.texts[:4]}, truth {truth['name']}")
            elif sign.match.name == truth["name"]:
                right += 1
            else:
                wrong += 1
                print(f"  wrong {image.name}: picked {sign.match.name}, truth {truth['name']}, read {sign.texts[:4]}")
            own = (truth["name"], truth["name"])
            other = rng.choice([c for c in candidates if c[0] != truth["name"]])
            if check_sign(sign, other, candidates).flags:
                flagged += 1
            if check_sign(sign, own, candidates).flags:
                false_flags += 1
    pct = lambda k: 100 * k / n if n else 0.0  # noqa: E731
    print(f"photos: {n} (20 candidate names each)")
    print(f"right store picked: {right}/{n} = {pct(right):.1f} %  (target >= 90 %)")
    print(f"no credible match:  {none}/{n} = {pct(none):.1f} %")
    print(f"wrong store picked: {wrong}/{n} = {pct(wrong):.1f} %")
    print(f"another store's photo flagged sign_mismatch: {flagged}/{n} = {pct(flagged):.1f} %  (target >= 90 %)")
    print(f"own store's photo flagged wrongly: {false_flags}/{n} = {pct(false_flags):.1f} %  (target <= 5 %)")
    print(f"median seconds per photo: {statistics.median(seconds):.3f}")
    met = pct(right) >= 90 and pct(flagged) >= 90 and pct(false_flags) <= 5
    print(f"targets {'met' if met else 'missed'}")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
