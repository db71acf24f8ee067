"""Repository reads and writes through the RDS Data API against direct psycopg, and the Data
API calls each typical API request makes.

    uv run python benchmarks/data_api.py                 # 200 operations each
    uv run python benchmarks/data_api.py --repeat 500

On a throwaway PostgreSQL database (127.0.0.1:5432) holding the curated instruments and the
demo user, times in the same run, single-threaded:
- a typical repository read, `load_portfolio` (the dashboard's and an analysis's load), and a
  typical write, an account's cash balance updated in its own transaction;
- each through direct psycopg (the baseline) and through the Data API driver talking to
  tests/standins/rds_data.py (boto3, SigV4, HTTP and JSON on this machine, then the same
  PostgreSQL), printing operations/s, the ratio, and Data API calls per operation;
- then the app's API in-process on the Data API, counting the calls each request makes.

The stand-in's figures show the client's own cost. On AWS each call is an HTTPS round trip to
the regional Data API endpoint instead of a local one; the estimate at the end multiplies the
counted calls by an assumed per-call latency (an assumption, printed as such, not a
measurement: nothing here reaches AWS)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from api_load import POSTGRES_ADMIN_URL, throwaway_database
from sqlalchemy import Engine, make_url

from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.seed import ensure_demo_user, seed_instruments
from alex.db.seed_data import DEMO_USER_ID
from alex.db.session import make_engine, session_scope
from alex.schemas import AccountUpdate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.db.conftest import DUMMY_AWS_ENV, data_api_url
from tests.standins.rds_data import DataApiStandIn

# Per Data API call from a Lambda function in the cluster's region: an assumption for the
# estimate (HTTPS + SigV4 + the service's own hop to the database), not measured here.
ASSUMED_CALL_MS = (15.0, 40.0)
# A statement over an open, pooled connection inside the VPC (psycopg, RDS Proxy or not).
ASSUMED_DIRECT_MS = 1.0


def _time(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm: pools, plan caches, the boto3 client
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def _operations(engine: Engine, account_id: object) -> dict[str, Callable[[], object]]:
    balance = iter(range(1_000_000))

    def read() -> object:
        with session_scope(engine) as session:
            return repo.load_portfolio(session, DEMO_USER_ID)

    def write() -> object:
        with session_scope(engine) as session:
            account = repo.get_owned_account(session, DEMO_USER_ID, account_id)  # type: ignore[arg-type]
            return repo.update_account(
                session, account, AccountUpdate(cash_balance=Decimal(next(balance)))
            )

    return {"read (load_portfolio)": read, "write (update an account)": write}


def _repository(direct: Engine, data_api: Engine, stand_in: DataApiStandIn, repeat: int) -> None:
    with session_scope(direct) as session:
        account_id = repo.list_accounts(session, DEMO_USER_ID)[0].id
    print(f"\nrepository, {repeat} operations each, one thread")
    print(f"  {'operation':<28}{'psycopg/s':>11}{'Data API/s':>12}{'ratio':>8}{'calls/op':>10}")
    for (name, run_direct), run_data_api in zip(
        _operations(direct, account_id).items(),
        _operations(data_api, account_id).values(),
        strict=True,
    ):
        fast = statistics.median(_time(run_direct, repeat))
        stand_in.reset()
        slow_samples = _time(run_data_api, repeat)
        calls = len(stand_in.recorded()) / (repeat + 1)
        slow = statistics.median(slow_samples)
        print(f"  {name:<28}{1 / fast:>11.0f}{1 / slow:>12.0f}{slow / fast:>7.1f}x{calls:>10.1f}")
    one_call = statistics.median(_time(lambda: _select_one(data_api), repeat))
    print(f"  one Data API call here (SELECT 1, autocommit): {one_call * 1000:.2f} ms")


def _select_one(engine: Engine) -> object:
    from sqlalchemy import text

    with engine.connect() as conn:
        value = conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("SELECT 1"))
        return value.scalar()


def _api(
    url: str, stand_in: DataApiStandIn, workdir: Path, repeat: int, *, verbose: bool
) -> list[tuple[str, float]]:
    from fastapi.testclient import TestClient

    from alex.api.app import create_app
    from alex.core.config import Settings

    settings = Settings(
        database_url=url,
        var_dir=workdir / "var",
        local_workers=0,
        frontend_dir=workdir / "no-frontend",
        write_rate_per_minute=1_000_000,
    )
    app = create_app(settings, start_workers=False)
    counted: list[tuple[str, float]] = []
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {app.state.auth.issue(DEMO_USER_ID)}"}
        account = client.get("/api/accounts", headers=headers).json()[0]["id"]
        cents = iter(range(100_000, 10**9))

        def new_balance() -> dict[str, object]:
            # A different figure each time, so every PATCH really writes.
            return {"cash_balance": f"{next(cents) / 100:.2f}"}

        requests: list[tuple[str, str, Callable[[], dict[str, object]] | None]] = [
            ("GET", "/api/user", None),
            ("GET", "/api/accounts", None),
            ("GET", f"/api/accounts/{account}", None),
            ("GET", "/api/portfolio", None),
            ("GET", "/api/jobs", None),
            ("PATCH", f"/api/accounts/{account}", new_balance),
        ]
        print(f"\nAPI requests on the Data API (in-process, median of {repeat})")
        print(f"  {'request':<46}{'calls':>6}{'here ms':>9}   on AWS, estimated")
        for method, path, body in requests:

            def send(m: str = method, p: str = path, b: Callable[[], object] | None = body) -> Any:
                response = client.request(m, p, headers=headers, json=b() if b else None)
                response.raise_for_status()
                return response

            send()
            stand_in.reset()
            send()
            recorded = stand_in.recorded()
            calls = len(recorded)
            if verbose:
                for r in recorded:
                    sql = " ".join(r.json().get("sql", "").split())[:90]
                    print(f"      {r.path:<22}{sql}")
            here = statistics.median(_time(send, repeat)) * 1000
            low, high = (calls * ms for ms in ASSUMED_CALL_MS)
            label = f"{method} {path.replace(account, '{id}')}"
            print(f"  {label:<46}{calls:>6}{here:>9.1f}   {low:.0f}-{high:.0f} ms")
            counted.append((label, calls))
    return counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--calls", action="store_true", help="list each request's Data API calls")
    args = parser.parse_args()
    # Only the local stand-in is called: dummy credentials, nothing from ~/.aws.
    os.environ.update(DUMMY_AWS_ENV)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("postgres", Path(tmp)) as url:
        upgrade(url)
        direct = make_engine(url)
        with session_scope(direct) as session:
            seed_instruments(session)
            ensure_demo_user(session)
        admin = make_url(POSTGRES_ADMIN_URL)
        server = f"postgresql://{admin.username}@{admin.host}:{admin.port}"
        database = str(make_url(url).database)
        stand_in = DataApiStandIn(server, default_database=database)
        data_api = make_engine(data_api_url(database, stand_in.url))
        try:
            _repository(direct, data_api, stand_in, args.repeat)
            counted = _api(
                data_api_url(database, stand_in.url),
                stand_in,
                Path(tmp),
                max(args.repeat // 4, 1),
                verbose=args.calls,
            )
        finally:
            data_api.dispose()
            direct.dispose()
            stand_in.close()
    low, high = ASSUMED_CALL_MS
    print(
        f"\nEstimate on AWS: {low:.0f}-{high:.0f} ms per Data API call (assumed), against "
        f"~{ASSUMED_DIRECT_MS:.0f} ms per statement on a pooled connection in the VPC. A request "
        f"making N calls spends about N x that in the database: "
        + ", ".join(f"{label} {calls:.0f} calls" for label, calls in counted[:2])
        + "."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
