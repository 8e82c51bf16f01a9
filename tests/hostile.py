"""Hostile values for tests, and a watch on a browser page that says whether any of them ran.

Every payload, if it ever runs, assigns ``window.__pwned``. The watch's init script (Playwright
injects it; the page's CSP does not apply to it) turns that assignment into a call to an exposed
binding, so a hit is recorded in Python even when the page navigates away or reloads afterwards.
It also records ``securitypolicyviolation`` events, console messages about the CSP, page errors
and dialogs. ``Watch.check`` then looks at the page itself: no element may carry an inline
``on...`` handler, a ``javascript:`` URL or an inline script (markup that came from data, whether
or not the CSP stopped it), and the values the screen shows must be there as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PWN = "window.__pwned=1"
PAYLOADS = {
    "img": f'<img src=x onerror="{PWN}">',  # markup
    "dq": f'"><svg onload={PWN}>',  # breaks out of a double-quoted attribute
    "sq": f"' onmouseover='{PWN}' data-x='",  # breaks out of a single-quoted attribute
    "js": f"javascript:{PWN}",  # a URL that runs
    "script": f"</script><script>{PWN}</script>",
    "textarea": f"</textarea><img src=x onerror={PWN}>",  # out of a <textarea> (notes, drafts)
    "title": f"</title><svg onload={PWN}>",  # out of an SVG <title> (the heat map's tips)
    "rtl": "\u202e<b>txt.exe</b>",  # right-to-left override
    "template": "{{7*7}} ${7*7} `${7*7}`",  # template syntax
}


def hostile(label: str, limit: int = 2000, *first: str) -> str:
    """``label`` (so a test can tell which field it sees), then as many payloads as fit in ``limit``:
    always the double-quote breaker (it is markup too, so it tests text and attributes alike), then
    the ones named in ``first``, then the others from a place that depends on the label's first word,
    so that fields too short for all of them still get different ones."""
    names = list(PAYLOADS)
    start = sum(map(ord, label.split("-")[0])) % len(names)
    chosen = ["dq", *first]
    order = [*chosen, *(n for n in names[start:] + names[:start] if n not in chosen)]
    out = label
    for name in order:
        if len(out) + 1 + len(PAYLOADS[name]) <= limit:
            out += " " + PAYLOADS[name]
    assert PAYLOADS["dq"] in out and len(out) <= limit, (label, limit)
    return out


INIT_SCRIPT = """(() => {
  let pwned = 0;
  Object.defineProperty(window, '__pwned', {
    configurable: false,
    get() { return pwned; },
    set(v) { pwned = v; try { window.__fvPwned(String(location.href)); } catch (e) { /* not bound */ } },
  });
  document.addEventListener('securitypolicyviolation', (e) => {
    try {
      const at = `${e.sourceFile}:${e.lineNumber}`;
      window.__fvCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${at} ${e.sample}`);
    } catch (err) { /* not bound */ }
  }, true);
})();"""

# Markup that only data can have brought: the app's own markup never carries inline handlers,
# javascript: URLs or inline scripts (tests/test_no_html_injection.py holds it to that).
INJECTED = """() => {
  const bad = [];
  const urls = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data']);
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        const js = urls.has(name) && /^\\s*javascript:/i.test(a.value);
        if (name.startsWith('on') || js) bad.push(`<${el.localName} ${a.name}="${a.value}">`);
      }
      if (el.localName === 'script' && !el.getAttribute('src')) bad.push(`inline <script>${el.textContent}</script>`);
      if (['iframe', 'object', 'embed'].includes(el.localName)) bad.push(`<${el.localName}>`);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return bad;
}"""

# What the page shows as text: rendered text, form values, option labels, SVG titles, alt/title/aria-label.
SHOWN = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea')) parts.push(el.value);
  for (const el of document.querySelectorAll('option, title')) parts.push(el.textContent);
  for (const el of document.querySelectorAll('[alt], [title], [aria-label]')) {
    parts.push(el.getAttribute('alt') || '', el.getAttribute('title') || '', el.getAttribute('aria-label') || '');
  }
  return parts.join('\\n');
}"""

# Text with a directional override (U+202A-202E, U+2066-2069) that nothing isolates: it reorders
# the text after it on the screen (a name can turn the time beside it around). Reported, not failed.
UNISOLATED = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/[\\u202a-\\u202e\\u2066-\\u2069]/.test(node.data)) continue;
    const el = node.parentElement;
    if (!el || el.closest('bdi, textarea, option, title')) continue;
    if (!/isolate|plaintext/.test(getComputedStyle(el).unicodeBidi)) found.push(el.localName);
  }
  return found;
}"""


@dataclass
class Watch:
    """Everything the pages of one browser context reported; ``check`` adds what a screen shows."""

    pwned: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wide: list[str] = field(default_factory=list)  # screens wider than the viewport (not a failure)
    bidi: list[str] = field(default_factory=list)  # screens with an override nothing isolates (not a failure)

    def attach(self, context: Any) -> Watch:
        context.expose_binding("__fvPwned", lambda source, href: self.pwned.append(str(href)))
        context.expose_binding("__fvCsp", lambda source, text: self.csp.append(str(text)))
        context.add_init_script(INIT_SCRIPT)
        return self

    def page(self, context: Any) -> Any:
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("dialog", self._dialog)
        return page

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, page: Any, where: str, shown: list[str] | tuple[str, ...] = ()) -> None:
        """After a screen has rendered: nothing ran, nothing was blocked, no markup came from data,
        and each of ``shown`` is on the screen as text."""
        page.wait_for_timeout(150)  # let an <img onerror> or <svg onload> fire, if one was made
        pwned = page.evaluate("() => window.__pwned")
        found = {
            "a payload ran": self.pwned + ([f"window.__pwned={pwned!r}"] if pwned else []),
            "markup from data": page.evaluate(INJECTED),
            "CSP violation": self.csp,
            "CSP console message": self.console,
            "dialog": self.dialogs,
            "page error": self.errors,
        }
        for name, items in found.items():
            if items:
                self.problems.append(f"{where} {name}: {_gist(items)}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if page.viewport_size and width > page.viewport_size["width"] + 1:
            self.wide.append(f"{where} ({width}px)")
        unisolated = page.evaluate(UNISOLATED)
        if unisolated:
            self.bidi.append(f"{where} ({len(unisolated)}× in {', '.join(sorted(set(unisolated)))})")
        text = page.evaluate(SHOWN)
        missing = [value for value in shown if value not in text]
        if missing:
            self.problems.append(f"{where} not shown as text: {_gist([json.dumps(m) for m in missing])}")
        for seen in (self.pwned, self.csp, self.console, self.dialogs, self.errors):
            seen.clear()


def _gist(items: list[str]) -> str:
    """A few of ``items``, each once and short, and how many there were."""
    unique = list(dict.fromkeys(items))
    shown = "; ".join(item if len(item) <= 110 else item[:107] + "..." for item in unique[:3])
    return f"{len(items)}× {shown}" + (f" (+{len(unique) - 3} more kinds)" if len(unique) > 3 else "")
