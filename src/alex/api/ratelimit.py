"""Per-user rate limits.

- Analysis starts are counted from the jobs table (`ALEX_ANALYSIS_RATE_PER_HOUR`), so the limit
  holds across processes and restarts.
- Writes use an in-process sliding window (`ALEX_WRITE_RATE_PER_MINUTE`, generous): it guards a
  single server against runaway clients; behind several processes each enforces it alone.
- Sign-in and sign-up attempts use the same window (`ALEX_SIGNIN_RATE_PER_MINUTE`, per process):
  every attempt counts against the client address, and failed sign-ins against the email, so
  passwords cannot be guessed at request speed and a correct password alone never uses the
  email's budget."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from alex.core.errors import RateLimitedError
from alex.db import repository as repo
from alex.db.types import utcnow

ANALYSIS_WINDOW = timedelta(hours=1)


def check_analysis_rate(session: Session, user_id: str, per_hour: int) -> None:
    now = utcnow()
    since = now - ANALYSIS_WINDOW
    if repo.count_jobs_since(session, user_id, since) < per_hour:
        return
    oldest = repo.oldest_job_since(session, user_id, since) or now
    retry_after = max(1, math.ceil((oldest + ANALYSIS_WINDOW - now).total_seconds()))
    raise RateLimitedError(
        f"at most {per_hour} analyses per hour; try again in {retry_after} s",
        retry_after_seconds=retry_after,
    )


class SlidingWindowLimiter:
    """At most `per_minute` hits per key in any 60 s; `what` names them in the 429 message."""

    def __init__(
        self,
        per_minute: int,
        what: str,
        *,
        window_seconds: float = 60.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.limit = per_minute
        self.what = what
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count a hit for `key`, or raise RateLimitedError if its budget is spent."""
        self._hit(key, record=True)

    def ensure_allowed(self, key: str) -> None:
        """Raise if `key`'s budget is spent, without counting a hit (see `record`)."""
        self._hit(key, record=False)

    def record(self, key: str) -> None:
        """Count a hit that `ensure_allowed` let through (e.g. a failed password)."""
        with self._lock:
            self._hits.setdefault(key, deque()).append(self.clock())
            self._forget_idle(self.clock())

    def _hit(self, key: str, *, record: bool) -> None:
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(hits[0] + self.window - now))
                raise RateLimitedError(
                    f"at most {self.limit} {self.what} per minute; try again in {retry_after} s",
                    retry_after_seconds=retry_after,
                )
            if record:
                hits.append(now)
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no hit inside the window once there are many: keys include client
        addresses and emails, which callers choose."""
        if len(self._hits) <= self.max_keys:
            return
        cutoff = now - self.window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]:
            del self._hits[key]
