"""Per-user and per-client rate limits.

- Analysis starts are counted from the jobs table (`ALEX_ANALYSIS_RATE_PER_HOUR`).
- Writes (`ALEX_WRITE_RATE_PER_MINUTE`, generous, per user) and sign-in and sign-up attempts
  (`ALEX_SIGNIN_RATE_PER_MINUTE`) are `limits`' moving window over the database
  (`db/rate_limits.py`): every attempt counts against the client address, and failed sign-ins
  against the email, so passwords cannot be guessed at request speed and a correct password
  alone never uses the email's budget.

Every count lives in the database, so the limits hold across server processes (`alex serve
--workers N` does not multiply them) and restarts."""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from alex.core.errors import RateLimitedError
from alex.db import repository as repo
from alex.db.rate_limits import DatabaseStorage
from alex.db.types import utcnow

ANALYSIS_WINDOW = timedelta(hours=1)
# Keys carry what callers send (an email, a forwarded address); past this length a key is
# shortened with a digest of the whole, so the stored key always fits its column.
MAX_KEY_LENGTH = 300


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


class SharedLimiter:
    """At most `per_minute` hits per key in any 60 s, counted in `storage`; `what` names the
    hits in the 429 message and `namespace` keeps this limit's keys apart from others'."""

    def __init__(
        self, storage: DatabaseStorage, per_minute: int, what: str, *, namespace: str
    ) -> None:
        self.storage = storage
        self.item = RateLimitItemPerMinute(per_minute, namespace=namespace)
        self.window = MovingWindowRateLimiter(storage)
        self.what = what

    def check(self, key: str) -> None:
        """Count a hit for `key`, or raise RateLimitedError if its budget is spent."""
        key = _bounded(key)
        if not self.window.hit(self.item, key):
            raise self._refusal(key)

    def ensure_allowed(self, key: str) -> None:
        """Raise if `key`'s budget is spent, without counting a hit (see `record`)."""
        key = _bounded(key)
        if not self.window.test(self.item, key):
            raise self._refusal(key)

    def record(self, key: str) -> None:
        """Count a hit that `ensure_allowed` let through (e.g. a failed password). If another
        process spent the budget meanwhile there is nothing left to count."""
        self.window.hit(self.item, _bounded(key))

    def _refusal(self, key: str) -> RateLimitedError:
        reset = self.window.get_window_stats(self.item, key).reset_time
        retry_after = max(1, math.ceil(reset - self.storage.clock()))
        return RateLimitedError(
            f"at most {self.item.amount} {self.what} per minute; try again in {retry_after} s",
            retry_after_seconds=retry_after,
        )


def _bounded(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return key[:200] + "#" + hashlib.sha256(key.encode()).hexdigest()
