"""Prometheus metrics: request counts by route template, jobs by status from the database,
worker attempts by outcome, the optional token, and several server processes merged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.session import session_scope
from tests.api.conftest import Headers, make_account


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def requests_to(route: str, status: str = "200") -> float:
    labels = {"method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("alex_http_requests_total", labels) or 0.0


def test_requests_are_counted_by_route_template(
    client: TestClient, alice: Headers, app: FastAPI
) -> None:
    account = make_account(client, alice)
    before = requests_to("/api/accounts/{account_id}")
    for _ in range(3):
        assert client.get(f"/api/accounts/{account['id']}", headers=alice).status_code == 200
    assert client.get("/api/accounts/not-a-uuid", headers=alice).status_code == 422
    assert requests_to("/api/accounts/{account_id}") == before + 3
    assert requests_to("/api/accounts/{account_id}", "422") >= 1
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    values = samples(scraped.text)
    key = (
        "alex_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/api/accounts/{account_id}")),
    )
    assert values[key] >= 3
    assert not any(account["id"] in str(k) for k in values)  # raw paths never become labels


def test_jobs_by_status_come_from_the_database(
    client: TestClient, alice: Headers, app: FastAPI
) -> None:
    engine: Engine = app.state.engine
    with session_scope(engine) as session:
        for _ in range(2):
            repo.create_job(session, "user_alice", "portfolio_analysis")
        repo.fail_job(session, repo.create_job(session, "user_alice", "portfolio_analysis"), "x")
    values = samples(client.get("/metrics").text)
    assert values[("alex_jobs", (("status", "pending"),))] == 2
    assert values[("alex_jobs", (("status", "failed"),))] == 1
    assert values[("alex_jobs", (("status", "running"),))] == 0


def test_metrics_token_and_switch(settings: Settings, seeded: Engine) -> None:
    guarded = create_app(
        settings.model_copy(update={"metrics_token": SecretStr("scrape-secret")}),
        start_workers=False,
    )
    with TestClient(guarded) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert "scrape-secret" not in wrong.text
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert ok.status_code == 200
    off = create_app(settings.model_copy(update={"metrics_enabled": False}), start_workers=False)
    with TestClient(off) as client:
        assert client.get("/metrics").status_code == 404


def test_several_processes_are_merged(tmp_path: Path, engine: Engine) -> None:
    """What `alex serve --workers N` relies on: each process writes its own files, and a
    scrape in any of them reports the sum."""
    directory = tmp_path / "prometheus"
    processes = 2
    count = (
        "from alex.core.metrics import HTTP_REQUESTS; "
        "HTTP_REQUESTS.labels('GET', '/api/jobs', '200').inc(5)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    directory.mkdir()
    for _ in range(processes):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = (
        "import sys; from alex.core.metrics import exposition; "
        "from alex.db.session import make_engine; "
        "from alex.jobs.metrics import JobStatusCollector; "
        "sys.stdout.write(exposition(JobStatusCollector(make_engine(sys.argv[1])))[0].decode())"
    )
    url = engine.url.render_as_string(hide_password=False)
    out = subprocess.run(
        [sys.executable, "-c", scrape, url], env=env, check=True, capture_output=True, text=True
    ).stdout
    key = (
        "alex_http_requests_total",
        (("method", "GET"), ("route", "/api/jobs"), ("status", "200")),
    )
    assert samples(out)[key] == 5 * processes
