"""Usernames: one normal form for creating and signing in, a character set, and look-alike skeletons.

``normalize`` is applied on create and on every sign-in, so ``ＡＤＭＩＮ`` (fullwidth), ``Admin `` and
``admin`` are one name. ``skeleton`` maps letters that look alike (Cyrillic ``а``, Greek ``ο``, the
digit ``0``, ``1``/``l``/``i``, ``rn``/``m``) to one Latin form; a new name whose skeleton equals an
existing user's is refused, so nobody can be created as ``аdmin`` beside ``admin``.
"""

from __future__ import annotations

import string
import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 64
SEPARATORS = "._-"
RULE = (
    f"A username is {MIN_LENGTH} to {MAX_LENGTH} letters, digits, '.', '-' or '_', "
    "starting and ending with a letter or digit."
)


def normalize(name: str) -> str:
    """Unicode NFKC, lower case, surrounding white space removed (NFKC again: lower-casing may
    undo it for a few letters)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).lower()).strip()


def _letter_or_digit(ch: str) -> bool:
    # Lower-case and caseless letters (Latin, Cyrillic, Chinese, ...) and ASCII digits only: no
    # modifier letters, marks, other scripts' digits, symbols, spaces or invisible characters.
    return ch in string.digits or unicodedata.category(ch) in ("Ll", "Lo")


def problem(name: str) -> str | None:
    """Why a normalised name cannot be a username, or None when it can."""
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return RULE
    if not all(_letter_or_digit(ch) or ch in SEPARATORS for ch in name):
        return RULE
    if not (_letter_or_digit(name[0]) and _letter_or_digit(name[-1])):
        return RULE
    return None


# Characters that look like a Latin letter (or like another character of this table) in the fonts
# phones use, mapped to that letter. Applied after NFKC (which already folds fullwidth and
# mathematical letters) and lower-casing, so only lower-case forms are listed; Cyrillic letters whose
# capital looks Latin (В, Н, К, М, Т) map to that Latin letter too, since a capital typed in is
# lower-cased before it is compared.
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "б": "b", "в": "b", "г": "r", "д": "d", "е": "e", "ё": "e", "є": "e", "з": "3",
    "і": "l", "ї": "l", "ј": "j", "к": "k", "л": "n", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "ў": "y", "х": "x", "ц": "u", "ч": "4", "ш": "w",
    "щ": "w", "ъ": "b", "ь": "b", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "ү": "y", "ұ": "y", "ҳ": "x", "ҡ": "k", "қ": "k", "ҝ": "k", "ӓ": "a", "ӧ": "o", "ө": "o",
    "ѡ": "w", "ѵ": "v", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "l", "κ": "k",
    "μ": "u", "ν": "v", "ο": "o", "π": "n", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "ϵ": "e", "ϝ": "f",
    # Armenian
    "ա": "w", "հ": "h", "ո": "n", "ս": "u", "օ": "o", "զ": "q", "ց": "g", "ք": "p",
    # Latin look-alikes of other Latin letters
    "ı": "l", "ȷ": "j", "ɑ": "a", "ɩ": "l", "ɪ": "l", "ʟ": "l", "ꞁ": "l", "ł": "l", "ſ": "f",
    "ƅ": "b", "ɵ": "o", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "ɋ": "q", "ʋ": "u",
    "ɾ": "r", "ʀ": "r", "ɢ": "g", "ʜ": "h", "ɴ": "n", "ʏ": "y", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d",
    "ᴇ": "e", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
    "ᴢ": "z", "ß": "b",
    # digits and letters people mistake for each other
    "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "2": "z",
}  # fmt: skip
_TABLE = str.maketrans(_LOOKALIKES)
_SEQUENCES = (("rn", "m"), ("vv", "w"))


def skeleton(name: str) -> str:
    """The form two names share when one could be mistaken for the other."""
    decomposed = unicodedata.normalize("NFD", normalize(name))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))  # é, ё, ї -> e, е, і
    shape = unicodedata.normalize("NFC", bare).translate(_TABLE)
    for seq, like in _SEQUENCES:
        shape = shape.replace(seq, like)
    return shape
