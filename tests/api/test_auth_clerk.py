"""Clerk-style tokens verified against a JWKS served by a local HTTP server on 127.0.0.1 (the
authenticator fetches it with PyJWT's own client, as it would fetch Clerk's)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
JWKS_PATH = "/.well-known/jwks.json"
APP_ORIGIN = "https://alex.example.com"


class Clerk:
    """A stand-in for Clerk: a signing key and the JWKS endpoint that publishes it."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "clerk-key-1"
        self.fetches = 0
        self.jwks_url = ""

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

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
def clerk() -> Iterator[Clerk]:
    """Clerk, its JWKS served on a free local port for the length of the test."""
    stand_in = Clerk()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            stand_in.fetches += 1
            body = json.dumps(stand_in.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    stand_in.jwks_url = f"http://127.0.0.1:{server.server_address[1]}{JWKS_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


def clerk_settings_for(settings: Settings, jwks_url: str) -> Settings:
    return settings.model_copy(
        update={
            "auth": "clerk",
            "clerk_jwks_url": jwks_url,
            "clerk_issuer": ISSUER,
            "clerk_authorized_parties": [APP_ORIGIN],
            "clerk_publishable_key": "pk_test_abc",
        }
    )


@pytest.fixture
def clerk_client(
    clerk: Clerk, settings: Settings, seeded: Engine
) -> Iterator[tuple[TestClient, ClerkAuthenticator]]:
    clerk_settings = clerk_settings_for(settings, clerk.jwks_url)
    auth = ClerkAuthenticator(clerk_settings)
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
    clerk: Clerk, settings: Settings, seeded: Engine
) -> None:
    clerk_settings = clerk_settings_for(settings, clerk.jwks_url)
    # No cooldown between refetches: this test is about rotation, not about pacing.
    auth = ClerkAuthenticator(clerk_settings, refetch_cooldown=0)
    app = create_app(clerk_settings, engine=seeded, authenticator=auth, start_workers=False)
    with TestClient(app) as client:
        for _ in range(5):
            assert _get(client, clerk.token()).status_code == 200
        assert clerk.fetches == 1

        clerk.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        clerk.kid = "clerk-key-2"
        assert _get(client, clerk.token()).status_code == 200
        assert clerk.fetches == 2


def test_unknown_key_ids_do_not_refetch_within_the_cooldown(
    clerk: Clerk, clerk_client: tuple[TestClient, ClerkAuthenticator]
) -> None:
    client, _ = clerk_client
    assert _get(client, clerk.token()).status_code == 200
    claims = jwt.decode(clerk.token(), options={"verify_signature": False})
    for n in range(5):
        forged = jwt.encode({**claims, "jti": str(n)}, clerk.key, "RS256", {"kid": f"made-up-{n}"})
        assert _get(client, forged).status_code == 401
    assert clerk.fetches == 1


def test_a_token_without_kid_uses_the_only_key(
    clerk: Clerk, clerk_client: tuple[TestClient, ClerkAuthenticator]
) -> None:
    client, _ = clerk_client
    claims = jwt.decode(clerk.token(), options={"verify_signature": False})
    assert _get(client, jwt.encode(claims, clerk.key, "RS256")).status_code == 200


def test_jwks_unreachable_is_401_not_500(settings: Settings, seeded: Engine, clerk: Clerk) -> None:
    # Port 1 on the loopback refuses connections at once.
    clerk_settings = clerk_settings_for(settings, f"http://127.0.0.1:1{JWKS_PATH}")
    auth = ClerkAuthenticator(clerk_settings)
    app = create_app(clerk_settings, engine=seeded, authenticator=auth, start_workers=False)
    with TestClient(app) as client:
        response = _get(client, clerk.token())
        assert response.status_code == 401
        assert response.json() == {"detail": "cannot verify tokens right now"}
