"""Liveness and readiness."""

from __future__ import annotations

import hmac
import logging
from functools import lru_cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alex.api.deps import EngineDep, SettingsDep
from alex.api.models import Health, Readiness
from alex.core.errors import AuthenticationError, NotFoundError
from alex.core.metrics import exposition
from alex.db.migrate import MIGRATIONS_DIR, alembic_config

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    config = alembic_config("sqlite://")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


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
    body, content_type = exposition(engine)
    return Response(body, media_type=content_type)


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(engine: EngineDep) -> Readiness | JSONResponse:
    """The database answers and its schema is at the latest migration."""
    try:
        with engine.connect() as conn:
            current = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except SQLAlchemyError as exc:
        log.warning("readiness check failed", extra={"error": str(exc).splitlines()[0]})
        body = Readiness(
            status="not_ready",
            database=False,
            migrations_at_head=False,
            detail="database unavailable",
        )
        return JSONResponse(body.model_dump(), status_code=503)
    at_head = current == set(migration_heads())
    if not at_head:
        body = Readiness(
            status="not_ready",
            database=True,
            migrations_at_head=False,
            detail="run `alex db upgrade`",
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return Readiness(status="ready", database=True, migrations_at_head=True)
