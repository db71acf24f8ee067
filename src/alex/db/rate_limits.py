"""A storage for the `limits` package on the app's own database (SQLite or PostgreSQL), so every
server process counts against one budget: `limits` ships in-memory, Redis, Memcached and
MongoDB storages, none of which a self-hosted Alex has.

It serves the moving-window strategy (`MovingWindowRateLimiter`): one row per counted hit, and
a key may take another hit when fewer than `limit` of its rows are younger than `expiry`. Two
processes must never both see room for the last hit, so the writers of one key are serialised:
on PostgreSQL by a transaction-scoped advisory lock on the key, on SQLite by the database's
single write lock, which the transaction's first statement (a delete) takes. Expired rows are
deleted as their key is hit, and every minute for all keys."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, text
from sqlalchemy.exc import SQLAlchemyError

from alex.db.models import RateLimitHit

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60.0


class DatabaseStorage(Storage, MovingWindowSupport):
    """`limits` storage in the `rate_limit_hits` table. `clock` (seconds since the epoch) is
    injectable so tests move time instead of waiting for it."""

    STORAGE_SCHEME = None  # built from an engine, never from a storage URI

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    # ------------------------------------------------------------------ moving window

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self.clock()
        self._sweep(now)
        with self.engine.begin() as conn:
            self._hold(conn, key, now)
            live = conn.scalar(
                select(func.count()).where(RateLimitHit.key == key, RateLimitHit.at > now - expiry)
            )
            if int(live or 0) + amount > limit:
                return False
            conn.execute(
                insert(RateLimitHit), [{"key": key, "at": now, "expires_at": now + expiry}] * amount
            )
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The oldest hit still in the window (when the window next has room) and how many
        hits it holds; `(now, 0)` when it holds none."""
        now = self.clock()
        with self.engine.connect() as conn:
            oldest, count = conn.execute(
                select(func.min(RateLimitHit.at), func.count()).where(
                    RateLimitHit.key == key, RateLimitHit.at > now - expiry
                )
            ).one()
        return (float(oldest), int(count)) if count else (now, 0)

    def _hold(self, conn: Connection, key: str, now: float) -> None:
        """Serialise this transaction with every other writer of `key` until it ends."""
        if conn.dialect.name == "postgresql":
            # Called in FROM, so the row holds a number and not the `void` the function returns,
            # which the RDS Data API refuses to return.
            lock = func.pg_advisory_xact_lock(func.hashtextextended(key, 0))
            conn.execute(select(literal(1)).select_from(lock))
        # On SQLite the first write takes the database's write lock for the transaction.
        conn.execute(
            delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.expires_at <= now)
        )

    def _sweep(self, now: float) -> None:
        """Delete every expired row now and then, so keys never hit again do not stay."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_SECONDS
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(RateLimitHit).where(RateLimitHit.expires_at <= now))
        except SQLAlchemyError as exc:  # the next sweep will do; the hit itself must go on
            log.warning("rate limit sweep failed: %s", str(exc).splitlines()[0])

    # ------------------------------------------------------------------ Storage

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("DatabaseStorage serves the moving window strategy only")

    def get(self, key: str) -> int:
        """Hits of `key` not yet expired."""
        with self.engine.connect() as conn:
            count = conn.scalar(
                select(func.count()).where(
                    RateLimitHit.key == key, RateLimitHit.expires_at > self.clock()
                )
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the last hit of `key` expires (now, if it has none)."""
        with self.engine.connect() as conn:
            latest = conn.scalar(
                select(func.max(RateLimitHit.expires_at)).where(RateLimitHit.key == key)
            )
        return float(latest) if latest is not None else self.clock()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(RateLimitHit)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitHit).where(RateLimitHit.key == key))
