"""The app's scripts go out without their whole-line comments, and nothing else changes: every
line of every script is either as written or a blanked ``//`` line (the browser walks run the
result); comments inside template literals and block comments are text, never touched."""

from __future__ import annotations

from litestar.testing import TestClient

from server.jscomments import strip_comment_lines
from server.settings import Settings

TRICKY = """const a = `x
  // inside a template
${f(`
  // nested
`)}`;
// real
const r = /[`'"]/g; // after code: kept
  // indented
const u = 'http://x' + "//y"; const d = a / 2 / 3;
/* block
// inside a block comment
*/
const t = html`<p>${x.map((y) => html`<i>${y}</i>`)}</p>
// in a template again
`;
"""


def test_only_whole_comment_lines_at_code_level_go() -> None:
    out = strip_comment_lines(TRICKY).split("\n")
    src = TRICKY.split("\n")
    blanked = [s for s, o in zip(src, out, strict=True) if s != o]
    assert blanked == ["// real", "  // indented"]
    assert all(o == "" for s, o in zip(src, out, strict=True) if s != o)


def test_every_script_keeps_its_lines_and_code(settings: Settings) -> None:
    scripts = sorted(settings.pwa_dir.rglob("*.js"))
    assert len(scripts) > 20
    for path in scripts:
        src = path.read_text().split("\n")
        out = strip_comment_lines(path.read_text()).split("\n")
        assert len(out) == len(src), path  # stack traces keep their line numbers
        for before, after in zip(src, out, strict=True):
            assert after == before or (after == "" and before.lstrip().startswith("//")), (path, before)


def test_served_without_comments_with_an_etag(app_client: TestClient, settings: Settings) -> None:
    response = app_client.get("/js/state.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in response.headers["cache-control"]
    source = (settings.pwa_dir / "js" / "state.js").read_text()
    assert response.text == strip_comment_lines(source) and len(response.text) < len(source)
    assert not [line for line in response.text.split("\n") if line.lstrip().startswith("//")]
    again = app_client.get("/js/state.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert app_client.get("/js/online/team-screen.js").status_code == 200
    style = app_client.get("/js/online/online.css")  # a stylesheet beside its page: as written
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert style.content == (settings.pwa_dir / "js" / "online" / "online.css").read_bytes()
    for bad in ("/js/..%2fsw.js", "/js/nope.js", "/js/..%2f..%2fserver%2fsettings.py", "/js/online"):
        assert app_client.get(bad).status_code == 404, bad
