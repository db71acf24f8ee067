"""`alex serve`: the API, the web app and (queue=local) the in-process job workers."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn

from alex.core.config import Settings
from alex.core.metrics import use_multiprocess_dir

log = logging.getLogger(__name__)


def serve(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int = 1
) -> None:
    """Run uvicorn. With `workers` > 1 each process builds the app from the environment (and,
    with ALEX_QUEUE=local, runs its own job workers; leases keep them from colliding)."""
    from alex.api.app import create_app

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
