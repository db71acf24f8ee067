"""Liveness and readiness."""

from __future__ import annotations

import logging
from functools import lru_cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alex.api.deps import EngineDep
from alex.api.models import Health, Readiness
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
