"""`alex worker` processes against a real PostgreSQL database: SIGTERM lets a worker finish
its job first; several workers share the jobs. (A worker killed mid-job: test_crash_recovery.)

The offline pipeline finishes in about half a second, so for the SIGTERM test the worker runs
with ALEX_WORKER_JOB_DELAY_SECONDS: after claiming a job it holds it that long before running
it, which is when the signal arrives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import undefer

from alex.db import repository as repo
from alex.db.models import Base, Job
from alex.db.seed import ensure_demo_user, seed_instruments
from alex.db.session import session_scope
from tests.jobs.conftest import ProcessOutput, start_process, wait_for_all

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("pg-workers")]


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("_migrated_postgres")
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with session_scope(engine) as session:
        seed_instruments(session)
        ensure_demo_user(session)
    return engine


class Workers:
    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ALEX_")},
            "ALEX_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "ALEX_VAR_DIR": str(tmp_path / "var"),
            "ALEX_QUEUE": "postgres",
            "ALEX_JOB_LEASE_SECONDS": "1.5",
            "ALEX_WORKER_POLL_SECONDS": "0.1",
            "ALEX_LOG_FORMAT": "json",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[str]] = []
        self.outputs: list[ProcessOutput] = []
        self.changed = threading.Condition()  # one for every worker's output

    def start(self, name: str, **env: str) -> tuple[subprocess.Popen[str], ProcessOutput]:
        proc, output = start_process(
            [sys.executable, "-m", "alex.cli", "worker"],
            {**self.env, **env},
            self.tmp_path / f"{name}.log",
            self.changed,
        )
        self.procs.append(proc)
        self.outputs.append(output)
        return proc, output

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


@pytest.fixture
def workers(pg_engine: Engine, tmp_path: Path) -> Iterator[Workers]:
    w = Workers(pg_engine, tmp_path)
    yield w
    w.stop_all()


def _job(engine: Engine) -> uuid.UUID:
    with session_scope(engine) as session:
        return repo.create_job(session, "demo", "portfolio_analysis", {}).id


def _load(engine: Engine, job_id: uuid.UUID) -> Job:
    with session_scope(engine) as session:
        # Every column, payloads included: the test reads them after the session closes.
        job = session.get(Job, job_id, options=[undefer("*")])
        assert job is not None
        session.expunge(job)
        return job


def test_sigterm_lets_the_current_job_finish(pg_engine: Engine, workers: Workers) -> None:
    job_id = _job(pg_engine)
    worker, output = workers.start("graceful", ALEX_WORKER_JOB_DELAY_SECONDS="1")
    output.wait_for("job claimed")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    output.wait_for("worker stopped")
    assert _load(pg_engine, job_id).status == "completed"
    text = output.text()
    assert text.index("job finished") < text.index("worker stopped")


def test_several_workers_share_jobs(pg_engine: Engine, workers: Workers) -> None:
    ids = [_job(pg_engine) for _ in range(6)]
    for name in ("w1", "w2"):
        workers.start(name)
    wait_for_all(workers.outputs, "job finished", len(ids))
    assert all(_load(pg_engine, j).status == "completed" for j in ids)
    assert all(_load(pg_engine, j).attempts == 1 for j in ids)
