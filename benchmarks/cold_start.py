"""Cold start of each AWS Lambda handler, against a bare interpreter in the same run: the wall
time of a fresh process that imports the handler (Lambda's init phase), and of one that also
runs the handler's first invocation as far as its first network call (a model, an AWS
service), where the time becomes the network's and the provider's. Start-up and exit count.

    uv run python benchmarks/cold_start.py                         # this checkout's code
    uv run python benchmarks/cold_start.py --artifacts dist/lambda # the zips `make package` built
    uv run python benchmarks/cold_start.py --runs 5 --only tagger

The handlers are those of `scripts/package_lambda.py`. Each gets an event that goes all the way:
the API `GET /health` (its first request builds the app), the planner an SQS delivery of a
pending job, the tagger, reporter, charter and retirement functions a pending job of the demo
user, the researcher a topic, the knowledge ingest a small note. The settings are the AWS
profile's (SQS, Bedrock models and embeddings, S3 Vectors) with fake credentials; the database
is a throwaway SQLite file seeded with the demo user, so database calls cost no network here
(on AWS each is a Data API round trip). An audit hook ends the process at the first
`socket.getaddrinfo` or `socket.connect` and names what it was reaching. Beside the first
call's wall time is its CPU time (user + system): on a busy machine, roughly what an idle core
would take.

With `--artifacts` the code is the unzipped artifacts, run with nothing else on the path and
without writing bytecode (Lambda's code directory is read-only; the artifacts ship it).
Otherwise it is this checkout's, with bytecode cached in a temporary directory by one untimed
run first, as a developer's machine has it. Goal (SPEC): every handler under 2 s, import and
first call."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 2.0

AWS_SETTINGS = {
    "ALEX_ENV": "production",
    "ALEX_QUEUE": "sqs",
    "ALEX_SQS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/alex-jobs",
    "ALEX_MODEL": "bedrock/us.amazon.nova-pro-v1:0",
    "ALEX_EMBEDDING_MODEL": "bedrock/amazon.titan-embed-text-v2:0",
    "ALEX_VECTOR_STORE": "s3vectors",
    "ALEX_S3_VECTORS_BUCKET": "alex-vectors",
    "ALEX_S3_VECTORS_INDEX": "knowledge",
    "ALEX_KNOWLEDGE_SERVICE_KEY": "bench-key",
    "ALEX_MODEL_MAX_RETRIES": "0",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "benchmark",
    "AWS_SECRET_ACCESS_KEY": "benchmark",
}

_CHILD = r"""
import importlib, json, os, sys
def first_network_call(event, args):
    if event in ("socket.getaddrinfo", "socket.connect"):
        target = args[0] if event == "socket.getaddrinfo" else args[1]
        host = target[0] if isinstance(target, tuple) else target
        sys.stdout.write(json.dumps({"reached": f"network: {host}"}) + "\n")
        sys.stdout.flush()
        os._exit(0)
sys.addaudithook(first_network_call)
root, handler, event = sys.argv[1], sys.argv[2], sys.argv[3]
if root:
    sys.path.insert(0, root)
module, _, name = handler.rpartition(".")
function = getattr(importlib.import_module(module), name)
if event:
    try:
        result = function(json.loads(event), None)
        reached = f"returned {result.get('statusCode', '')}".strip()
    except Exception as exc:
        reached = f"raised {type(exc).__name__}: {exc}"[:80]
    print(json.dumps({"reached": reached}))
"""

_SEED = r"""
import json, sys
from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.seed import seed
from alex.db.seed_data import DEMO_USER_ID
from alex.db.session import make_engine, session_scope
url, jobs = sys.argv[1], int(sys.argv[2])
upgrade(url)
engine = make_engine(url)
seed(engine)
with session_scope(engine) as session:
    made = [repo.create_job(session, DEMO_USER_ID, "portfolio_analysis") for _ in range(jobs)]
    ids = [str(job.id) for job in made]
print(json.dumps(ids))
"""


def _packaging() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "package_lambda", ROOT / "scripts" / "package_lambda.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["package_lambda"] = module
    spec.loader.exec_module(module)
    return module


def _http(method: str, path: str, headers: dict[str, str], body: str | None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "bench"},
            "stage": "$default", "requestId": "1", "routeKey": "$default",
            "accountId": "123456789012", "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "time": "01/Jan/2030:00:00:00 +0000", "timeEpoch": 1893456000000,
        },
        "body": body,
        "isBase64Encoded": False,
    }  # fmt: skip


def first_event(handler: str, job: str) -> dict[str, Any]:
    """An event that takes `handler` as far as it goes without the network."""
    name = handler.split(".")[-3]
    if name == "api":
        return _http("GET", "/health", {}, None)
    if name == "planner":
        body = json.dumps({"job_id": job})
        attributes = {"ApproximateReceiveCount": "1"}
        return {"Records": [{"messageId": "m", "body": body, "attributes": attributes}]}
    if name == "tagger":
        return {"job_id": job, "symbol": "VTI"}
    if name == "researcher":
        return {"topic": "tax-loss harvesting"}
    if name == "knowledge":
        note = json.dumps({"name": "note.md", "content": "# Index funds\n\nLow costs compound."})
        key = {"x-alex-service-key": AWS_SETTINGS["ALEX_KNOWLEDGE_SERVICE_KEY"]}
        return _http("POST", "/ingest", key, note)
    return {"job_id": job}  # reporter, charter, retirement


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system: what an idle core would take, whatever else the
    machine is running) and what the process reached."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{result.stderr[-3000:]}")
    lines = result.stdout.strip().splitlines()
    return seconds, cpu, json.loads(lines[-1])["reached"] if lines else ""


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):  # Windows
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--artifacts", type=Path, help="directory holding api.zip, worker.zip")
    parser.add_argument("--only", action="append", help="handlers whose name contains this")
    args = parser.parse_args(argv)
    handlers = _packaging().HANDLERS
    chosen = [h for h in handlers if not args.only or any(o in h for o in args.only)]

    with tempfile.TemporaryDirectory(prefix="alex-cold-") as scratch:
        tmp = Path(scratch)
        env = {key: value for key, value in os.environ.items() if not key.startswith("ALEX_")}
        env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # the code must not need it set
        env |= AWS_SETTINGS | {"ALEX_VAR_DIR": str(tmp / "var")}
        env["ALEX_DATABASE_URL"] = f"sqlite:///{tmp / 'cold.db'}"
        jobs_needed = len(chosen) * (2 * args.runs + 1)
        seeded = subprocess.run(
            [sys.executable, "-c", _SEED, env["ALEX_DATABASE_URL"], str(jobs_needed)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        jobs = iter(json.loads(seeded.stdout.splitlines()[-1]))

        if args.artifacts:
            flags = ["-I", "-S", "-B"]
            roots = {}
            for name in sorted(set(handlers.values())):
                with zipfile.ZipFile(args.artifacts / f"{name}.zip") as archive:
                    archive.extractall(tmp / name)
                roots[name] = str(tmp / name)
            source = f"the artifacts in {args.artifacts} (unzipped, bytecode as shipped)"
        else:
            flags, roots = [], {}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
            source = "this checkout (bytecode cached by an untimed first run)"

        def command(handler: str, event: dict[str, Any] | None) -> list[str]:
            root = roots.get(handlers[handler], "")
            payload = json.dumps(event) if event is not None else ""
            return [sys.executable, *flags, "-c", _CHILD, root, handler, payload]

        cwd = tmp / "cwd"
        cwd.mkdir()
        bare = statistics.median(
            _run([sys.executable, *flags, "-c", "pass"], env, cwd)[0] for _ in range(args.runs)
        )
        print(f"Cold start, median of {args.runs} fresh processes each "
              f"(Python {sys.version.split()[0]}); code from {source}")  # fmt: skip
        print(f"bare interpreter: {bare * 1000:.0f} ms; load average before: {_load()}\n")
        print(f"{'handler':<24} {'import':>8} {'+ first call':>13} {'(cpu)':>8}  goal    reached")
        met = True
        for handler in chosen:
            if not args.artifacts:  # fills the bytecode cache
                _run(command(handler, first_event(handler, next(jobs))), env, cwd)
            imports = [_run(command(handler, None), env, cwd)[0] for _ in range(args.runs)]
            calls = [
                _run(command(handler, first_event(handler, next(jobs))), env, cwd)
                for _ in range(args.runs)
            ]
            first = statistics.median(seconds for seconds, _, _ in calls)
            cpu = statistics.median(cpu for _, cpu, _ in calls)
            ok = first < GOAL_SECONDS
            met &= ok
            label = handler.removeprefix("alex.").removesuffix(".lambda_handler.handler")
            print(
                f"{label:<24} {statistics.median(imports) * 1000:>5.0f} ms "
                f"{first * 1000:>10.0f} ms {cpu * 1000:>5.0f} ms  {'met   ' if ok else 'missed'}"
                f"  {calls[-1][2]}"
            )
        print(f"\nGoal: every handler under {GOAL_SECONDS:g} s: {'met' if met else 'missed'}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
