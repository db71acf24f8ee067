"""`alex serve` as `make up` runs it: a fresh database, the real planner in the in-process
workers. With a demo token, list accounts and start an analysis that completes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([*cli, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as client:
            assert "/docs" in client.get("/").text
            token = client.post("/api/auth/demo").json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert len(client.get("/api/accounts", headers=headers).json()) == 3
            started = time.perf_counter()
            job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
            while (job := client.get(f"/api/jobs/{job_id}", headers=headers).json())[
                "status"
            ] not in ("completed", "failed"):
                assert time.perf_counter() - started < 60
                time.sleep(0.05)
            assert job["status"] == "completed", job["error_message"]
            assert job["report_payload"]["markdown"]
            listed = client.get("/api/jobs", headers=headers).json()
            assert listed[0]["headline"]
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.wait(20) in (0, -signal.SIGTERM)
    text = (tmp_path / "serve.log").read_text()
    assert "Application shutdown complete" in text
    assert "eyJ" not in text  # tokens never logged
    assert "user_id=demo" in text or '"user_id": "demo"' in text
