"""End-to-end analysis latency: POST /api/analyze to `completed` with the offline analyst, for
a 3-account, 25-position portfolio built through the API (SPEC §11: under 2 s).

    uv run python benchmarks/analysis.py                 # SQLite, 10 analyses
    uv run python benchmarks/analysis.py --db postgres --runs 5

Starts `alex serve` on a free port with a throwaway database (in-process local workers). The
baseline measured in the same run is the finance engines alone (valuation, look-through,
drift, rebalancing, concentration and the 10,000-path Monte Carlo) on the same portfolio, so
the printed ratio is what the agent layer, the queue and the database add on top of the maths."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from api_load import server, throwaway_database

from alex.db.repository import load_portfolio
from alex.db.session import make_engine, session_factory
from alex.finance.plan import analyse_portfolio, project_retirement_for

# 25 positions over three accounts, all seeded instruments.
ACCOUNTS = {
    ("Employer 401(k)", "401k"): ["SPY", "AGG", "VEA", "IWM", "VWO", "TLT", "XLV", "VTV", "AOR"],
    ("Roth IRA", "roth_ira"): ["QQQ", "VNQ", "BND", "EFA", "HYG", "VUG", "XLK", "AOA"],
    ("Brokerage", "taxable"): ["AAPL", "MSFT", "NVDA", "GLD", "VIG", "JPM", "XLE", "SLV"],
}


def build_portfolio(client: httpx.Client) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    signup = client.post(
        "/api/auth/signup",
        json={"email": email, "password": "benchmark-pass", "display_name": "Bench"},
    )
    signup.raise_for_status()
    headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
    for (name, kind), symbols in ACCOUNTS.items():
        account = client.post(
            "/api/accounts",
            headers=headers,
            json={"account_name": name, "account_type": kind, "cash_balance": "2500"},
        )
        account.raise_for_status()
        for n, symbol in enumerate(symbols, start=1):
            client.post(
                f"/api/accounts/{account.json()['id']}/positions",
                headers=headers,
                json={"symbol": symbol, "quantity": str(10 * n + 0.5)},
            ).raise_for_status()
    return headers


def time_analysis(client: httpx.Client, headers: dict[str, str]) -> tuple[float, float]:
    """Seconds for the POST alone and from POST to a completed job (polled every 10 ms)."""
    start = time.perf_counter()
    response = client.post("/api/analyze", headers=headers)
    posted = time.perf_counter() - start
    response.raise_for_status()
    job_id = response.json()["job_id"]
    while True:
        status = client.get(f"/api/jobs/{job_id}", headers=headers).json()["status"]
        if status == "completed":
            return posted, time.perf_counter() - start
        if status == "failed":
            raise RuntimeError(f"analysis {job_id} failed")
        if time.perf_counter() - start > 60:
            raise RuntimeError(f"analysis {job_id} did not finish in 60 s")
        time.sleep(0.01)


def engines_only(database_url: str, user_id: str, runs: int) -> float:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        snapshot = load_portfolio(session, user_id)
    engine.dispose()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        analysis = analyse_portfolio(snapshot)
        project_retirement_for(snapshot, analysis)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmp,
        throwaway_database(args.db, Path(tmp)) as url,
        server(url, Path(tmp), {"ALEX_ANALYSIS_RATE_PER_HOUR": "1000"}) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        headers = build_portfolio(client)
        user_id = client.get("/api/user", headers=headers).json()["id"]
        time_analysis(client, headers)  # warm-up: imports, first queries
        posts, totals = zip(
            *(time_analysis(client, headers) for _ in range(args.runs)), strict=True
        )
        baseline = engines_only(url, user_id, args.runs)

    p50 = statistics.median(totals)
    print(f"database: {args.db}; portfolio: 3 accounts, 25 positions; {args.runs} analyses")
    print(f"POST /api/analyze        p50 {1000 * statistics.median(posts):7.1f} ms")
    print(f"POST -> completed        p50 {1000 * p50:7.1f} ms   max {1000 * max(totals):7.1f} ms")
    print(f"engines alone (baseline) p50 {1000 * baseline:7.1f} ms")
    print(f"ratio full analysis / engines alone: {p50 / baseline:.1f}x")
    print(
        f"budget 2 s: {'met' if max(totals) < 2 else 'NOT met'} (slowest run {max(totals):.2f} s)"
    )


if __name__ == "__main__":
    main()
