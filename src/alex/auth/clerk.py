"""Clerk session tokens: RS256 JWTs verified against Clerk's JWKS (cached) with issuer and
authorised-party checks. The user row is created by the API on first request."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
import jwt

from alex.auth.base import Principal, VerifiedTokens, decode_rs256, key_id
from alex.core.config import Settings
from alex.core.errors import AuthenticationError

log = logging.getLogger(__name__)

# A token with an unknown `kid` may mean Clerk rotated keys: refetch, but not more often than this.
MIN_REFETCH_SECONDS = 30.0


class ClerkAuthenticator:
    mode = "clerk"

    def __init__(self, settings: Settings, *, http_client: httpx.Client | None = None) -> None:
        if not settings.clerk_jwks_url or not settings.clerk_issuer:
            raise ValueError("ALEX_AUTH=clerk needs ALEX_CLERK_JWKS_URL and ALEX_CLERK_ISSUER")
        self.jwks_url = settings.clerk_jwks_url
        self.issuer = settings.clerk_issuer
        self.authorized_parties = list(settings.clerk_authorized_parties)
        self.cache_seconds = settings.jwks_cache_seconds
        self._client = http_client or httpx.Client(timeout=5.0)
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()
        self._verified = VerifiedTokens()

    def _refresh(self, *, force: bool) -> None:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if self._keys and age < (MIN_REFETCH_SECONDS if force else self.cache_seconds):
                return
            try:
                response = self._client.get(self.jwks_url)
                response.raise_for_status()
                keyset = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
                log.warning("could not fetch Clerk JWKS", extra={"error": str(exc)})
                if not self._keys:
                    raise AuthenticationError("cannot verify tokens right now") from exc
                return
            self._keys = {k.key_id: k.key for k in keyset.keys if k.key_id}
            self._fetched_at = time.monotonic()

    def _key_for(self, kid: str | None) -> Any:
        self._refresh(force=False)
        if kid is None:
            if len(self._keys) == 1:
                return next(iter(self._keys.values()))
            raise AuthenticationError("invalid token")
        if kid not in self._keys:
            self._refresh(force=True)
        try:
            return self._keys[kid]
        except KeyError:
            raise AuthenticationError("invalid token") from None

    def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            key = self._key_for(key_id(token))
            principal = decode_rs256(
                token, key, issuer=self.issuer, authorized_parties=self.authorized_parties
            )
            self._verified.put(token, principal)
        return principal

    def jwks(self) -> dict[str, Any]:
        return {"keys": []}
