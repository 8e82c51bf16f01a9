"""What a new password must be: at least 10 characters, not blank, not a common or guessable one.

Checked wherever a password is set (``service.create_user``, the API and ``fieldvisit create-user``).
The common list ships with the package (``common_passwords.txt``); nothing is fetched at run time.
A refusal is a 400 ``weak_password`` whose ``extra.reason`` says which rule: ``too_short``,
``blank``, ``common``, ``repetitive`` or ``like_username``.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

from server.errors import InvalidInput

MIN_LENGTH = 10
MIN_DISTINCT = 4
_EDGES = string.digits + string.punctuation + string.whitespace
_UNLEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


class WeakPassword(InvalidInput):
    code = "weak_password"

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail, extra={"reason": reason})


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("server.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _guessable(password: str) -> bool:
    """The password, or its core without the digits and symbols around it (``Password2026!``),
    read plainly or with the usual substitutions (``p@ssw0rd``), is a common one."""
    common = common_passwords()
    lower = password.lower()
    core = lower.strip(_EDGES)
    return any(candidate in common for candidate in (lower, core, core.translate(_UNLEET)) if candidate)


def check(password: str, *, username: str = "") -> None:
    """Raise ``WeakPassword`` when ``password`` may not be used (by the user named ``username``)."""
    if not password.strip():
        raise WeakPassword("A password cannot be only spaces.", "blank")
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"A password has at least {MIN_LENGTH} characters; this one has {len(password)}.", "too_short"
        )
    if len(set(password.lower())) < MIN_DISTINCT:
        raise WeakPassword(
            f"A password has at least {MIN_DISTINCT} different characters; this one repeats too few.", "repetitive"
        )
    if len(username) >= 3 and username.lower() in password.lower():
        raise WeakPassword("A password cannot contain the username.", "like_username")
    if _guessable(password):
        raise WeakPassword(
            "This password is on the list of common passwords people guess first; choose another.", "common"
        )
