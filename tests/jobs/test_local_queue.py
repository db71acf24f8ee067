"""The embedded profile: workers inside the API process run jobs the API enqueues. The tests
wait for a job by the runner's own signal that it finished, not by polling the API."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.agents.planner.job_runner import planner_job_runner
from alex.api.app import create_app
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.seed import seed_instruments
from alex.db.session import session_scope
from alex.jobs.runner import JobRunner
from tests.jobs.conftest import Recorder, wait_finished


def _client(settings: Settings, engine: Engine, runner: JobRunner) -> TestClient:
    with session_scope(engine) as session:
        seed_instruments(session)
    return TestClient(create_app(settings, engine=engine, runner=runner))


def _job(client: TestClient, headers: dict[str, str], job_id: uuid.UUID | str) -> dict[str, Any]:
    return dict(client.get(f"/api/jobs/{job_id}", headers=headers).json())


@pytest.fixture
def gated() -> Iterator[Recorder]:
    """A runner whose jobs wait until the test opens the gate (opened at the end regardless,
    so no worker thread is left waiting)."""
    recorder = Recorder(gate=threading.Event())
    yield recorder
    assert recorder.gate is not None
    recorder.gate.set()


def test_local_workers_run_enqueued_jobs(
    job_settings: Settings, engine: Engine, gated: Recorder
) -> None:
    with _client(job_settings, engine, gated) as client:
        token = client.post("/api/auth/demo").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post("/api/analyze", headers=headers)
        assert response.status_code == 202
        job_id = uuid.UUID(response.json()["job_id"])
        # The answer came back while the job cannot finish: enqueueing does not wait for it.
        assert _job(client, headers, job_id)["status"] in ("pending", "running")
        assert gated.gate is not None
        gated.gate.set()
        wait_finished(gated.finished, job_id)
        job = _job(client, headers, job_id)
    assert (job["status"], job["attempts"]) == ("completed", 1)


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
        wait_finished(runner.finished, pending, crashed_id)
        first, second = _job(client, headers, pending), _job(client, headers, crashed_id)
    assert first["status"] == second["status"] == "completed"
    assert second["attempts"] == 2
    assert sorted(runner.runs) == sorted([pending, crashed_id])


def test_real_planner_completes_demo_analysis(job_settings: Settings, engine: Engine) -> None:
    """POST /api/analyze to completed with the planner's job runner and the offline analyst."""
    finished: queue.Queue[uuid.UUID] = queue.Queue()

    async def planner(
        job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        try:
            await planner_job_runner(job_id, engine=engine, lease_owner=lease_owner)
        finally:
            finished.put(job_id)

    settings = job_settings.model_copy(update={"job_lease_seconds": 30})
    with _client(settings, engine, planner) as client:
        token = client.post("/api/auth/demo").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
        wait_finished(finished, uuid.UUID(job_id))
        job = _job(client, headers, job_id)
        assert job["status"] == "completed", job["error_message"]
        assert job["report_payload"]
        events = client.get(f"/api/jobs/{job_id}/events", headers=headers).json()
        assert events and events[-1]["kind"] in ("completed", "progress")
        listed = client.get("/api/jobs", headers=headers).json()
        assert listed[0]["id"] == job_id
