"""Liveness and readiness."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alex.api.deps import EngineDep, SettingsDep
from alex.api.models import Health, Readiness
from alex.core.errors import AuthenticationError, NotFoundError
from alex.core.metrics import exposition
from alex.jobs.metrics import JobStatusCollector

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    # Alembic is imported by the readiness check, not with the app: a cold start that only
    # answers /health or an API route does not pay for it.
    from alembic.script import ScriptDirectory

    from alex.db.migrate import MIGRATIONS_DIR, alembic_config

    config = alembic_config("sqlite://")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def migration_heads() -> frozenset[str]:
    return frozenset(_scripts().get_heads())


SchemaState = Literal["ready", "missing", "unreachable", "empty", "behind", "unknown_revision"]


@dataclass(frozen=True)
class DatabaseStatus:
    """What is wrong with the database, if anything, in words an operator can act on.
    `detail` is safe to show anyone; `reason` (the driver's own first line, e.g. "connection
    refused") is for the operator's terminal and logs only."""

    state: SchemaState
    detail: str | None = None
    reason: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def reachable(self) -> bool:
        return self.state not in ("missing", "unreachable")


def database_status(engine: Engine) -> DatabaseStatus:
    """Reachable, and at this code's latest migration? Never creates or changes anything (a
    missing SQLite file is reported, not created by connecting to it)."""
    url = engine.url
    path = url.database
    on_disk = url.get_backend_name() == "sqlite" and path and path != ":memory:"
    if on_disk and not Path(str(path)).exists():
        return DatabaseStatus(
            "missing", "there is no database file: run `alex db upgrade`", f"looked for {path}"
        )
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        return DatabaseStatus("unreachable", "cannot connect to the database", reason)
    heads = migration_heads()
    if current == heads:
        return DatabaseStatus("ready")
    wanted = ", ".join(sorted(heads))
    if not current:
        return DatabaseStatus(
            "empty", "the database has not been migrated (no schema version): run `alex db upgrade`"
        )
    found = ", ".join(sorted(current))
    known = {script.revision for script in _scripts().walk_revisions()}
    if not current <= known:
        return DatabaseStatus(
            "unknown_revision",
            f"the database is at revision {found}, which this version of Alex does not know "
            f"(it needs {wanted}; was the database migrated by a newer version?)",
        )
    return DatabaseStatus(
        "behind",
        f"the database is at revision {found} and this version needs {wanted}: "
        "run `alex db upgrade`",
    )


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    """Prometheus exposition (ALEX_METRICS_ENABLED); with ALEX_METRICS_TOKEN set, only for
    `Authorization: Bearer <that token>`."""
    if not settings.metrics_enabled:
        raise NotFoundError("metrics are disabled (ALEX_METRICS_ENABLED=false)")
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise AuthenticationError("metrics need the bearer token in ALEX_METRICS_TOKEN")
    body, content_type = exposition(JobStatusCollector(engine))
    return Response(body, media_type=content_type)


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(engine: EngineDep) -> Readiness | JSONResponse:
    """The database answers and its schema is at the latest migration."""
    # When not, `detail` says which (no file, unreachable, never migrated, behind, newer) and
    # what to run; the driver's own error goes to the log only.
    status = database_status(engine)
    if status.ready:
        return Readiness(status="ready", database=True, migrations_at_head=True)
    log.warning("not ready", extra={"state": status.state, "error": status.reason})
    body = Readiness(
        status="not_ready",
        database=status.reachable,
        migrations_at_head=False,
        detail=status.detail,
    )
    return JSONResponse(body.model_dump(), status_code=503)
