"""The linters the team agreed on (docs/CONVENTIONS.md) pass on the whole tree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.livesupport import ROOT


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


PRIVATE_IMPORT = re.compile(r"^\s*from (server|sync|ocr|speech)\.[\w.]+ import (.+)$")


def private_imports(root: Path) -> list[str]:
    """``from server.x import _name`` lines: a leading underscore is private to its module."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = PRIVATE_IMPORT.match(line)
            if match is None:
                continue
            names = [n.strip().split(" as ")[0] for n in match.group(2).strip("()").split(",")]
            if any(n.startswith("_") and not n.startswith("__") for n in names):
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def test_no_module_imports_another_modules_private_names(tmp_path: Path) -> None:
    for package in ("server", "sync", "ocr", "speech"):
        assert private_imports(ROOT / package) == [], package
    # the check itself finds one
    (tmp_path / "a.py").write_text("from server.replication.service import _writer_lock\n")
    assert len(private_imports(tmp_path)) == 1
