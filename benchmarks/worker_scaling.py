"""Job throughput against the number of `alex worker` processes on PostgreSQL (SPEC §11:
several workers scale near-linearly).

    uv run python benchmarks/worker_scaling.py                  # 1, 2 and 4 workers, 16 jobs
    uv run python benchmarks/worker_scaling.py --workers 1 2 --jobs 24

For each worker count: a throwaway database seeded with the demo portfolio, that many
`alex worker` processes (ALEX_QUEUE=postgres) started and ready, then `--jobs` analyses
inserted at once; the clock stops when the last one is completed. The baseline is the first
worker count in the same run; the printed ratio is throughput over that baseline, next to the
ideal (the worker count ratio). An analysis is CPU-bound, so throughput can scale only as
far as the machine's cores, which PostgreSQL shares here: the cores busy during each run and
the throughput per busy core are printed too. A queue that serialised workers would show as
throughput per busy core falling as workers are added."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api_load import process_tree_cpu_seconds, throwaway_database
from sqlalchemy import Engine, func, select

from alex.db import repository as repo
from alex.db.models import Job
from alex.db.seed_data import DEMO_USER_ID
from alex.db.session import make_engine, session_scope


def busy_cores() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [float(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def run(workers: int, jobs: int) -> tuple[float, float, float]:
    """Seconds for `workers` processes to complete `jobs` analyses, the cores the machine was
    busy on meanwhile (workers, PostgreSQL, everything), and the workers' share of them."""
    with tempfile.TemporaryDirectory(prefix="alex-scaling-") as tmp:
        workdir = Path(tmp)
        with throwaway_database("postgres", workdir) as url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("ALEX_")},
                "ALEX_DATABASE_URL": url,
                "ALEX_QUEUE": "postgres",
                "ALEX_VAR_DIR": str(workdir / "var"),
                "ALEX_LOG_LEVEL": "INFO",
                "ALEX_WORKER_POLL_SECONDS": "0.05",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
            cli = [sys.executable, "-m", "alex.cli"]
            subprocess.run([*cli, "db", "seed"], env=env, check=True, capture_output=True)
            logs = [workdir / f"worker{i}.log" for i in range(workers)]
            procs = [
                subprocess.Popen(
                    [*cli, "worker"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
                )
                for log in logs
            ]
            engine = make_engine(url)
            try:
                wait_until_started(logs, procs)
                with session_scope(engine) as session:
                    for _ in range(jobs):
                        repo.create_job(session, DEMO_USER_ID, "portfolio_analysis")
                cpu_before = busy_cores()
                worker_cpu_before = sum(process_tree_cpu_seconds(p.pid) for p in procs)
                started = time.perf_counter()
                wait_until_done(engine, jobs, procs)
                elapsed = time.perf_counter() - started
                cpu_after = busy_cores()
                worker_cores = (
                    sum(process_tree_cpu_seconds(p.pid) for p in procs) - worker_cpu_before
                ) / elapsed
                machine_cores = (cpu_after[0] - cpu_before[0]) / elapsed
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(30)
                engine.dispose()
    return elapsed, machine_cores, worker_cores


def wait_until_started(logs: list[Path], procs: list[subprocess.Popen[bytes]]) -> None:
    """Until every worker has imported the agent stack and entered its loop."""
    deadline = time.monotonic() + 120
    while not all(b"worker started" in log.read_bytes() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker did not start:\n" + logs[0].read_text()[-2000:])
        time.sleep(0.1)


def wait_until_done(engine: Engine, jobs: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 600
    while True:
        with engine.connect() as conn:
            counts = dict(conn.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        if counts.get("failed"):
            raise RuntimeError(f"{counts['failed']} analyses failed")
        if counts.get("completed", 0) == jobs:
            return
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError(f"analyses did not finish: {counts}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--jobs", type=int, default=16)
    args = parser.parse_args()
    print(f"{args.jobs} analyses of the demo portfolio; {os.cpu_count()} CPU cores", flush=True)
    baseline: tuple[int, float] | None = None
    for workers in args.workers:
        elapsed, machine_cores, worker_cores = run(workers, args.jobs)
        rate = args.jobs / elapsed
        if baseline is None:
            baseline = (workers, rate)
        speedup = rate / baseline[1]
        ideal = workers / baseline[0]
        print(
            f"{workers:>2} worker(s): {elapsed:6.2f} s, {rate:5.2f} jobs/s, "
            f"{speedup:4.2f}x the {baseline[0]}-worker rate (ideal {ideal:g}x, "
            f"efficiency {speedup / ideal:4.0%}); cores busy {machine_cores:.2f} "
            f"(workers {worker_cores:.2f}), {rate / machine_cores:5.2f} jobs/s per busy core",
            flush=True,
        )


if __name__ == "__main__":
    main()
