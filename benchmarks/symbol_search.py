"""Symbol search (autocomplete) latency on the full reference universe, SQLite and PostgreSQL.

    uv run python benchmarks/symbol_search.py                  # both databases
    uv run python benchmarks/symbol_search.py --db sqlite --repeat 50

Seeds a throwaway database with `alex db seed`'s data (33k funds and ETFs, the S&P 500, the
curated set), gives a second user a few private symbols (so the visibility filter has rows to
consider), then times `repo.search_instruments` for typical autocomplete queries, each
`--repeat` times in one session, as the API calls it. The baseline, timed in the same run, is
an exact-symbol primary-key read of one instrument: the cheapest query the database can
answer. Prints p50/p95 per query and its p50 as a multiple of the baseline's; exits 1 if a
query's p95 misses the goal (20 ms)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from api_load import throwaway_database
from sqlalchemy import select
from sqlalchemy.orm import Session

from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.models import Instrument
from alex.db.seed import seed
from alex.db.seed_data import DEMO_USER_ID
from alex.db.session import make_engine, session_scope
from alex.schemas import AccountCreate, PositionCreate, UserCreate

GOAL_MS = 20.0
# What people type into a symbol box: nothing yet (the first page), a whole ticker, its first
# letters, a fund family, words of a fund's name, a company name, a whole word, a share-class
# suffix, a query matching nothing.
QUERIES = [
    "",
    "VTI",
    "v",
    "vt",
    "fxaix",
    "vanguard",
    "total stock",
    "s&p 500",
    "vanguard 2050",
    "apple",
    "gold",
    "target retirement",
    "brk.b",
    "zzzzzz",
]


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    counts = seed(engine)
    print(f"  seeded {counts.instruments} instruments in {time.perf_counter() - started:.2f} s")
    with session_scope(engine) as session:
        other = repo.create_user(session, UserCreate(id="bench-other"))
        account = repo.create_account(
            session, other.id, AccountCreate(account_name="Other", account_type="taxable")
        )
        for n in range(50):
            repo.add_position(
                session, account, PositionCreate(symbol=f"ZPRIV{n}", quantity=Decimal(1))
            )
    engine.dispose()


def _time(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm: plan caches, the page cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def bench(kind: str, repeat: int) -> bool:
    print(f"\n{kind}")
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(kind, Path(tmp)) as url:
        _prepare(url)
        engine = make_engine(url)
        with Session(engine) as session:

            def baseline() -> object:
                return session.scalars(select(Instrument).where(Instrument.symbol == "VTI")).one()

            base = _time(baseline, repeat)
            base_p50 = statistics.median(base)
            print(f"  {'query':<20} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>11}  top results")
            print(f"  {'(pk read of VTI)':<20} {base_p50:8.2f} {_p(base, 95):8.2f} {1:11.1f}")
            ok = True
            for query in QUERIES:

                def search(q: str = query) -> object:
                    return repo.search_instruments(session, DEMO_USER_ID, q)

                samples = _time(search, repeat)
                top = [i.symbol for i in repo.search_instruments(session, DEMO_USER_ID, query)]
                p50, p95 = statistics.median(samples), _p(samples, 95)
                ok &= p95 < GOAL_MS
                print(
                    f"  {query!r:<20} {p50:8.2f} {p95:8.2f} {p50 / base_p50:11.1f}  "
                    f"{', '.join(top[:5])}"
                )
        engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per query")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [bench(kind, args.repeat) for kind in kinds]
    if not all(results):
        print(f"\nGOAL MISSED: a query's p95 is {GOAL_MS:.0f} ms or more")
        sys.exit(1)
    print(f"\nevery query's p95 is under {GOAL_MS:.0f} ms")


if __name__ == "__main__":
    main()
