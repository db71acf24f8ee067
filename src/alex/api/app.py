"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool, SingletonThreadPool, StaticPool

from alex.agents.planner.job_runner import planner_job_runner
from alex.api import errors, security
from alex.api.ratelimit import SharedLimiter
from alex.api.routes import (
    accounts,
    auth,
    changes,
    exports,
    health,
    imports,
    instruments,
    jobs,
    knowledge,
    portfolio,
    positions,
    retirement,
    user,
)
from alex.api.static import NextStaticFiles, placeholder
from alex.auth import Authenticator, make_authenticator
from alex.auth.revocations import Revocations
from alex.core.config import Settings, get_settings
from alex.core.heap import freeze_startup_heap
from alex.db.rate_limits import DatabaseStorage
from alex.db.session import engine_for, session_factory
from alex.jobs.factory import make_queue
from alex.jobs.queue import JobQueue
from alex.jobs.runner import JobRunner
from alex.prices.schedule import start_periodic_refresh, stop_periodic_refresh

log = logging.getLogger(__name__)

DESCRIPTION = """Alex, an AI financial planner.

Every `/api` route except `/api/auth/*` needs `Authorization: Bearer <token>`: a token from
`/api/auth/signin`, `/api/auth/signup` or `/api/auth/demo` (built-in accounts) or a Clerk
session token (`ALEX_AUTH=clerk`). Errors are `{"detail": "…"}`, or FastAPI's validation list
for 422 (each with a `loc` naming the field). 429 carries `Retry-After`."""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    authenticator: Authenticator | None = None,
    queue: JobQueue | None = None,
    runner: JobRunner | None = None,
    start_workers: bool = True,
) -> FastAPI:
    """Build the app. Everything has a default from settings; tests inject doubles (an
    in-process Clerk JWKS, a job runner) through the keyword arguments. The job runner is
    chosen here, at the entry point: the queue runs whatever it is handed (the planner)."""
    settings = settings or get_settings()
    engine = engine or engine_for(settings.resolved_database_url)
    authenticator = authenticator or make_authenticator(settings)
    queue = queue or make_queue(settings, engine, runner=runner or planner_job_runner)

    revocations = Revocations()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await load_revocations(revocations, engine)
        poller = asyncio.create_task(
            poll_revocations(revocations, engine, settings.revocation_poll_seconds)
        )
        if start_workers:
            queue.start()
        # Periodic price refresh (ALEX_PRICE_REFRESH_MINUTES; off by default).
        price_refresher = start_periodic_refresh(settings, engine)
        freeze_startup_heap()  # the agent stack, if a worker preloads it, freezes it again
        log.info(
            "Alex API ready",
            extra={"auth": settings.auth, "queue": queue.kind, "db": engine.dialect.name},
        )
        try:
            yield
        finally:
            poller.cancel()
            await stop_periodic_refresh(price_refresher)
            queue.stop()

    app = FastAPI(
        title="Alex API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.auth = authenticator
    app.state.revocations = revocations
    app.state.queue = queue
    limits = DatabaseStorage(engine)
    app.state.write_limiter = SharedLimiter(
        limits, settings.write_rate_per_minute, "changes", namespace="writes"
    )
    app.state.signin_limiter = SharedLimiter(
        limits, settings.signin_rate_per_minute, "sign-in attempts", namespace="signin"
    )
    app.state.db_slots = asyncio.Semaphore(request_db_slots(engine, settings))

    errors.install(app)
    security.install(app, settings)
    for router in (
        health.router,
        auth.router,
        auth.jwks_router,
        user.router,
        accounts.router,
        positions.router,
        imports.router,
        instruments.router,
        jobs.router,
        exports.router,
        changes.router,
        portfolio.router,
        retirement.router,
        knowledge.router,
    ):
        app.include_router(router)
    _mount_frontend(app, settings)
    return app


async def poll_revocations(
    revocations: Revocations,
    engine: Engine,
    every: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Pick up sign-outs and deletions made through other processes. A failed poll (database
    briefly away) is logged and retried; requests keep the list as last loaded."""
    while True:
        await sleep(every)
        try:
            await load_revocations(revocations, engine)
        except Exception:  # anything else would end the loop and freeze the list unnoticed
            log.exception("token revocation poll failed; will retry")


async def load_revocations(revocations: Revocations, engine: Engine) -> None:
    try:
        await run_in_threadpool(revocations.refresh, engine)
    except SQLAlchemyError as exc:  # e.g. not migrated yet: /ready says so; the poller retries
        log.warning(
            "could not load token revocations; will retry",
            extra={"error": str(exc).splitlines()[0]},
        )


def request_db_slots(engine: Engine, settings: Settings) -> int:
    """How many requests may hold a database session at once: the pool's persistent
    connections. Its overflow is left to the in-process workers and their heartbeats; letting
    requests into the overflow would open and close a connection per request under load."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        if settings.queue == "local" and pool._max_overflow < 2 * settings.local_workers:
            return max(1, pool.size() - 2 * settings.local_workers)
        return pool.size()
    # SingletonThreadPool / StaticPool share one connection; NullPool has no limit
    return 1 if isinstance(pool, SingletonThreadPool | StaticPool) else 64


def _mount_frontend(app: FastAPI, settings: Settings) -> None:
    """Mounted last, so every API route wins over a static path."""
    if settings.frontend_dir.is_dir():
        app.mount("/", NextStaticFiles(directory=settings.frontend_dir, html=True), name="web")
        return

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def index() -> Any:
        return placeholder()
