"""`alex serve` as `make up` runs it: a fresh database, the real planner in the in-process
workers. With a demo token, list accounts and start an analysis that completes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.jobs.conftest import start_process

pytestmark = pytest.mark.xdist_group("serve")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_analysis_completes(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ALEX_")},
        "ALEX_VAR_DIR": str(tmp_path / "var"),
        "ALEX_FRONTEND_DIR": str(tmp_path / "no-frontend"),
        "ALEX_PORT": str(port),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    cli = [sys.executable, "-m", "alex.cli"]
    subprocess.run([*cli, "db", "seed"], env=env, check=True, capture_output=True, timeout=120)
    server, output = start_process([*cli, "serve"], env, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        output.wait_for("Application startup complete")
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/ready").status_code == 200
            assert "/docs" in client.get("/").text
            token = client.post("/api/auth/demo").json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert len(client.get("/api/accounts", headers=headers).json()) == 3
            job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
            output.wait_for("job finished")  # the worker's line once the runner returned
            job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
            assert job["status"] == "completed", job["error_message"]
            assert job["report_payload"]["markdown"]
            listed = client.get("/api/jobs", headers=headers).json()
            assert listed[0]["headline"]
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.wait(20) in (0, -signal.SIGTERM)
    output.wait_for("Application shutdown complete")
    text = output.text()
    assert "eyJ" not in text  # tokens never logged
    assert "user_id=demo" in text or '"user_id": "demo"' in text
