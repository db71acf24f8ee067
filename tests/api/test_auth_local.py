"""Built-in accounts: sign-up, sign-in, demo, sign-out, and every way a token can be bad."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alex.auth.local import LocalAuthenticator, load_or_create_key
from alex.core.config import Settings


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_config(client: TestClient) -> None:
    assert client.get("/api/auth/config").json() == {
        "mode": "local",
        "demo_enabled": True,
        "clerk_publishable_key": None,
    }


def test_signup_signin_and_token(client: TestClient, app: FastAPI) -> None:
    signup = client.post(
        "/api/auth/signup",
        json={"email": "Dana@Example.com", "password": "correct horse", "display_name": "Dana"},
    )
    assert signup.status_code == 201, signup.text
    body = signup.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 720 * 60
    user = client.get("/api/user", headers=_bearer(body["access_token"])).json()
    assert user == {**user, "id": body["user_id"], "display_name": "Dana"}

    claims = jwt.decode(
        body["access_token"],
        app.state.auth._public_key,
        algorithms=["RS256"],
        issuer="alex-local",
    )
    assert claims["sub"] == body["user_id"]
    header = jwt.get_unverified_header(body["access_token"])
    jwks = client.get("/.well-known/jwks.json").json()
    assert header["kid"] == jwks["keys"][0]["kid"]
    assert "d" not in jwks["keys"][0]  # public only

    dup = client.post(
        "/api/auth/signup", json={"email": "dana@example.com", "password": "another one"}
    )
    assert dup.status_code == 409

    signin = client.post(
        "/api/auth/signin", json={"email": "dana@example.com", "password": "correct horse"}
    )
    assert signin.status_code == 200
    assert signin.json()["user_id"] == body["user_id"]

    wrong = client.post("/api/auth/signin", json={"email": "dana@example.com", "password": "nope"})
    unknown = client.post(
        "/api/auth/signin", json={"email": "who@example.com", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid email or password"}


def test_signup_validation(client: TestClient) -> None:
    response = client.post("/api/auth/signup", json={"email": "not-an-email", "password": "short"})
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"email", "password"}


def test_signout_revokes_token(client: TestClient, app: FastAPI) -> None:
    token = app.state.auth.issue("user_erin")
    assert client.get("/api/user", headers=_bearer(token)).status_code == 200
    assert client.post("/api/auth/signout", headers=_bearer(token)).status_code == 204
    assert client.get("/api/user", headers=_bearer(token)).status_code == 401
    assert client.post("/api/auth/signout").status_code == 204


def test_demo_signin(client: TestClient) -> None:
    demo = client.post("/api/auth/demo")
    assert demo.status_code == 200
    assert demo.json()["user_id"] == "demo"
    accounts = client.get("/api/accounts", headers=_bearer(demo.json()["access_token"])).json()
    assert len(accounts) == 3
    assert client.post("/api/auth/demo").status_code == 200  # idempotent


def test_demo_disabled(settings: Settings, seeded: object) -> None:
    app = __import__("alex.api.app", fromlist=["create_app"]).create_app(
        settings.model_copy(update={"demo_login_enabled": False}),
        start_workers=False,
    )
    with TestClient(app) as client:
        assert client.post("/api/auth/demo").status_code == 404
        assert client.get("/api/auth/config").json()["demo_enabled"] is False


@pytest.fixture
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_bad_tokens_are_401_with_www_authenticate(
    client: TestClient, app: FastAPI, other_key: rsa.RSAPrivateKey
) -> None:
    auth: LocalAuthenticator = app.state.auth
    now = int(time.time())
    good_claims = {"iss": "alex-local", "sub": "user_x", "iat": now, "exp": now + 600}
    headers = {"kid": auth.kid}
    expired = jwt.encode(
        {**good_claims, "iat": now - 7200, "exp": now - 3600}, auth._key, "RS256", headers
    )
    wrong_issuer = jwt.encode({**good_claims, "iss": "someone-else"}, auth._key, "RS256", headers)
    wrong_key = jwt.encode(good_claims, other_key, "RS256", headers)
    no_sub = jwt.encode({k: v for k, v in good_claims.items() if k != "sub"}, auth._key, "RS256")
    hs256 = jwt.encode(good_claims, "secret-secret-secret-secret-secret!", "HS256")
    cases = {
        "none": {},
        "garbage": _bearer("garbage"),
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "expired": _bearer(expired),
        "wrong issuer": _bearer(wrong_issuer),
        "wrong key": _bearer(wrong_key),
        "no subject": _bearer(no_sub),
        "hs256": _bearer(hs256),
    }
    for name, h in cases.items():
        response = client.get("/api/accounts", headers=h)
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), name
        assert "eyJ" not in response.text
    assert client.get("/api/accounts", headers=_bearer(expired)).json() == {
        "detail": "token expired"
    }


def test_signing_key_is_created_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path)
    second = load_or_create_key(tmp_path)
    assert first.private_numbers() == second.private_numbers()
    key_file = next(tmp_path.iterdir())
    assert key_file.stat().st_mode & 0o077 == 0


def test_verified_tokens_expire_with_the_token_and_stay_bounded() -> None:
    from alex.auth.base import CLOCK_SKEW_SECONDS, Principal, VerifiedTokens

    clock = [1000.0]
    cache = VerifiedTokens(max_entries=2, clock=lambda: clock[0])
    principal = Principal(subject="user_a", claims={"exp": 1100})
    cache.put("token-a", principal)
    assert cache.get("token-a") is principal
    assert cache.get("token-a-tampered") is None

    clock[0] = 1100 + CLOCK_SKEW_SECONDS - 0.5  # the same leeway the full check allows
    assert cache.get("token-a") is principal
    clock[0] = 1100 + CLOCK_SKEW_SECONDS
    assert cache.get("token-a") is None  # expired: verified in full again, and refused there

    clock[0] = 1000.0
    for name in ("b", "c", "d"):
        cache.put(f"token-{name}", Principal(subject=name, claims={"exp": 2000}))
    assert cache.get("token-b") is None  # the oldest made room
    assert cache.get("token-c") is not None and cache.get("token-d") is not None


def test_a_cached_token_is_still_refused_once_expired(client: TestClient, app: FastAPI) -> None:
    from alex.auth.base import CLOCK_SKEW_SECONDS

    auth: LocalAuthenticator = app.state.auth
    # Verified once, then cached. (Sign-out of a cached token: test_signout_revokes_token.)
    exp = int(time.time()) + 60
    nearly = jwt.encode(
        {"iss": auth.issuer, "sub": "user_f", "iat": exp - 120, "exp": exp},
        auth._key,
        "RS256",
        {"kid": auth.kid},
    )
    assert client.get("/api/accounts", headers=_bearer(nearly)).status_code == 200
    # The clock (the cache's, and the full check's in PyJWT) moves past expiry and its leeway.
    with time_machine.travel(exp + CLOCK_SKEW_SECONDS + 1, tick=False):
        response = client.get("/api/accounts", headers=_bearer(nearly))
    assert response.status_code == 401
    assert response.json() == {"detail": "token expired"}


def test_sign_in_and_sign_up_attempts_are_rate_limited(settings: Settings, seeded: object) -> None:
    from alex.api.app import create_app

    app = create_app(settings.model_copy(update={"signin_rate_per_minute": 3}), start_workers=False)
    wrong = {"email": "victim@example.com", "password": "guess-guess"}
    with TestClient(app) as client:
        for _ in range(3):
            assert client.post("/api/auth/signin", json=wrong).status_code == 401
        limited = client.post("/api/auth/signin", json=wrong)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "sign-in attempts per minute" in limited.json()["detail"]
        # The client's budget is spent for every email and for sign-up, which then creates
        # nothing.
        other = {"email": "new@example.com", "password": "long-enough-1"}
        assert client.post("/api/auth/signin", json=other).status_code == 429
        assert client.post("/api/auth/signup", json=other).status_code == 429
    with TestClient(app, client=("203.0.113.9", 50000)) as fresh:
        # Another address: the victim's email is still limited, sign-up is not.
        assert fresh.post("/api/auth/signin", json=wrong).status_code == 429
        assert fresh.post("/api/auth/signup", json=other).status_code == 201


def test_right_passwords_never_spend_the_emails_budget(settings: Settings, seeded: object) -> None:
    """Only failures count against an email, so nobody is locked out by their own sign-ins,
    and an attacker must keep failing to keep an account locked."""
    from alex.api.app import create_app

    app = create_app(settings.model_copy(update={"signin_rate_per_minute": 2}), start_workers=False)
    account = {"email": "owner@example.com", "password": "right-password"}
    with TestClient(app, client=("198.51.100.1", 1)) as first:
        assert first.post("/api/auth/signup", json=account).status_code == 201
    for n in range(4):  # four addresses, each inside its own budget
        with TestClient(app, client=(f"198.51.100.{n + 2}", 1)) as client:
            assert client.post("/api/auth/signin", json=account).status_code == 200
