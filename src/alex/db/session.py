"""Engine and session factory for the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from alex.core.config import get_settings
from alex.db.dataapi.dialect import register as register_data_api

register_data_api()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        pool: dict[str, int] = {}
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # A file database gets a queue pool; keep enough connections open for the API's
            # concurrent requests so none is opened (and PRAGMA-configured) per request.
            pool = {"pool_size": 8, "max_overflow": 8}
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql+dataapi"):
        # No pre-ping: a Data API "connection" is a boto3 client and a transaction id, with no
        # socket to go stale. The pool bounds concurrent transactions, as for psycopg.
        return create_engine(
            url, echo=echo, pool_size=10, max_overflow=20, connect_args=_data_api_args(url)
        )
    return create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
    )


def _data_api_args(url: str) -> dict[str, Any]:
    """ALEX_AWS_ENDPOINT_URL, unless the URL names its own endpoint."""
    endpoint = get_settings().aws_endpoint_url
    if endpoint and "endpoint_url" not in make_url(url).query:
        return {"endpoint_url": endpoint}
    return {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url, echo=get_settings().database_echo)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
