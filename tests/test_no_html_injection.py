"""No markup from strings outside ``pwa/js/html.js``, and nothing the Content-Security-Policy blocks.

Every screen builds its markup with the ``html`` tag of ``pwa/js/html.js`` (which escapes every value)
and puts it in the page with ``render()``, the one place that parses markup. This static check (no
browser) fails when any other file under ``pwa/`` parses strings as markup (innerHTML, outerHTML,
insertAdjacentHTML, document.write, createContextualFragment, DOMParser), evaluates strings as code
(eval, new Function, a string given to setTimeout/setInterval), calls ``html`` other than as a tag, or
writes markup the server's CSP (``script-src 'self'; style-src 'self'``) would block: a style
attribute, an inline ``on...=`` handler or a ``javascript:`` URL in markup, an inline <script> or
<style> in an HTML file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
HELPER = PWA / "js" / "html.js"

# Inside a tag: `<name ... attr=`. `[^<>]*` spans lines, so multi-line templates are seen too; a JS
# comparison (`a < b`) never starts a tag because a tag name follows `<` directly.
_IN_TAG = r"<[a-zA-Z][\w:-]*(?:\s[^<>]*?)?\s"
SCRIPT_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("innerHTML", re.compile(r"\binnerHTML\b")),
    ("outerHTML", re.compile(r"\bouterHTML\b")),
    ("insertAdjacentHTML", re.compile(r"\binsertAdjacentHTML\b")),
    ("document.write", re.compile(r"\bdocument\s*\.\s*write(?:ln)?\b")),
    ("createContextualFragment", re.compile(r"\bcreateContextualFragment\b")),
    ("DOMParser", re.compile(r"\bDOMParser\b")),
    ("srcdoc", re.compile(r"\bsrcdoc\b")),
    ("eval(", re.compile(r"(?<![\w.$])eval\s*\(")),
    ("new Function", re.compile(r"\bnew\s+Function\b|(?<![\w.$])Function\s*\(")),
    ("setTimeout/setInterval with a string", re.compile(r"\bset(?:Timeout|Interval)\s*\(\s*['\"`]")),
    ("html called as a function", re.compile(r"(?<![\w.$])html\s*\(")),
    ("style= in markup", re.compile(_IN_TAG + r"style\s*=", re.I)),
    ("inline on...= handler in markup", re.compile(_IN_TAG + r"on[a-z]+\s*=", re.I)),
    ("javascript: URL", re.compile(r"javascript\s*:", re.I)),
]
PAGE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("inline <script>", re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)),
    ("<style> element", re.compile(r"<style\b", re.I)),
    ("style= attribute", re.compile(_IN_TAG + r"style\s*=", re.I)),
    ("inline on...= handler", re.compile(_IN_TAG + r"on[a-z]+\s*=", re.I)),
    ("javascript: URL", re.compile(r"javascript\s*:", re.I)),
]


def _strip_js_comments(source: str) -> str:
    """Comments go (prose may name what the rules forbid); strings and templates (with their nested
    ``${...}``) stay, and so do line numbers."""
    out: list[str] = []
    stack: list[int] = [0]  # per level: -1 inside a template literal, else the open braces of that code
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if stack[-1] < 0:  # template text
            if c == "\\":
                out.append(source[i : i + 2])
                i += 2
                continue
            if c == "`":
                stack.pop()
            elif source.startswith("${", i):
                stack.append(0)
                out.append("${")
                i += 2
                continue
            out.append(c)
            i += 1
        elif c in "'\"":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out.append(source[i : j + 1])
            i = j + 1
        elif c == "`":
            stack.append(-1)
            out.append(c)
            i += 1
        elif source.startswith("//", i):
            while i < n and source[i] != "\n":
                i += 1
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * source.count("\n", i, end))
            i = end
        else:
            if c == "{":
                stack[-1] += 1
            elif c == "}":
                if stack[-1] == 0 and len(stack) > 1:
                    stack.pop()  # the end of a ${...}: back in the template
                else:
                    stack[-1] -= 1
            out.append(c)
            i += 1
    return "".join(out)


def violations(source: str, kind: str) -> list[str]:
    """What ``source`` (a .js or .html file's text) does that only html.js may do, or that the CSP blocks."""
    if kind == "js":
        text, rules = _strip_js_comments(source), SCRIPT_RULES
    else:
        text, rules = re.sub(r"<!--.*?-->", "", source, flags=re.S), PAGE_RULES
    found = []
    for name, pattern in rules:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {name}: {match.group(0)[-60:].strip()!r}")
    return found


def _pwa_files() -> list[Path]:
    return sorted(p for p in PWA.rglob("*") if p.suffix in {".js", ".mjs", ".html", ".htm"} and p != HELPER)


def test_the_pwa_makes_markup_only_through_html_js() -> None:
    files = _pwa_files()
    assert len([p for p in files if p.suffix == ".js"]) > 20 and any(p.suffix == ".html" for p in files)
    problems = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in files
        for problem in violations(path.read_text(encoding="utf-8"), "html" if path.suffix.startswith(".htm") else "js")
    ]
    assert not problems, "\n".join(problems)


def test_the_helper_is_the_only_place_that_parses_markup() -> None:
    helper = _strip_js_comments(HELPER.read_text(encoding="utf-8"))
    assert len(re.findall(r"\binnerHTML\b", helper)) == 1  # render(): a <template>'s, nowhere else
    assert "replaceChildren" in helper
    assert not re.search(r"(?<![\w.$])eval\s*\(|\bnew\s+Function\b|insertAdjacentHTML|outerHTML", helper)


def test_the_helper_escapes_all_of_the_characters_that_matter() -> None:
    helper = HELPER.read_text(encoding="utf-8")
    for char, entity in {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;"}.items():
        assert f"'{entity}'" in helper, f"{char} is not escaped"


@pytest.mark.parametrize(
    ("sample", "kind", "rule"),
    [
        ("el.innerHTML = `<p>${name}</p>`;", "js", "innerHTML"),
        ("row.outerHTML = s;", "js", "outerHTML"),
        ("list.insertAdjacentHTML('beforeend', s);", "js", "insertAdjacentHTML"),
        ("document.write(s);", "js", "document.write"),
        ("document.createRange().createContextualFragment(s);", "js", "createContextualFragment"),
        ("new DOMParser().parseFromString(s, 'text/html');", "js", "DOMParser"),
        ("eval(code);", "js", "eval("),
        ("const f = new Function('a', body);", "js", "new Function"),
        ("setTimeout('go()', 10);", "js", "setTimeout/setInterval with a string"),
        ("const x = html(['<b>', '</b>'], v);", "js", "html called as a function"),
        ('return html`<span style="width:${pct}%"></span>`;', "js", "style= in markup"),
        ('return html`<svg class="heatmap"\n  style="max-width:9px">`;', "js", "style= in markup"),
        ('return html`<button type="button" onclick="go()">`;', "js", "inline on...= handler in markup"),
        ("return html`<img src=x onerror=alert(1)>`;", "js", "inline on...= handler in markup"),
        ('return html`<a href="javascript:alert(1)">`;', "js", "javascript: URL"),
        ("<script>alert(1)</script>", "html", "inline <script>"),
        ('<script type="module">import "/x.js";</script>', "html", "inline <script>"),
        ("<style>main { color: red }</style>", "html", "<style> element"),
        ('<p style="color:red">x</p>', "html", "style= attribute"),
        ('<body onload="start()">', "html", "inline on...= handler"),
    ],
)
def test_the_check_catches_a_bad_sample(sample: str, kind: str, rule: str) -> None:
    found = violations(sample, kind)
    assert any(f": {rule}: " in v for v in found), found


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        ('render(el, html`<p class="x" data-id="${id}">${name}</p>`);', "js"),
        ("bar.style.width = `${pct}%`; b.onclick = () => go(); if (a < b) x.onclick = f;", "js"),
        ('// never use innerHTML or eval( here\nconst a = 1; /* style="x" */', "js"),
        ('const u = html`<a href="${x ? html`/a` : `//b`}">`; // eval(', "js"),
        ("setTimeout(() => go(), 250); const when = retrieval(); evaluate(x);", "js"),
        ('<script type="module" src="/js/app.js"></script><link rel="stylesheet" href="/app.css">', "html"),
        ("<!-- <script>old()</script> -->", "html"),
    ],
)
def test_the_check_lets_good_code_through(sample: str, kind: str) -> None:
    assert violations(sample, kind) == []
