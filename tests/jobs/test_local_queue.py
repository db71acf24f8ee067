"""The embedded profile: workers inside the API process run jobs the API enqueues."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.seed import seed_instruments
from alex.db.session import session_scope
from alex.jobs.runner import JobRunner
from tests.jobs.conftest import Recorder


def _client(settings: Settings, engine: Engine, runner: JobRunner | None) -> TestClient:
    with session_scope(engine) as session:
        seed_instruments(session)
    return TestClient(create_app(settings, engine=engine, runner=runner))


def _wait_for(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("completed", "failed"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture
def demo(job_settings: Settings, engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with _client(job_settings, engine, Recorder()) as client:
        token = client.post("/api/auth/demo").json()["access_token"]
        yield client, {"Authorization": f"Bearer {token}"}


def test_local_workers_run_enqueued_jobs(demo: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = demo
    started = time.perf_counter()
    job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
    assert time.perf_counter() - started < 0.5
    job = _wait_for(client, headers, job_id)
    assert job["status"] == "completed"
    assert job["attempts"] == 1


def test_restart_picks_up_leftover_jobs(job_settings: Settings, engine: Engine) -> None:
    """Jobs left pending (server stopped before a worker took them) or running with an
    expired lease (server killed mid-job) are run when the server starts again."""
    from datetime import timedelta

    from alex.db.types import utcnow

    with session_scope(engine) as session:
        repo.get_or_create_user(session, "restart_user")
        pending = repo.create_job(session, "restart_user", "portfolio_analysis").id
        crashed = repo.create_job(session, "restart_user", "portfolio_analysis")
        repo.mark_job_running(session, crashed)
        crashed.attempts = 1
        crashed.lease_owner = "dead-server"
        crashed.lease_expires_at = utcnow() - timedelta(seconds=5)
        crashed_id = crashed.id
    runner = Recorder()
    with _client(job_settings, engine, runner) as client:
        token = client.app.state.auth.issue("restart_user")  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        first = _wait_for(client, headers, str(pending))
        second = _wait_for(client, headers, str(crashed_id))
    assert first["status"] == second["status"] == "completed"
    assert second["attempts"] == 2
    assert sorted(runner.runs) == sorted([pending, crashed_id])


def test_real_planner_completes_demo_analysis(job_settings: Settings, engine: Engine) -> None:
    """POST /api/analyze to completed with the planner's job runner and the offline analyst."""
    with _client(job_settings.model_copy(update={"job_lease_seconds": 30}), engine, None) as client:
        token = client.post("/api/auth/demo").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
        job = _wait_for(client, headers, job_id)
        assert job["status"] == "completed", job["error_message"]
        assert job["report_payload"]
        events = client.get(f"/api/jobs/{job_id}/events", headers=headers).json()
        assert events and events[-1]["kind"] in ("completed", "progress")
        listed = client.get("/api/jobs", headers=headers).json()
        assert listed[0]["id"] == job_id
