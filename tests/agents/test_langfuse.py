"""LangFuse tracing end to end, offline: `alex analyze` with LangFuse keys set exports its
OpenTelemetry spans to a local stand-in for the LangFuse server (the OTLP endpoint LangFuse
serves), and the test decodes what arrived. Runs in a subprocess because tracing is
process-wide once enabled."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

OTLP_PATH = "/api/public/otel/v1/traces"


@dataclass
class Received:
    paths: list[str] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    spans: list[Any] = field(default_factory=list)


@pytest.fixture
def langfuse_server() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.paths.append(self.path)
            received.auth.append(self.headers.get("Authorization", ""))
            if self.path == OTLP_PATH:
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        received.spans.extend(scope.spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()


def attributes(span: Any) -> dict[str, str]:
    return {a.key: a.value.string_value or str(a.value.int_value) for a in span.attributes}


def test_an_analysis_is_one_trace_with_a_span_per_agent(
    tmp_path: Path, langfuse_server: tuple[str, Received]
) -> None:
    host, received = langfuse_server
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALEX_", "LANGFUSE_"))},
        "ALEX_DATABASE_URL": f"sqlite:///{tmp_path / 'alex.db'}",
        "ALEX_VAR_DIR": str(tmp_path / "var"),
        "ALEX_LANGFUSE_PUBLIC_KEY": "pk-lf-test",
        "ALEX_LANGFUSE_SECRET_KEY": "sk-lf-test",
        "ALEX_LANGFUSE_HOST": host,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    cli = [sys.executable, "-m", "alex.cli"]
    subprocess.run([*cli, "db", "seed"], env=env, check=True, capture_output=True)
    run = subprocess.run(
        [*cli, "analyze", "--user", "demo"], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

    assert OTLP_PATH in received.paths, received.paths
    assert all(a.startswith("Basic ") for a in received.auth)  # the keys, as LangFuse expects
    names = [s.name for s in received.spans]
    roots = [s for s in received.spans if not s.parent_span_id]
    assert [r.name for r in roots] == ["Alex portfolio analysis"], names
    root = roots[0]
    assert all(s.trace_id == root.trace_id for s in received.spans)  # one trace per job
    for agent in ("Planner", "Tagger", "Reporter", "Charter", "Retirement"):
        assert any(agent.lower() in n.lower() for n in names), (agent, names)
    assert any(attributes(s).get("tool.name") for s in received.spans), names
    # Linked by job: every span names the job (as LangFuse's session) and its user.
    job_ids = {attributes(s).get("session.id") for s in received.spans}
    assert len(job_ids) == 1 and len(next(iter(job_ids)) or "") == 36, job_ids
    assert {attributes(s).get("user.id") for s in received.spans} == {"demo"}
