"""A worker process killed (SIGKILL) after it has stored a section, on SQLite and PostgreSQL:
another worker picks the job up once the dead one's lease has run out, says it is attempt 2
and why, and completes it exactly once; the stored sections are overwritten, not duplicated.

The kill lands at a known point of the real pipeline, not inside an artificial delay: the
worker (`crashing_worker.py`) prints each job event as it is written, and its retirement
specialist waits on a model that never answers, so the test reads events until the report
and the charts are stored, then kills it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine

from alex.agents.planner.job_runner import planner_job_runner
from alex.core.config import PROJECT_ROOT, Settings
from alex.db import repository as repo
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.jobs.leases import STOPPED_REASON
from alex.jobs.worker import Worker
from tests.jobs.conftest import WallClock, load

LEASE_SECONDS = 30
SECTIONS_STORED_FIRST = {"reporter", "charter"}


def start_doomed_worker(engine: Engine, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ALEX_")},
        "ALEX_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ALEX_VAR_DIR": str(tmp_path / "var"),
        "ALEX_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.crashing_worker", env["ALEX_DATABASE_URL"]],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "doomed.log").open("w"),
        text=True,
    )


def read_until_sections_stored(proc: subprocess.Popen[str]) -> set[str]:
    """The agents whose section the worker has stored, read from its event stream until both
    early sections are in (or the stream ends: the watchdog killed a stuck worker)."""
    stored: set[str] = set()
    assert proc.stdout is not None
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            event = json.loads(line)
            if event["kind"] == "completed" and event["agent"] in SECTIONS_STORED_FIRST:
                stored.add(event["agent"])
            if stored == SECTIONS_STORED_FIRST:
                break
    finally:
        watchdog.cancel()
    return stored


async def test_worker_killed_after_storing_a_section_is_recovered_once(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    with session_scope(engine) as session:
        job_id = repo.create_job(session, "demo", "portfolio_analysis", {}).id

    doomed = start_doomed_worker(engine, tmp_path)
    try:
        stored = read_until_sections_stored(doomed)
        assert stored == SECTIONS_STORED_FIRST, (tmp_path / "doomed.log").read_text()
        crashed = load(engine, job_id)
        assert (crashed.status, crashed.attempts) == ("running", 1)
        assert crashed.report_payload is not None and crashed.charts_payload is not None
        assert crashed.retirement_payload is None  # still waiting for its model
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(30)

    # Another worker, once the dead one's lease has run out (its clock moved, not waited for).
    clock = WallClock()
    clock.advance(LEASE_SECONDS + 1)
    settings = Settings(job_lease_seconds=LEASE_SECONDS, job_max_attempts=3)
    rescuer = Worker(engine, settings, runner=planner_job_runner, wall_clock=clock)
    assert await rescuer.run_once() is True
    assert await rescuer.run_once() is False  # nothing left to do

    job = load(engine, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("completed", 2, None)
    assert job.report_payload is not None  # the second attempt's, in the same one place
    assert job.retirement_payload is not None and job.summary_payload is not None
    with session_scope(engine) as session:
        assert len(repo.list_jobs(session, "demo")) == 1
        timeline = list(repo.list_events(session, job_id))
    assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
    retry = [e for e in timeline if e.data and "attempt" in e.data]
    assert [(r.agent, r.kind, r.data) for r in retry] == [
        ("planner", "progress", {"attempt": 2, "max_attempts": 3, "reason": STOPPED_REASON})
    ]
    assert retry[0].message == f"Attempt 2 of 3 — {STOPPED_REASON}"
    first, second = timeline[: timeline.index(retry[0])], timeline[timeline.index(retry[0]) :]
    done = ("planner", "completed")
    assert [(e.agent, e.kind) for e in first].count(done) == 0
    assert [(e.agent, e.kind) for e in second].count(done) == 1
    for agent in ("reporter", "charter", "retirement"):
        assert [(e.agent, e.kind) for e in second].count((agent, "completed")) == 1
    assert not any(e.agent == "retirement" and e.kind == "completed" for e in first)
