"""Tokens refused before they expire: signed-out tokens and, after a user deletes their data,
every token issued to them until then. Held in memory for a per-request check that costs no
query; the `token_revocations` table shares them between processes and hosts, each of which
polls it (`ALEX_REVOCATION_POLL_SECONDS`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from alex.auth.base import Principal
from alex.core.errors import AuthenticationError
from alex.db import repository as repo
from alex.db.models import TokenRevocation
from alex.db.session import session_scope
from alex.db.types import utcnow

PROFILE_DELETED = "this profile was deleted; sign in again"

# A revocation row becomes visible to pollers when its transaction commits, which may be after
# rows created later; each poll re-reads this far back (applying a row twice is harmless).
POLL_OVERLAP = timedelta(seconds=60)


def issued_at(principal: Principal) -> datetime:
    """The token's `iat`. It has one-second resolution, so a token issued in the second of a
    deletion, before or after it, counts as issued before it: refusing a new token for under a
    second is the safe side of that tie."""
    value = principal.claims.get("iat")
    seconds = float(value) if isinstance(value, int | float) else 0.0
    return datetime.fromtimestamp(seconds, UTC)


class Revocations:
    def __init__(self) -> None:
        self._tokens: dict[str, datetime] = {}  # jti -> when the token expires anyway
        self._cutoffs: dict[str, tuple[datetime, datetime]] = {}  # user -> (issued_before, exp)
        self._polled_at: datetime | None = None
        self._lock = threading.Lock()

    def check(self, principal: Principal) -> None:
        """Raise if the token was signed out or predates its user's data deletion."""
        jti = principal.claims.get("jti")
        if isinstance(jti, str) and jti in self._tokens:
            raise AuthenticationError("token signed out")
        cutoff = self._cutoffs.get(principal.subject)
        if cutoff is not None and issued_at(principal) <= cutoff[0]:
            raise AuthenticationError(PROFILE_DELETED)

    def apply(self, rows: Iterable[TokenRevocation]) -> None:
        now = utcnow()
        with self._lock:
            for row in rows:
                if row.jti is not None:
                    self._tokens[row.jti] = row.expires_at
                elif row.user_id is not None and row.issued_before is not None:
                    previous = self._cutoffs.get(row.user_id)
                    if previous is None or previous[0] < row.issued_before:
                        self._cutoffs[row.user_id] = (row.issued_before, row.expires_at)
            self._tokens = {k: v for k, v in self._tokens.items() if v > now}
            self._cutoffs = {k: v for k, v in self._cutoffs.items() if v[1] > now}

    def refresh(self, engine: Engine) -> None:
        """Load what other processes revoked since the last poll (everything, the first time)."""
        started = utcnow()
        since = self._polled_at - POLL_OVERLAP if self._polled_at is not None else None
        with session_scope(engine) as session:
            rows = repo.token_revocations(session, created_since=since)
            self.apply(rows)
        self._polled_at = started
