"""Prometheus metrics: HTTP requests by route template and job attempts by outcome. Metrics read
from the database at scrape time (jobs by status, `alex.jobs.metrics`) are collectors the caller
passes to `exposition`, so this module stays below the database layer.

`alex serve --workers N` runs several processes; each would count only its own requests, so
the server sets PROMETHEUS_MULTIPROC_DIR for them and `/metrics` merges every process's
files (prometheus-client's multiprocess mode). A single process uses the default registry,
which also carries the process and garbage-collector metrics."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "alex_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "alex_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
JOB_ATTEMPTS = Counter(
    "alex_job_attempts_total",
    "Job attempts by outcome: finished, crashed, timed_out, lease_lost, cancelled (shutdown).",
    ["outcome"],
)
MODEL_TOKENS = Counter(
    "alex_model_tokens_total",
    "Tokens models used, as the providers reported them, by agent, model and direction.",
    ["agent", "model", "direction"],
)
MODEL_COST = Counter(
    "alex_model_cost_usd_total",
    "Dollars models cost by agent and model (LiteLLM's bundled price map; unpriced models add 0).",
    ["agent", "model"],
)
MODEL_UNPRICED_REQUESTS = Counter(
    "alex_model_unpriced_requests_total",
    "Model requests whose model has no price in LiteLLM's map (their cost is unknown).",
    ["agent", "model"],
)
JOB_ATTEMPT_SECONDS = Histogram(
    "alex_job_attempt_duration_seconds",
    "Wall time of a job attempt.",
    buckets=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0),
)


def use_multiprocess_dir(directory: Path) -> None:
    """Before forking server processes: give them one fresh directory for their metric files."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)


def exposition(*collectors: Collector) -> tuple[bytes, str]:
    """The text exposition for a scrape, and its content type: this process's metrics (or every
    server process's, merged) followed by `collectors`, read now."""
    if os.environ.get(MULTIPROC_ENV):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]  # untyped lib
        process_metrics = generate_latest(merged)
    else:
        process_metrics = generate_latest(REGISTRY)
    scraped = CollectorRegistry()
    for collector in collectors:
        scraped.register(collector)
    return process_metrics + generate_latest(scraped), CONTENT_TYPE_LATEST
