"""Serving the progressive web app: static files, and a service worker whose cache version
is the hash of the shell it precaches, so every change to the shell retires old caches
without anyone remembering to bump a number. JavaScript goes out without its whole-line comments
(``server/jscomments.py``): the source stays documented, the phone downloads less."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import lru_cache
from pathlib import Path

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File
from litestar.static_files import create_static_files_router

from server.jscomments import strip_comment_lines

# Files the service worker does not precache: itself, and anything not needed to start (the admin
# console and ``js/online/``: screens whose data is on the server, loaded when first opened). The PNG
# icons are for installing the app (the browser fetches them online then, and keeps them itself);
# the shell draws its icons as inline SVG, so they stay out of the phone's cache.
_NOT_PRECACHED = {"sw.js"}
_PRECACHED_SUFFIXES = {".html", ".js", ".css", ".webmanifest", ".svg", ".json"}


@lru_cache(maxsize=4)
def shell_manifest(pwa_dir: Path) -> tuple[str, tuple[str, ...]]:
    files = sorted(
        p
        for p in pwa_dir.rglob("*")
        if p.is_file()
        and p.suffix in _PRECACHED_SUFFIXES
        and p.name not in _NOT_PRECACHED
        and not {"admin", "online"} & set(p.relative_to(pwa_dir).parts)  # online-only pages load on use
    )
    digest = hashlib.sha256()
    urls = []
    for path in files:
        rel = path.relative_to(pwa_dir).as_posix()
        digest.update(rel.encode())
        digest.update(path.read_bytes())
        urls.append("/" if rel == "index.html" else f"/{rel}")
    return digest.hexdigest()[:12], tuple(urls)


@lru_cache(maxsize=256)
def _served_js(path: Path, mtime_ns: int, size: int) -> tuple[bytes, str]:
    """A script as served (whole-line comments blanked) and its ETag; cached per file version."""
    body = strip_comment_lines(path.read_text(encoding="utf-8")).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:20]}"'


def pwa_router(pwa_dir: Path) -> list[Router | HTTPRouteHandler]:
    scripts = (pwa_dir / "js").resolve()

    @get("/js/{path:path}", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
    async def script(request: Request, path: FromPath[Path]) -> Response[bytes] | File:
        file = (scripts / str(path).lstrip("/")).resolve()
        if scripts not in file.parents or not file.is_file():
            raise NotFoundException()
        if file.suffix != ".js":  # a stylesheet beside its online page: as it is
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return File(path=file, content_disposition_type="inline", media_type=kind)
        stat = file.stat()
        body, etag = _served_js(file, stat.st_mtime_ns, stat.st_size)
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers={"ETag": etag})
        return Response(body, media_type="text/javascript; charset=utf-8", headers={"ETag": etag})

    @get("/sw.js", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
    async def service_worker() -> Response[str]:
        version, urls = shell_manifest(pwa_dir)
        source = (pwa_dir / "sw.js").read_text()
        source = source.replace("__SHELL_VERSION__", version).replace("__SHELL_FILES__", json.dumps(urls))
        return Response(source, media_type="text/javascript; charset=utf-8")

    static = create_static_files_router(
        path="/",
        directories=[pwa_dir],
        html_mode=True,
        cache_control=CacheControlHeader(no_cache=True),
        name="pwa",
    )
    return [service_worker, script, static]
