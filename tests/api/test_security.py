"""Security headers, CORS allow-list, rate limits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.api.security import content_security_policy
from alex.core.config import Settings
from tests.api.conftest import Headers, complete_profile, make_account


def test_security_headers(client: TestClient, alice: Headers) -> None:
    response = client.get("/api/accounts", headers=alice)
    h = response.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert h["cache-control"] == "no-store"
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "connect-src 'self';" in csp
    assert "jsdelivr" in client.get("/docs").headers["content-security-policy"]
    assert "server" not in {k.lower() for k in h}  # TestClient adds none either


def test_clerk_csp_allows_clerk(settings: Settings) -> None:
    csp = content_security_policy(
        settings.model_copy(
            update={"auth": "clerk", "clerk_issuer": "https://happy-cat-1.clerk.accounts.dev"}
        )
    )
    assert "connect-src 'self' https://happy-cat-1.clerk.accounts.dev" in csp
    assert "https://happy-cat-1.clerk.accounts.dev" in csp.split("script-src")[1].split(";")[0]


def test_cors_allow_list(client: TestClient) -> None:
    allowed = client.options(
        "/api/accounts",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    denied = client.options(
        "/api/accounts",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in denied.headers


def test_cors_wildcard_never_with_credentials(settings: Settings, seeded: Engine) -> None:
    app = create_app(
        settings.model_copy(update={"cors_origins": ["*"]}), engine=seeded, start_workers=False
    )
    with TestClient(app) as client:
        response = client.get("/health", headers={"Origin": "https://anywhere.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


def test_analysis_rate_limit_from_jobs_table(settings: Settings, seeded: Engine) -> None:
    app = create_app(
        settings.model_copy(update={"analysis_rate_per_hour": 2}),
        engine=seeded,
        start_workers=False,
    )
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {app.state.auth.issue('user_rate')}"}
        complete_profile(client, headers)
        make_account(client, headers)
        assert client.post("/api/analyze", headers=headers).status_code == 202
        assert client.post("/api/analyze", headers=headers).status_code == 202
        limited = client.post("/api/analyze", headers=headers)
        assert limited.status_code == 429
        assert 3500 <= int(limited.headers["retry-after"]) <= 3600
        # The count comes from the database: a second app (another process) agrees.
        other = create_app(
            settings.model_copy(update={"analysis_rate_per_hour": 2}),
            engine=seeded,
            authenticator=app.state.auth,
            start_workers=False,
        )
        with TestClient(other) as second:
            assert second.post("/api/analyze", headers=headers).status_code == 429


def test_write_rate_limit(settings: Settings, seeded: Engine) -> None:
    app = create_app(
        settings.model_copy(update={"write_rate_per_minute": 3}), engine=seeded, start_workers=False
    )
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {app.state.auth.issue('user_writer')}"}
        for _ in range(3):
            make_account(client, headers)
        limited = client.post(
            "/api/accounts", json={"account_name": "x", "account_type": "hsa"}, headers=headers
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Reads are not limited.
        assert client.get("/api/accounts", headers=headers).status_code == 200
