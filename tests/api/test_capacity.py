"""What keeps reads cheap under concurrency: requests stay inside the pool's persistent
connections, and the start-up heap is out of the garbage collector's way."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from alex.api.app import request_db_slots
from tests.api.conftest import Headers, make_account


def test_concurrent_requests_reuse_pooled_connections(
    app: FastAPI, client: TestClient, alice: Headers
) -> None:
    engine = app.state.engine
    assert isinstance(engine.pool, QueuePool)
    slots = request_db_slots(engine, app.state.settings)
    assert slots <= engine.pool.size()
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


def test_serving_freezes_the_start_up_heap(
    client: TestClient, token_for: Callable[[str], Headers]
) -> None:
    assert gc.get_freeze_count() > 0
