"""API read load test: N concurrent clients for D seconds against the account and job read
endpoints, on SQLite and on PostgreSQL. Starts `alex serve` itself on a free port with a
throwaway database, signs in as the demo user, runs one analysis so the job endpoints have
data, then drives the load and prints p50/p99 latency, throughput, errors and the server's CPU
time per request.

    uv run python benchmarks/api_load.py                       # both databases, 100 x 30 s
    uv run python benchmarks/api_load.py --db sqlite --duration 10 --clients 50
    uv run python benchmarks/api_load.py --server-processes 2  # `alex serve --workers 2`

Three runs per database, in this order:
- baseline: one client, no pause, no contention;
- load (the goal: p99 < 50 ms, 0 errors): each client behaves like the web app, which polls
  every 400 ms (`POLL_MS` in frontend/pages/team.tsx): it pauses `--think-ms` (jittered
  ±50 %, clients start at random offsets) between calls;
- capacity: the same clients with no pause, so the server is saturated; its throughput is the
  figure to watch, and its latency is the queue (Little's law: clients / throughput).

The client is a minimal HTTP/1.1 keep-alive client on asyncio, one connection per client. The
first version used httpx, whose pool spent 10 s of CPU in a 12 s run with 100 clients: the
figures measured the load generator, not the server."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

POSTGRES_ADMIN_URL = os.environ.get(
    "ALEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"alex_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def server(
    database_url: str,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    *,
    processes: int = 1,
) -> Iterator[tuple[str, int]]:
    """`alex serve` on a free port; yields its base URL and process id."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ALEX_")},
        "ALEX_DATABASE_URL": database_url,
        "ALEX_VAR_DIR": str(workdir / "var"),
        "ALEX_PORT": str(port),
        "ALEX_LOG_LEVEL": "WARNING",
        "ALEX_FRONTEND_DIR": str(workdir / "no-frontend"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **(extra_env or {}),
    }
    cli = [sys.executable, "-m", "alex.cli"]
    subprocess.run([*cli, "db", "seed"], env=env, check=True, capture_output=True)
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*cli, "serve", "--workers", str(processes)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(
                    "alex serve did not start:\n" + (workdir / "serve.log").read_text()
                )
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            print("alex serve ignored SIGTERM for 30 s; log tail:", file=sys.stderr)
            print((workdir / "serve.log").read_text()[-3000:], file=sys.stderr)


def prepare(base: str) -> tuple[dict[str, str], list[str]]:
    """Demo sign-in and one completed analysis; returns headers and the paths to load."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post("/api/auth/demo").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        accounts = client.get("/api/accounts", headers=headers).json()
        job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
        deadline = time.monotonic() + 60
        while client.get(f"/api/jobs/{job_id}", headers=headers).json()["status"] not in (
            "completed",
            "failed",
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up analysis did not finish")
            time.sleep(0.1)
    paths = [
        "/api/accounts",
        f"/api/accounts/{accounts[0]['id']}",
        "/api/jobs",
        f"/api/jobs/{job_id}/events?after=0",
        f"/api/accounts/{accounts[1]['id']}",
        f"/api/jobs/{job_id}",
    ]
    return headers, paths


async def load(
    base: str,
    headers: dict[str, str],
    paths: list[str],
    clients: int,
    duration: float,
    think: float,
) -> tuple[Results, float]:
    """`clients` closed-loop clients, each on its own keep-alive connection."""
    results = Results()
    host, port = base.removeprefix("http://").rsplit(":", 1)
    auth = headers["Authorization"]
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\r\n".encode()
        for path in paths
    ]
    stop_at = time.perf_counter() + duration

    async def client(index: int) -> None:
        pace = random.Random(index)
        if think:
            await asyncio.sleep(pace.uniform(0, think))
        reader, writer = await asyncio.open_connection(host, int(port))
        i = index
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    writer.write(requests[i % len(requests)])
                    status = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status = 0
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                i += 1
                results.latencies_ms.append((time.perf_counter() - started) * 1000)
                results.statuses[status] = results.statuses.get(status, 0) + 1
                if status != 200:
                    results.errors += 1
                if think:
                    await asyncio.sleep(think * pace.uniform(0.5, 1.5))
        finally:
            writer.close()

    begun = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return results, time.perf_counter() - begun


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length framed, as uvicorn sends JSON); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its descendants (Linux /proc; 0 elsewhere)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        proc = Path(f"/proc/{current}")
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in (proc / "task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:  # exited meanwhile, or no /proc
            continue
    return total


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Measured:
    name: str
    clients: int
    think_ms: float
    results: Results
    elapsed: float
    server_cpu: float

    @property
    def requests(self) -> int:
        return len(self.results.latencies_ms)

    @property
    def p99_ms(self) -> float:
        return percentile(self.results.latencies_ms, 99)

    def line(self) -> str:
        lat = self.results.latencies_ms
        return (
            f"{self.name:>9}: {self.clients:>3} clients, think {self.think_ms:g} ms: "
            f"{self.requests / self.elapsed:6.0f} req/s, p50 {statistics.median(lat):6.1f} ms, "
            f"p99 {self.p99_ms:6.1f} ms, max {max(lat):6.1f} ms, "
            f"server CPU {self.server_cpu / self.requests * 1000:.2f} ms/request, "
            f"errors {self.results.errors} {dict(sorted(self.results.statuses.items()))}"
        )


def measure(
    name: str,
    base: str,
    pid: int,
    headers: dict[str, str],
    paths: list[str],
    clients: int,
    duration: float,
    think_ms: float,
) -> Measured:
    cpu_before = process_tree_cpu_seconds(pid)
    results, elapsed = asyncio.run(load(base, headers, paths, clients, duration, think_ms / 1000))
    measured = Measured(
        name, clients, think_ms, results, elapsed, process_tree_cpu_seconds(pid) - cpu_before
    )
    print(measured.line(), flush=True)
    return measured


def run(kind: str, clients: int, duration: float, think_ms: float, processes: int) -> bool:
    """Baseline, load and capacity runs against one database; True if the goal is met."""
    print(f"{kind} (alex serve --workers {processes}), {duration:g} s per run:", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"alex-bench-{kind}-"))
    try:
        with (
            throwaway_database(kind, workdir) as url,
            server(url, workdir, processes=processes) as (base, pid),
        ):
            headers, paths = prepare(base)
            asyncio.run(load(base, headers, paths, 10, 2.0, 0))  # warm-up
            alone = measure("baseline", base, pid, headers, paths, 1, min(duration, 5.0), 0)
            loaded = measure("load", base, pid, headers, paths, clients, duration, think_ms)
            measure("capacity", base, pid, headers, paths, clients, min(duration, 10.0), 0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    met = loaded.p99_ms < 50 and loaded.results.errors == 0
    baseline_p50 = statistics.median(alone.results.latencies_ms)
    print(
        f"{'':>11}load p99 / baseline p50 = {loaded.p99_ms / baseline_p50:.1f}x; "
        f"goal (p99 < 50 ms, 0 errors): {'met' if met else 'NOT met'}\n",
        flush=True,
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per database")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=400.0,
        help="mean pause between a client's calls (the web app polls every 400 ms)",
    )
    parser.add_argument("--server-processes", type=int, default=1, help="`alex serve --workers N`")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    met = [
        run(kind, args.clients, args.duration, args.think_ms, args.server_processes)
        for kind in kinds
    ]
    sys.exit(0 if all(met) else 1)


if __name__ == "__main__":
    main()
