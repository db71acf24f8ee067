"""A worker whose database is away backs off (a doubling delay, one log line per attempt) and
says once when it is back, then runs the waiting job. The outage is real (an engine on a closed
port); the clock and the pauses are injected, so nothing sleeps."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db.session import make_engine
from alex.jobs.worker import MAX_BACKOFF_SECONDS, Backoff, Worker
from tests.jobs.conftest import Recorder, load

OUTAGE_ATTEMPTS = 9


async def test_database_outage_backs_off_then_recovers(
    engine: Engine,
    job_settings: Settings,
    new_job: Callable[[], uuid.UUID],
    caplog: pytest.LogCaptureFixture,
) -> None:
    job_id = new_job()
    down = make_engine("postgresql+psycopg://alex:pw@127.0.0.1:1/alex")
    now = [1000.0]
    pauses: list[float] = []
    stop = threading.Event()
    recorder = Recorder()

    async def runner(
        job: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        await recorder(job, engine=engine, lease_owner=lease_owner)
        stop.set()

    async def pause(_stop: threading.Event, seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds
        if len(pauses) == OUTAGE_ATTEMPTS:
            worker.engine = engine  # the database is back

    settings = job_settings.model_copy(update={"worker_poll_seconds": 0.5})
    worker = Worker(
        down, settings, runner=runner, pause=pause, clock=lambda: now[0], jitter=lambda: 1.0
    )
    with caplog.at_level(logging.INFO, logger="alex.jobs.worker"):
        await worker.run(stop)

    assert pauses == [min(0.5 * 2**n, MAX_BACKOFF_SECONDS) for n in range(OUTAGE_ATTEMPTS)]
    assert pauses[-3:] == [MAX_BACKOFF_SECONDS] * 3
    failures = [r for r in caplog.records if "claiming jobs failed" in r.getMessage()]
    assert len(failures) == OUTAGE_ATTEMPTS
    for n, record in enumerate(failures, start=1):
        assert record.exc_info is None  # one line, no traceback
        assert "\n" not in record.getMessage()
        assert f"(attempt {n})" in record.getMessage()
        assert "OperationalError" in record.getMessage()
    recovered = [r.getMessage() for r in caplog.records if "recovered" in r.getMessage()]
    assert recovered == [
        f"claiming jobs recovered after {OUTAGE_ATTEMPTS} failed attempts over 121.5 s"
    ]
    assert recorder.runs == [job_id]
    assert load(engine, job_id).status == "completed"
    down.dispose()


def test_backoff_is_capped_jittered_and_resets(caplog: pytest.LogCaptureFixture) -> None:
    draws = iter([0.0, 1.0, 0.5, 0.0])
    backoff = Backoff("polling", base=1.0, cap=4.0, clock=lambda: 0.0, jitter=lambda: next(draws))
    error = ConnectionError("refused")
    assert [backoff.failed(error) for _ in range(4)] == [0.5, 2.0, 3.0, 2.0]
    backoff.succeeded()
    assert backoff.failures == 0
    caplog.clear()
    with caplog.at_level(logging.INFO):
        backoff.succeeded()  # nothing to report when nothing failed
    assert not caplog.records


def test_an_unexpected_error_shows_its_traceback_once(caplog: pytest.LogCaptureFixture) -> None:
    backoff = Backoff("polling", base=1.0, jitter=lambda: 1.0)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            backoff.failed(KeyError("bug"))
    assert [r.exc_info is not None for r in caplog.records] == [True, False, False]
