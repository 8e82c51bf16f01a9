"""Every screen of every role (tests/screens.py), walked in zh-CN and in English at phone size and at
desktop size, on the demo distributor with the fixed clock. On each screen:

- **our words in the page's language**: no text of ours in the other language. In zh-CN a Latin
  word (two letters or more) and in English a Chinese character is allowed only where it is data —
  a store's name, a rep's, a product's: anything stored in the database — or a technical name from
  ``LATIN_OK``, a command in ``<code>``, or text marked with its own ``lang`` (the language switch).
  A missing zh string falls back to English in ``t()``, so a forgotten translation fails here;
- no i18n key shown raw (``fin_review``), no ``{placeholder}`` left unfilled, no ``undefined``,
  ``NaN`` or ``[object Object]``;
- nothing wider than the screen (the page never scrolls sideways);
- every button, link-button, select and text input at least 44 px tall (phone);
- text contrast at least WCAG AA (4.5:1, 3:1 for large text) against the background it sits on.

Each failure names the screen, size and language, and the text or element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.clock import CLOCK_ENV
from tests.conftest import _test_database_url, fresh_database
from tests.livesupport import LiveServer, start_server
from tests.screens import SCREENS, Demo, resolve
from tests.screenshots import show, signed_in

pytestmark = pytest.mark.browser

# Names the zh-CN UI keeps in Latin letters (units, formats, products of that name).
LATIN_OK = frozenset(
    {
        *("csv", "ocr", "gps", "sku", "posm", "id", "pwa", "url", "json", "api", "cpu", "kb", "mb", "gb", "km", "auc"),
        *("ms", "min", "px", "fieldvisit", "vosk", "tesseract", "rapidocr", "postgresql", "sqlite", "jpeg", "png"),
    }
)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
RAW = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\{[a-z]\w*\}|\bundefined\b|\bNaN\b|\[object Object\]|\w\(s\)")

# The visible text of the page, node by node, with what it sits in; and the text of attributes a
# person meets (placeholders, labels read aloud, options of a closed select).
TEXTS = """() => {
  const out = [], docLang = document.documentElement.lang || 'zh-CN';
  const skip = (el) => !el || el.closest('code, kbd, pre, samp, script, style, template')
    || (el.closest('[lang]') && el.closest('[lang]') !== document.documentElement
        && el.closest('[lang]').getAttribute('lang').slice(0, 2) !== docLang.slice(0, 2));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, text = n.data.trim();
    if (!text || skip(el)) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
    out.push({ text, where: el.localName + cls });
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], option, img[alt]')) {
    if (skip(el)) continue;
    const select = el.closest('select');
    if (!(select || el).checkVisibility()) continue;
    for (const text of [el.getAttribute('placeholder'), el.getAttribute('aria-label'), el.getAttribute('title'),
      el.localName === 'option' ? el.textContent : null, el.getAttribute('alt')]) {
      if (text && text.trim()) out.push({ text: text.trim(), where: `${el.localName}@attr` });
    }
  }
  return out;
}"""

# Controls a finger taps, shorter than 44 CSS px (hidden ones and those inside a sentence aside).
SMALL = """() => [...document.querySelectorAll('button, a.button, [role=button], select, textarea, summary, '
    + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])')]
  .filter((el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }))
  .map((el) => ({ el, r: el.getBoundingClientRect() }))
  .filter(({ r }) => r.width > 0 && r.height > 0 && r.height < 43.5)
  .map(({ el, r }) => {
    const cls = el.className ? '.' + String(el.className).split(' ')[0] : '';
    const text = (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30);
    return `${el.localName}${cls} "${text}" ${Math.round(r.width)}x${Math.round(r.height)}`;
  })"""

# Text whose colour against its background falls short of WCAG AA.
CONTRAST = """() => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const mix = (top, under) => { const a = top[3] ?? 1; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') return null;  // a picture or gradient: not judged here
      const c = rgb(s.backgroundColor);
      if ((c[3] ?? 1) > 0) { layers.push(c); if ((c[3] ?? 1) >= 1) break; }
    }
    return layers.reduceRight((under, top) => mix(top, under), [255, 255, 255]);
  };
  const found = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.data.trim() || !el || seen.has(el) || el.closest('[disabled], [aria-disabled=true]')) continue;
    seen.add(el);
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const s = getComputedStyle(el), bg = background(el);
    if (!bg || parseFloat(s.opacity) < 1) continue;
    const fg = mix(rgb(s.color), bg), [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05), size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const what = `"${n.data.trim().slice(0, 24)}" ${ratio.toFixed(2)}:1`;
    if (ratio < need - 0.05) found.push(`${what} (${s.color} on rgb(${bg.map(Math.round)}))`);
  }
  return found;
}"""


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                _strings(json.loads(value), out)
                return
            except ValueError:
                pass
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


HOMES = {"rep01": "#/route", "sup-cd": "#/team", "finance": "#/finance", "admin": "#/admin"}


def _data_text(database_url: str) -> str:
    """Every string the database holds (JSON fields opened up), one per line: what may show as data."""
    engine = create_engine(database_url)
    meta = MetaData()
    meta.reflect(engine)
    found: set[str] = set()
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    _strings(value, found)
    engine.dispose()
    return "\n".join(found)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Demo]]:
    """A server of its own on the demo seed: the other browser tests change the shared one's data."""
    root: Path = tmp_path_factory.mktemp("screens")
    url = _test_database_url(root, "_screens")
    fresh_database(url)
    server = start_server(root / "data", url, env=CLOCK_ENV)
    try:
        yield server, resolve(server.url)
    finally:
        server.stop()


def _foreign(texts: list[dict[str, str]], lang: str, data: str) -> list[str]:
    """Words of the other language that are not data."""
    found = []
    for item in texts:
        text = item["text"]
        words = [w for w in LATIN.findall(text) if w.lower() not in LATIN_OK] if lang == "zh" else CJK.findall(text)
        words = [w for w in words if w not in data]
        if words:
            found.append(f"{item['where']}: {text[:80]!r} ({', '.join(words[:4])})")
    return found


def _raw(texts: list[dict[str, str]], data: str) -> list[str]:
    found = []
    for item in texts:
        for match in RAW.findall(item["text"]):
            if match not in data:
                found.append(f"{item['where']}: {item['text'][:80]!r} ({match})")
    return found


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen_speaks_its_language(browser, demo_server, lang: str, size: str) -> None:  # type: ignore[no-untyped-def]
    server, demo = demo_server
    data = _data_text(server.database_url)
    problems: list[str] = []
    walked = 0
    for user, screens in SCREENS.items():
        phone = size == "phone"
        context, page = signed_in(browser, server.url, user, size, lang, demo.geolocation(screens[0]))
        home = HOMES[user]  # the address bar names the role's own first screen, not a rep's route
        page.wait_for_url(f"**/{home}")
        for screen in screens:
            where = f"{screen.slug} {size} {lang}"
            if screen.at_store:
                context.set_geolocation(demo.geolocation(screen))
            missing = show(page, screen, demo.route(screen))
            if missing:
                problems.append(f"{where}: did not show its data: {missing}")
                continue
            walked += 1
            texts = page.evaluate(TEXTS)
            other = "English" if lang == "zh" else "Chinese"
            if _foreign(texts, lang, data):  # the worker may have stored text since (an OCR reading)
                data = _data_text(server.database_url)
            problems += [f"{where}: {other} of ours: {p}" for p in _foreign(texts, lang, data)]
            problems += [f"{where}: raw text: {p}" for p in _raw(texts, data)]
            wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            if wide > 0:
                problems.append(f"{where}: {wide} px wider than the screen")
            if phone:
                problems += [f"{where}: tap target under 44 px: {p}" for p in page.evaluate(SMALL)]
            problems += [f"{where}: contrast under AA: {p}" for p in page.evaluate(CONTRAST)]
        context.close()
    assert walked == sum(len(s) for s in SCREENS.values()), problems
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(dict.fromkeys(problems))
