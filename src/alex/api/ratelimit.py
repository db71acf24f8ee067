"""Per-user rate limits.

- Analysis starts are counted from the jobs table (`ALEX_ANALYSIS_RATE_PER_HOUR`), so the limit
  holds across processes and restarts.
- Writes use an in-process sliding window (`ALEX_WRITE_RATE_PER_MINUTE`, generous): it guards a
  single server against runaway clients; behind several processes each enforces it alone.
- Sign-in and sign-up attempts use the same window (`ALEX_SIGNIN_RATE_PER_MINUTE`), counted per
  client address and, for sign-in, per email, so passwords cannot be guessed at request speed."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
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

    def __init__(self, per_minute: int, what: str, *, window_seconds: float = 60.0) -> None:
        self.limit = per_minute
        self.what = what
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
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
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys
                for key in [k for k, v in self._hits.items() if not v]:
                    del self._hits[key]
