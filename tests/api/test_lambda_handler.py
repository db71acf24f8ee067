"""The API through AWS Lambda: API Gateway HTTP API (payload format 2.0) events, built like the
real ones, through `alex.api.lambda_handler` (Mangum) to the same FastAPI app."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from alex.api import lambda_handler
from alex.core.config import Settings
from tests.api.conftest import PROFILE, Headers

CSV = "Symbol,Quantity\nVTI,12\nAGG,3.5\n"


class LambdaContext:
    function_name = "alex-api"
    aws_request_id = "req-1"
    memory_limit_in_mb = 1024

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def event(
    method: str,
    path: str,
    *,
    headers: Headers | None = None,
    query: dict[str, str] | None = None,
    body: bytes | str | None = None,
    content_type: str | None = None,
    base64_body: bool = False,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API v2 event as API Gateway sends it: lower-case headers, the raw query string
    and its parsed form, the body as text or base64."""
    all_headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "pytest"}
    all_headers |= {k.lower(): v for k, v in (headers or {}).items()}
    if content_type:
        all_headers["content-type"] = content_type
    raw_body: str | None = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else body
        raw_body = base64.b64encode(data).decode() if base64_body else data.decode()
        all_headers["content-length"] = str(len(data))
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "cookies": [],
        "headers": all_headers,
        "queryStringParameters": query or None,
        "pathParameters": path_parameters or {"proxy": path.lstrip("/")},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": raw_body,
        "isBase64Encoded": base64_body,
    }


Invoke = Callable[..., tuple[int, Any]]


@pytest.fixture
def invoke(app: FastAPI) -> Invoke:
    handler = lambda_handler.make_handler(app)

    def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = handler(event(method, path, **kwargs), LambdaContext())
        body = response["body"]
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        content_type = {k.lower(): v for k, v in response["headers"].items()}.get(
            "content-type", ""
        )
        parsed = json.loads(body) if body and "json" in content_type else body
        return int(response["statusCode"]), parsed

    return call


def test_routes_answer_through_api_gateway_events(
    invoke: Invoke, token_for: Callable[[str], Headers]
) -> None:
    status, body = invoke("GET", "/health")
    assert status == 200 and body["status"] == "ok"

    status, body = invoke("GET", "/api/user")
    assert status == 401  # no Authorization header

    alice = token_for("user_alice")
    status, body = invoke("GET", "/api/user", headers=alice)
    assert status == 200 and body["id"] == "user_alice"

    status, body = invoke(
        "PUT", "/api/user", headers=alice, body=json.dumps(PROFILE), content_type="application/json"
    )
    assert status == 200, body
    assert body["profile_completed_at"] is not None

    status, account = invoke(
        "POST",
        "/api/accounts",
        headers=alice,
        body=json.dumps({"account_name": "Brokerage", "account_type": "taxable"}),
        content_type="application/json",
    )
    assert status == 201, account

    # A path parameter, then a query string.
    detail_path = f"/api/accounts/{account['id']}"
    status, detail = invoke("GET", detail_path, headers=alice)
    assert status == 200 and detail["account_name"] == "Brokerage"
    status, found = invoke("GET", "/api/instruments", headers=alice, query={"q": "VTI"})
    assert status == 200
    assert any(item["symbol"] == "VTI" for item in found)

    # A CSV upload, base64-encoded as API Gateway sends bodies it treats as binary.
    for encoded in (True, False):
        status, preview = invoke(
            "POST",
            f"{detail_path}/import",
            headers=alice,
            query={"commit": "false"},
            body=CSV,
            content_type="text/csv",
            base64_body=encoded,
        )
        assert status == 200, preview
        assert {row["symbol"] for row in preview["rows"]} == {"VTI", "AGG"}

    # Bad input is the same 422 naming the field as on a server, never a 500.
    status, body = invoke(
        "POST",
        "/api/retirement/projection",
        headers=alice,
        body=json.dumps({"years_until_retirement": -1}),
        content_type="application/json",
    )
    assert status == 422
    assert body["detail"][0]["loc"][-1] == "years_until_retirement"
    status, body = invoke("GET", "/api/accounts/not-a-uuid", headers=alice)
    assert status == 422
    status, body = invoke("GET", f"/api/accounts/{uuid.uuid4()}", headers=alice)
    assert status == 404


def test_another_users_token_sees_nothing_of_the_first(
    invoke: Invoke, token_for: Callable[[str], Headers]
) -> None:
    alice, bob = token_for("user_alice"), token_for("user_bob")
    status, account = invoke(
        "POST",
        "/api/accounts",
        headers=alice,
        body=json.dumps({"account_name": "Alice's", "account_type": "roth_ira"}),
        content_type="application/json",
    )
    assert status == 201
    status, refused = invoke("GET", f"/api/accounts/{account['id']}", headers=bob)
    assert status == 403  # as on a server: refused, without a trace of Alice's account
    assert "Alice" not in json.dumps(refused)
    status, accounts = invoke("GET", "/api/accounts", headers=bob)
    assert status == 200 and accounts == []


def test_the_entry_point_builds_the_app_from_settings_once(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEX_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("ALEX_FRONTEND_DIR", str(settings.frontend_dir))
    monkeypatch.setattr(lambda_handler, "_handler", None)
    built: list[FastAPI] = []
    real = lambda_handler.make_handler

    def spy(app: FastAPI) -> Any:
        built.append(app)
        return real(app)

    monkeypatch.setattr(lambda_handler, "make_handler", spy)
    for _ in range(2):
        response = lambda_handler.handler(event("GET", "/health"), LambdaContext())
        assert response["statusCode"] == 200
    assert len(built) == 1
