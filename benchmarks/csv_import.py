"""Broker CSV import at the size limit (5,000 lines), SQLite and PostgreSQL.

    uv run python benchmarks/csv_import.py             # both databases
    uv run python benchmarks/csv_import.py --db sqlite --rows 1000

Posts a generated simple-layout file (symbol, quantity, price) to the import endpoint of an
in-process app, as the web app does: first the preview, which parses and checks every line but
writes nothing (the baseline), then the commit into an empty account (every line a new
position, a new private symbol and the user's own price), then the same file again (every line
an update). Prints seconds per step and each commit as a multiple of the preview."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from api_load import throwaway_database
from fastapi.testclient import TestClient

from alex.api.app import create_app
from alex.core.config import Settings, get_settings
from alex.db.migrate import upgrade
from alex.db.seed import seed_instruments
from alex.db.session import make_engine, session_scope


def _file(rows: int) -> str:
    lines = ["symbol,quantity,price"]
    lines += [f"ZB{n:05d},{1 + n % 97}.5,{10 + n % 300}.25" for n in range(rows)]
    return "\n".join(lines) + "\n"


def run(kind: str, rows: int) -> None:
    # The repository reads the private-symbol limit from the process settings.
    os.environ["ALEX_MAX_PRIVATE_SYMBOLS"] = str(rows)
    get_settings.cache_clear()
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(kind, Path(tmp)) as url:
        upgrade(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            seed_instruments(session)
        settings = Settings(
            database_url=url,
            var_dir=Path(tmp) / "var",
            local_workers=0,
            frontend_dir=Path(tmp) / "none",
            max_private_symbols=rows,
            write_rate_per_minute=10_000,
        )
        app = create_app(settings, engine=engine, start_workers=False)
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {app.state.auth.issue('bench')}"}
            client.get("/api/user", headers=headers)
            account = client.post(
                "/api/accounts",
                json={"account_name": "Bench", "account_type": "taxable"},
                headers=headers,
            ).json()
            url_path = f"/api/accounts/{account['id']}/import"
            body = _file(rows).encode()
            post_headers = {**headers, "Content-Type": "text/csv"}

            def timed(commit: bool) -> float:
                start = time.perf_counter()
                response = client.post(
                    url_path, content=body, headers=post_headers, params={"commit": commit}
                )
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, response.text[:500]
                return elapsed

            preview = timed(False)
            add = timed(True)
            update = timed(True)
        engine.dispose()
    print(
        f"{kind:<10} {rows} lines: preview {preview:.2f} s; commit, all new {add:.2f} s "
        f"({add / preview:.1f}× preview); commit, all updates {update:.2f} s "
        f"({update / preview:.1f}× preview)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        run(kind, args.rows)


if __name__ == "__main__":
    main()
