"""`alex serve`: the API, the web app and (queue=local) the in-process job workers."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn

from alex.core.config import Settings
from alex.core.metrics import use_multiprocess_dir

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The server cannot usefully start; the message is one line saying why and what to do."""


def check_database(settings: Settings) -> None:
    """Refuse to start on a database that cannot serve requests, rather than answer every
    sign-in with a 500. The embedded SQLite default (ALEX_DATABASE_URL unset) is Alex's own
    file, so it is created and migrated here: `alex serve` works on a fresh clone. A database
    someone configured is migrated by them (`alex db upgrade`), never behind their back."""
    from alex.api.routes.health import database_status
    from alex.db.migrate import upgrade
    from alex.db.session import engine_for

    engine = engine_for(settings.resolved_database_url)
    status = database_status(engine)
    if not settings.database_url and status.state in ("missing", "empty", "behind"):
        upgrade(settings.resolved_database_url)
        log.info("migrated the embedded SQLite database", extra={"was": status.state})
        status = database_status(engine)
    if not status.ready:
        where = engine.url.render_as_string(hide_password=True)
        reason = f" ({status.reason})" if status.reason else ""
        raise StartupError(f"{where}: {status.detail}{reason}")


def serve(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int = 1
) -> None:
    """Run uvicorn. With `workers` > 1 each process builds the app from the environment (and,
    with ALEX_QUEUE=local, runs its own job workers; leases keep them from colliding)."""
    from alex.api.app import create_app

    check_database(settings)
    if workers > 1:
        # Each process counts its own requests; /metrics merges them from this directory.
        use_multiprocess_dir(settings.var_dir / "prometheus")
    app: Any = create_app(settings) if workers == 1 else "alex.api.app:create_app"
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,  # keep Alex's structured logging
        access_log=False,  # the security middleware logs requests with the user id
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
    )
