"""What keeps reads cheap under concurrency: requests stay inside the pool's persistent
connections, and the start-up heap is out of the garbage collector's way."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from alex.api.app import create_app, request_db_slots
from alex.core.config import Settings
from tests.api.conftest import Headers, make_account


def test_concurrent_requests_reuse_pooled_connections(
    settings: Settings, seeded: Engine, token_for: Callable[[str], Headers]
) -> None:
    # No revocation poll during the burst: it may take a connection of its own.
    app = create_app(
        settings.model_copy(update={"revocation_poll_seconds": 3600}),
        engine=seeded,
        start_workers=False,
    )
    engine = app.state.engine
    assert isinstance(engine.pool, QueuePool)
    slots = request_db_slots(engine, app.state.settings)
    assert slots <= engine.pool.size()
    alice = token_for("user_alice")
    with TestClient(app) as client:
        account = make_account(client, alice)
        opened: list[object] = []
        event.listen(engine, "connect", lambda *_: opened.append(1))

        async def burst() -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                paths = ["/api/accounts", f"/api/accounts/{account['id']}", "/api/jobs"] * 30
                responses = await asyncio.gather(*(http.get(p, headers=alice) for p in paths))
            return [r.status_code for r in responses]

        assert set(asyncio.run(burst())) == {200}
    # Connections beyond the persistent ones are opened and closed per checkout; requests
    # never need them, so 90 concurrent requests open at most the pool's own.
    assert len(opened) <= engine.pool.size()


def test_serving_freezes_the_start_up_heap(tmp_path: Path) -> None:
    """In a fresh interpreter: nothing is frozen until the app has started."""
    script = (
        "import gc; from fastapi.testclient import TestClient; "
        "from alex.api.app import create_app; "
        "app = create_app(start_workers=False); before = gc.get_freeze_count()\n"
        "with TestClient(app): print(before, gc.get_freeze_count())"
    )
    env = {
        **os.environ,
        "ALEX_DATABASE_URL": f"sqlite:///{tmp_path / 'heap.db'}",
        "ALEX_VAR_DIR": str(tmp_path / "var"),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert before == 0
    assert after > 10_000  # the framework and its dependencies, at least
