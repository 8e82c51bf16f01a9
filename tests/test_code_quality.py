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


def test_the_import_contracts_hold() -> None:
    """pyproject.toml's [tool.importlinter]: the libraries import no server code, replication and the
    platform import no domain, the libraries are independent of one another."""
    lint = Path(sys.executable).parent / "lint-imports"
    assert lint.exists(), "import-linter is not installed: pip install -e '.[test]'"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# The unit of work (server/db.py: new_session/finish_session/session_scope) is the one place that
# commits. Units of work are opened by entry points only: a request (server/deps.py), the job
# worker, the commands, the demo seed; a failed sign-in's own transaction (accounts/throttle.py,
# the request that carries it fails); a WebSocket's sign-in check (it has no request to own one);
# a route guard's sign-in check (server/guards.py: guards run before the request's unit of work).
COMMITS_IN = {"server/db.py"}
OPENS_UNITS = {
    "server/db.py",
    "server/deps.py",
    "server/jobs/worker.py",
    "server/__main__.py",
    "server/demo/seed.py",
    "server/accounts/throttle.py",
    "server/dictation/controller.py",
    "server/guards.py",  # a role guard finds the signed-in user before the request's session exists
}


def transaction_calls(root: Path) -> tuple[list[str], list[str]]:
    """``….commit()`` calls outside the unit of work, and units opened outside the entry points."""
    import ast

    commits, opens = [], []
    for path in sorted((root / "server").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "commit" and rel not in COMMITS_IN:
                commits.append(f"{rel}:{node.lineno}")
            if name in ("session_scope", "new_session", "Session") and rel not in OPENS_UNITS:
                opens.append(f"{rel}:{node.lineno} {name}()")
    return commits, opens


def test_only_the_unit_of_work_commits(tmp_path: Path) -> None:
    commits, opens = transaction_calls(ROOT)
    assert commits == [], f"services never commit; the unit of work does (server/db.py): {commits}"
    assert opens == [], f"a service takes the caller's session; it opens no transaction of its own: {opens}"
    # and the check sees what it is for
    (tmp_path / "server" / "claims").mkdir(parents=True)
    (tmp_path / "server" / "claims" / "service.py").write_text(
        "def decide(settings):\n    with session_scope(settings) as session:\n        session.commit()\n"
    )
    assert transaction_calls(tmp_path) == (
        ["server/claims/service.py:3"],
        ["server/claims/service.py:2 session_scope()"],
    )
