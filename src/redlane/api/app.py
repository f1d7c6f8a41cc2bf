"""The application factory."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from redlane import __version__
from redlane.api.engines import Engines
from redlane.api.jobs import Job, JobRunner
from redlane.api.problems import BodySizeLimit, SecurityHeaders, install_problem_handlers
from redlane.api.routers import (
    actions,
    actors,
    admin,
    brands,
    cases,
    feeds,
    ports,
    quarantine,
    screening,
    system,
    targeting,
    webhooks,
)
from redlane.api.security import LoginLimiter, load_secret_key
from redlane.api.state import ServiceState
from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse
from redlane.store import audit
from redlane.store.db import session_scope

log = logging.getLogger(__name__)

DESCRIPTION = """
The redlane service: partner feeds in, explained targeting out, every read of personal data
and every decision audited.

**Authentication**: `POST /v1/auth/login` (OAuth2 password form or JSON) returns a bearer
token valid for 15 minutes; partner machines send `X-API-Key`. **Authorisation**: each route
lists the roles it serves; admins pass everywhere; customs officers see only their ports.
**Errors** are RFC 9457 problem details (`application/problem+json`). Bodies are limited to
1 MB (50 MB for feed uploads).
"""


def _audit_job(database_url: str) -> Callable[[Job], None]:
    def on_done(job: Job) -> None:
        with session_scope(database_url) as session:
            audit.append(
                session,
                actor=job.submitted_by,
                action="feed.ingest",
                object_type="upload_job",
                object_ids=[job.id],
                reason="partner feed upload",
                partner_id=job.partner,
                details={
                    "status": job.status,
                    "batch_id": (job.result or {}).get("batch_id"),
                    "error": job.error,
                },
            )

    return on_done


def _warm_and_freeze(engines: Engines) -> None:
    """Load the engines, then move everything alive into the GC's permanent generation.

    The warm screener and matcher are millions of long-lived objects; a full collection scans
    them all (≈150 ms of CPU on the demo home) and stalls every request in flight. Frozen
    objects are skipped by every later collection (they are still freed by reference count).
    """
    engines.warm()
    gc.collect()
    gc.freeze()


def create_app(
    home: Path | None = None,
    database_url: str | None = None,
    *,
    engines: Engines | None = None,
    limiter: LoginLimiter | None = None,
    prepare_store: bool = True,
    warm_engines: bool = False,
    secure_cookies: bool = False,
) -> FastAPI:
    """Build the service. Settings come from ``REDLANE_*`` unless given.

    ``prepare_store`` migrates the store and adds the default partners at startup.
    ``warm_engines`` loads the screener and matcher at startup instead of on first use.
    """
    settings = get_settings()
    root = home or settings.home
    url = database_url or settings.database
    warehouse_path = settings.warehouse_path if home is None else root / "warehouse"
    root.mkdir(parents=True, exist_ok=True)
    on_done = _audit_job(url)
    state = ServiceState(
        home=root,
        database_url=url,
        warehouse_path=warehouse_path,
        secret_key=load_secret_key(root),
        engines=engines or Engines(root),
        jobs=JobRunner(
            root,
            lambda: Warehouse(warehouse_path),
            on_done,
            settings.duckdb_memory_limit,
        ),
        limiter=limiter or LoginLimiter(),
        secure_cookies=secure_cookies,
    )

    stop_following = threading.Event()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if prepare_store:
            from redlane.store.migrate import ensure_schema
            from redlane.store.partners import ensure_default_partners

            ensure_schema(url)
            with session_scope(url) as session:
                ensure_default_partners(session)
        if warm_engines:
            # In the background: the service answers (health, login, console) while models
            # load; a screening request meanwhile waits for the load instead of failing.
            threading.Thread(
                target=_warm_and_freeze, args=(state.engines,), name="warm-engines", daemon=True
            ).start()
            # Rules, lookouts, takedowns and resolution runs reach the warm screener as events.
            from redlane.api import follow

            follow.start(state.engines, url, stop_following)
        yield
        stop_following.set()
        state.jobs.close()
        if state.audit_buffer is not None:
            state.audit_buffer.close()

    app = FastAPI(
        title="redlane",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by the console from local files (works offline)
        redoc_url=None,
    )
    app.state.redlane = state
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    for module in (
        system,
        feeds,
        screening,
        ports,
        actors,
        targeting,
        quarantine,
        admin,
        cases,
        actions,
        brands,
        webhooks,
    ):
        app.include_router(module.router)
    app.include_router(system.me_router)

    from redlane.api import web  # the pages (Jinja2, ~0.2 s) load with the app, not the module

    web.install(app)

    @app.get("/", include_in_schema=False)
    def root_page() -> RedirectResponse:
        return RedirectResponse("/console/login", status_code=303)

    return app
