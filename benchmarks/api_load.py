"""API read load test: N concurrent clients for D seconds against the account and job read
endpoints, on SQLite and on PostgreSQL. Starts `alex serve` itself on a free port with a
throwaway database, signs in as the demo user, runs one analysis so the job endpoints have
data, then drives the load and prints p50/p99 latency, throughput and errors.

    uv run python benchmarks/api_load.py                       # both databases, 100 x 30 s
    uv run python benchmarks/api_load.py --db sqlite --duration 10 --clients 50
    uv run python benchmarks/api_load.py --think-ms 200        # clients pause between calls

Each client is closed-loop: it sends its next request when the previous answer arrives (after
`--think-ms`). With no think time the latency is the queueing delay of 100 clients sharing one
server process, so the figure depends on the machine's cores (the load generator shares them)."""

from __future__ import annotations

import argparse
import asyncio
import os
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
) -> Iterator[str]:
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
        yield base
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
    results = Results()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        stop_at = time.perf_counter() + duration

        async def client(index: int) -> None:
            i = index
            while time.perf_counter() < stop_at:
                path = paths[i % len(paths)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await http.get(path)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                results.latencies_ms.append((time.perf_counter() - started) * 1000)
                results.statuses[status] = results.statuses.get(status, 0) + 1
                if status != 200:
                    results.errors += 1
                if think:
                    await asyncio.sleep(think)

        begun = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - begun
    return results, elapsed


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def run(
    kind: str, clients: int, duration: float, think_ms: float, processes: int = 1
) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"alex-bench-{kind}-"))
    try:
        with (
            throwaway_database(kind, workdir) as url,
            server(url, workdir, processes=processes) as base,
        ):
            headers, paths = prepare(base)
            asyncio.run(load(base, headers, paths, 10, 2.0, 0))  # warm-up
            # Baseline in the same run: one client, no contention.
            alone, _ = asyncio.run(load(base, headers, paths, 1, min(duration, 5.0), 0))
            results, elapsed = asyncio.run(
                load(base, headers, paths, clients, duration, think_ms / 1000)
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lat = results.latencies_ms
    baseline_p50 = statistics.median(alone.latencies_ms)
    row = {
        "requests": len(lat),
        "rps": len(lat) / elapsed,
        "p50_ms": statistics.median(lat),
        "p99_ms": percentile(lat, 99),
        "max_ms": max(lat),
        "errors": results.errors,
    }
    print(
        f"{kind:>8}: {clients} clients x {duration:g}s (think {think_ms:g} ms): "
        f"{row['requests']:.0f} requests, {row['rps']:.0f} req/s, "
        f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, max {row['max_ms']:.1f} ms, "
        f"errors {row['errors']:.0f} {dict(sorted(results.statuses.items()))}\n"
        f"{'':>10}baseline (1 client) p50 {baseline_p50:.1f} ms; "
        f"p99 under load / baseline p50 = {row['p99_ms'] / baseline_p50:.1f}x",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per database")
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="pause between a client's calls"
    )
    parser.add_argument("--server-processes", type=int, default=1, help="`alex serve --workers N`")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        run(kind, args.clients, args.duration, args.think_ms, args.server_processes)


if __name__ == "__main__":
    main()
