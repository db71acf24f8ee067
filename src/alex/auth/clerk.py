"""Clerk session tokens: RS256 JWTs verified against Clerk's JWKS with issuer and
authorised-party checks. The user row is created by the API on first request.

The keys come from PyJWT's `PyJWKClient`: it caches the key set for `ALEX_JWKS_CACHE_SECONDS`
and, when a token names a key it has not seen (Clerk rotated its keys), fetches the set again,
at most once per `MIN_REFETCH_SECONDS` so forged key ids cannot make us hammer Clerk. When the
set cannot be fetched, tokens are refused (401) until it can."""

from __future__ import annotations

import logging
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKClientConnectionError, PyJWKClientError

from alex.auth.base import Principal, VerifiedTokens, decode_rs256, key_id
from alex.core.config import Settings
from alex.core.errors import AuthenticationError

log = logging.getLogger(__name__)

MIN_REFETCH_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 5.0


class ClerkAuthenticator:
    mode = "clerk"

    def __init__(
        self, settings: Settings, *, refetch_cooldown: float = MIN_REFETCH_SECONDS
    ) -> None:
        if not settings.clerk_jwks_url or not settings.clerk_issuer:
            raise ValueError("ALEX_AUTH=clerk needs ALEX_CLERK_JWKS_URL and ALEX_CLERK_ISSUER")
        self.issuer = settings.clerk_issuer
        self.authorized_parties = list(settings.clerk_authorized_parties)
        self.keys = PyJWKClient(
            settings.clerk_jwks_url,
            cache_jwk_set=True,
            lifespan=settings.jwks_cache_seconds,
            timeout=FETCH_TIMEOUT_SECONDS,
            cooldown_duration=refetch_cooldown,
        )
        self._verified = VerifiedTokens()

    def _key_for(self, kid: str | None) -> Any:
        try:
            if kid is None:  # acceptable only while Clerk publishes a single key
                keys = self.keys.get_signing_keys()
                if len(keys) != 1:
                    raise AuthenticationError("invalid token")
                return keys[0].key
            return self.keys.get_signing_key(kid).key
        except PyJWKClientConnectionError as exc:
            log.warning("could not fetch Clerk JWKS", extra={"error": str(exc)})
            raise AuthenticationError("cannot verify tokens right now") from exc
        except (PyJWKClientError, jwt.PyJWTError) as exc:  # unknown kid, or a bad key set
            raise AuthenticationError("invalid token") from exc

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
