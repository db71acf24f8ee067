"""Rate limits counted in the database, on SQLite and PostgreSQL: two engines (as two server
processes have) and two real processes share one budget; nobody gets more hits than the limit
however the hits interleave. The limiter's clock is injected, so time is moved, not waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from alex.api.app import create_app
from alex.api.ratelimit import SharedLimiter
from alex.core.config import PROJECT_ROOT, Settings
from alex.core.errors import RateLimitedError
from alex.db.models import RateLimitHit
from alex.db.rate_limits import DatabaseStorage
from alex.db.session import make_engine, session_scope


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def two_engines(engine: Engine, db_url: str) -> Iterator[Callable[[], tuple[Engine, Engine]]]:
    """The test database and a second engine on it: what a second server process has."""
    opened: list[Engine] = []

    def make() -> tuple[Engine, Engine]:
        other = make_engine(db_url)
        opened.append(other)
        return engine, other

    yield make
    for other in opened:
        other.dispose()


def limiters(engines: tuple[Engine, ...], clock: Clock, per_minute: int) -> list[SharedLimiter]:
    return [
        SharedLimiter(DatabaseStorage(e, clock=clock), per_minute, "tries", namespace="t")
        for e in engines
    ]


def rows(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(RateLimitHit)) or 0)


def test_two_processes_share_one_budget(two_engines: Callable[[], tuple[Engine, Engine]]) -> None:
    clock = Clock()
    a, b = limiters(two_engines(), clock, per_minute=3)
    a.check("client:1")
    clock.now += 10
    b.check("client:1")
    a.check("client:1")
    clock.now += 5
    with pytest.raises(RateLimitedError) as refused:
        b.check("client:1")
    # The first hit leaves the window 60 s after it was made, 45 s from now.
    assert refused.value.retry_after_seconds == 45
    assert "at most 3 tries per minute; try again in 45 s" in str(refused.value)
    a.check("client:2")  # another key has its own budget
    clock.now += 45
    b.check("client:1")  # the oldest hit has left the window
    with pytest.raises(RateLimitedError):
        a.check("client:1")


def test_testing_does_not_count_and_recording_does(
    two_engines: Callable[[], tuple[Engine, Engine]],
) -> None:
    clock = Clock()
    a, b = limiters(two_engines(), clock, per_minute=2)
    for _ in range(5):
        a.ensure_allowed("email:x")
    b.record("email:x")
    a.record("email:x")
    with pytest.raises(RateLimitedError):
        b.ensure_allowed("email:x")


def test_a_very_long_key_is_stored_and_counted(engine: Engine) -> None:
    clock = Clock()
    (limiter,) = limiters((engine,), clock, per_minute=1)
    long_key = "client:" + "x" * 5000
    limiter.check(long_key)
    with pytest.raises(RateLimitedError):
        limiter.check(long_key)
    limiter.check(long_key[:-1] + "y")  # another key, though its first 200 characters match


def test_expired_hits_are_deleted(engine: Engine) -> None:
    clock = Clock()
    (limiter,) = limiters((engine,), clock, per_minute=5)
    for n in range(4):
        limiter.check(f"client:{n}")
    assert rows(engine) == 4
    clock.now += 120  # past the window and the sweep interval
    limiter.check("client:new")
    assert rows(engine) == 1


def test_concurrent_hits_never_exceed_the_limit(
    two_engines: Callable[[], tuple[Engine, Engine]],
) -> None:
    """Eight threads over two engines race for ten hits of one key: exactly ten get one."""
    engines = two_engines()
    storages = [DatabaseStorage(e) for e in engines]
    shared = [SharedLimiter(s, 10, "tries", namespace="race") for s in storages]

    def attempt(n: int) -> bool:
        try:
            shared[n % 2].check("client:racer")
        except RateLimitedError:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(40)))
    assert sum(results) == 10


def test_two_real_processes_share_one_budget(engine: Engine, db_url: str) -> None:
    """Two processes, started together, race for ten hits of one key: ten in all."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.api.rate_limit_worker", db_url, "15"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        counts = [int(proc.communicate(timeout=60)[0].strip()) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert sum(counts) == 10, counts


def test_sign_in_budget_is_shared_by_server_processes(settings: Settings, seeded: Engine) -> None:
    """`alex serve --workers 2`: each process builds its own app; the budget is still one."""
    limited = settings.model_copy(update={"signin_rate_per_minute": 3})
    first = create_app(limited, engine=seeded, start_workers=False)
    second = create_app(limited, engine=make_engine(limited.database_url), start_workers=False)
    wrong = {"email": "victim@example.com", "password": "guess-guess"}
    with TestClient(first) as one, TestClient(second) as two:
        assert one.post("/api/auth/signin", json=wrong).status_code == 401
        assert two.post("/api/auth/signin", json=wrong).status_code == 401
        assert one.post("/api/auth/signin", json=wrong).status_code == 401
        refused = two.post("/api/auth/signin", json=wrong)
        assert refused.status_code == 429
        assert "sign-in attempts per minute" in refused.json()["detail"]
    second.state.engine.dispose()
