"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar, get
from litestar.concurrency import get_asyncio_executor
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from server import clock
from server.db import migrate
from server.deps import provide_actor, provide_db
from server.domains import DOMAINS, install
from server.errors import EXCEPTION_HANDLERS
from server.jobs.controller import JobAdminController
from server.jobs.worker import Worker
from server.nulguard import NulGuardedRequest, nul_guard
from server.openapi import document_errors
from server.pwa import pwa_router
from server.registry import Domain
from server.replication.controller import BlobController, SyncController
from server.security import security_layer
from server.settings import Settings, get_settings
from server.status import StatusController


@get("/api/health", tags=["meta"], sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


_HANDLER_THREADS = 32


def create_app(
    settings: Settings | None = None, *, run_migrations: bool = True, domains: Sequence[Domain] = DOMAINS
) -> Litestar:
    """The app with these domains (``server/domains.py``): their routes, sync rules and jobs."""
    settings = settings or get_settings()
    if settings.clock is not None:
        clock.start(settings.clock)
    install(domains)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workers: list[Worker] = []

    async def _startup() -> None:
        # Sync handlers wait on the database; the loop's default pool (cores + 4) is too small for that.
        if get_asyncio_executor() is None:
            asyncio.get_running_loop().set_default_executor(
                ThreadPoolExecutor(max_workers=_HANDLER_THREADS, thread_name_prefix="fv-handler")
            )
        if run_migrations:
            await asyncio.to_thread(migrate, settings)
        if settings.jobs_embedded:
            worker = Worker(settings)
            worker.start()
            workers.append(worker)

    async def _shutdown() -> None:
        for worker in workers:
            await asyncio.to_thread(worker.stop)
        workers.clear()

    app = Litestar(
        route_handlers=[
            health,
            SyncController,
            BlobController,
            JobAdminController,
            StatusController,
            *(route for domain in domains for route in domain.routes),
            *pwa_router(settings.pwa_dir),
        ],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "db": Provide(provide_db),
            "actor": Provide(provide_actor, sync_to_thread=True),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        on_startup=[_startup],
        on_shutdown=[_shutdown],
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6, minimum_size=500),
        request_max_body_size=settings.max_json_bytes,
        request_class=NulGuardedRequest,
        openapi_config=OpenAPIConfig(
            title="Fieldvisit API",
            version="0.1.0",
            path="/api/docs",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        debug=False,
    )
    document_errors(app)
    # Around everything, routing's own 404/405 answers included (app middleware wraps only routes);
    # inside it, no NUL character passes (server/nulguard.py).
    app.asgi_handler = security_layer(hsts=settings.cookie_secure, allowed_origins=settings.allowed_origins)(
        nul_guard(app.asgi_handler)  # type: ignore[arg-type]
    )  # type: ignore[assignment]
    return app
