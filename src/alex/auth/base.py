"""The authenticator interface and the JWT verification both implementations share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import jwt

from alex.core.errors import AuthenticationError

CLOCK_SKEW_SECONDS = 5


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for. `subject` is the user id."""

    subject: str
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str | None:
        for key in ("name", "full_name", "first_name"):
            value = self.claims.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
        return None


class Authenticator(Protocol):
    mode: str

    def verify(self, token: str) -> Principal:
        """Return the principal for a valid token; raise AuthenticationError otherwise."""
        ...

    def jwks(self) -> dict[str, Any]:
        """Public keys this server signs with (empty when it signs nothing)."""
        ...


def decode_rs256(
    token: str,
    key: Any,
    *,
    issuer: str,
    authorized_parties: list[str] | None = None,
) -> Principal:
    """Verify signature, `exp`, `nbf`, `iss` (and `azp` when present and parties are configured)
    the same way for our own tokens and for Clerk's."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("token expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise AuthenticationError("token issuer not accepted") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError("invalid token") from exc
    azp = claims.get("azp")
    if authorized_parties and azp is not None and azp not in authorized_parties:
        raise AuthenticationError("token authorized party not accepted")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 128:
        raise AuthenticationError("invalid token subject")
    return Principal(subject=subject, claims=claims)


class VerifiedTokens:
    """Tokens this process has verified, kept until they expire. Verifying an RSA signature is
    the largest fixed cost of an authenticated request and a client sends the same token on
    every call. Keyed by the whole token, so any change to it is a miss and a full check."""

    def __init__(
        self, max_entries: int = 10_000, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        principal = self._entries.get(token)
        if principal is None:
            return None
        if self.clock() >= float(principal.claims["exp"]) + CLOCK_SKEW_SECONDS:
            with self._lock:
                self._entries.pop(token, None)
            return None
        return principal

    def put(self, token: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[token] = principal


def key_id(token: str) -> str | None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthenticationError("invalid token") from exc
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None
