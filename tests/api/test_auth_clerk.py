"""Clerk-style tokens verified against a JWKS served in-process (httpx MockTransport)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.auth.clerk import ClerkAuthenticator
from alex.core.config import Settings

ISSUER = "https://clerk.alex.test"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
APP_ORIGIN = "https://alex.example.com"


class Clerk:
    """A stand-in for Clerk: a signing key and the JWKS endpoint that publishes it."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "clerk-key-1"
        self.fetches = 0

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        return httpx.Response(200, json=self.jwks())

    def token(self, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "sub": "user_2clerkABC",
            "azp": APP_ORIGIN,
            "iat": now,
            "nbf": now,
            "exp": now + 60,
            "sid": "sess_123",
            **claims,
        }
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def clerk() -> Clerk:
    return Clerk()


@pytest.fixture
def clerk_client(
    clerk: Clerk, settings: Settings, seeded: Engine
) -> Iterator[tuple[TestClient, ClerkAuthenticator]]:
    clerk_settings = settings.model_copy(
        update={
            "auth": "clerk",
            "clerk_jwks_url": JWKS_URL,
            "clerk_issuer": ISSUER,
            "clerk_authorized_parties": [APP_ORIGIN],
            "clerk_publishable_key": "pk_test_abc",
        }
    )
    auth = ClerkAuthenticator(
        clerk_settings, http_client=httpx.Client(transport=httpx.MockTransport(clerk.handler))
    )
    app = create_app(clerk_settings, engine=seeded, authenticator=auth, start_workers=False)
    with TestClient(app) as client:
        yield client, auth


def _get(client: TestClient, token: str) -> httpx.Response:
    return client.get("/api/user", headers={"Authorization": f"Bearer {token}"})


def test_good_token_creates_user_on_first_request(
    clerk: Clerk, clerk_client: tuple[TestClient, ClerkAuthenticator]
) -> None:
    client, _ = clerk_client
    response = _get(client, clerk.token(name="Pat Doe"))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "user_2clerkABC"
    assert response.json()["display_name"] == "Pat Doe"
    # A token without azp (e.g. a backend token) is accepted, as Clerk's SDK does.
    no_azp = clerk.token()
    claims = jwt.decode(no_azp, options={"verify_signature": False})
    claims.pop("azp")
    assert (
        _get(client, jwt.encode(claims, clerk.key, "RS256", {"kid": clerk.kid})).status_code == 200
    )
    assert client.get("/api/auth/config").json() == {
        "mode": "clerk",
        "demo_enabled": False,
        "clerk_publishable_key": "pk_test_abc",
    }


@pytest.mark.parametrize(
    ("case", "claims", "message"),
    [
        ("wrong issuer", {"iss": "https://evil.example"}, "token issuer not accepted"),
        ("wrong azp", {"azp": "https://evil.example"}, "token authorized party not accepted"),
        (
            "expired",
            {
                "iat": int(time.time()) - 600,
                "nbf": int(time.time()) - 600,
                "exp": int(time.time()) - 300,
            },
            "token expired",
        ),
        ("not yet valid", {"nbf": int(time.time()) + 600}, "invalid token"),
    ],
)
def test_rejected_claims(
    clerk: Clerk,
    clerk_client: tuple[TestClient, ClerkAuthenticator],
    case: str,
    claims: dict[str, Any],
    message: str,
) -> None:
    client, _ = clerk_client
    response = _get(client, clerk.token(**claims))
    assert response.status_code == 401, case
    assert response.json() == {"detail": message}


def test_wrong_key_and_unknown_kid(
    clerk: Clerk, clerk_client: tuple[TestClient, ClerkAuthenticator]
) -> None:
    client, _ = clerk_client
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _get(client, clerk.token(key=impostor)).status_code == 401
    unknown_kid = jwt.encode(
        jwt.decode(clerk.token(), options={"verify_signature": False}),
        clerk.key,
        "RS256",
        {"kid": "rotated-away"},
    )
    assert _get(client, unknown_kid).status_code == 401
    # Built-in routes are off in clerk mode.
    assert client.post("/api/auth/demo").status_code == 404
    assert (
        client.post("/api/auth/signin", json={"email": "a@b.co", "password": "x"}).status_code
        == 404
    )


def test_jwks_is_cached_and_refetched_on_rotation(
    clerk: Clerk, clerk_client: tuple[TestClient, ClerkAuthenticator]
) -> None:
    client, auth = clerk_client
    for _ in range(5):
        assert _get(client, clerk.token()).status_code == 200
    assert clerk.fetches == 1

    clerk.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clerk.kid = "clerk-key-2"
    auth._fetched_at -= 60  # past the minimum refetch interval
    assert _get(client, clerk.token()).status_code == 200
    assert clerk.fetches == 2


def test_jwks_unreachable_is_401_not_500(settings: Settings, seeded: Engine, clerk: Clerk) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    clerk_settings = settings.model_copy(
        update={"auth": "clerk", "clerk_jwks_url": JWKS_URL, "clerk_issuer": ISSUER}
    )
    auth = ClerkAuthenticator(
        clerk_settings, http_client=httpx.Client(transport=httpx.MockTransport(down))
    )
    app = create_app(clerk_settings, engine=seeded, authenticator=auth, start_workers=False)
    with TestClient(app) as client:
        assert _get(client, clerk.token()).status_code == 401
