"""The knowledge ingest Lambda behind an API Gateway HTTP API: events shaped like the real
payload format 2.0 ones, the service key checked, text and base64 content and bodies, and every
refusal a 4xx naming the field with nothing stored."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from alex.core.config import get_settings
from alex.db.models import KnowledgeDocument
from alex.db.session import session_scope
from alex.knowledge.lambda_handler import handler
from tests.api.test_knowledge_api import BOND_NOTE, MUNI_PDF

KEY = "lambda-ingest-key-5e1f0a"

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def configured(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The handler reads its settings from the environment, as in Lambda."""
    monkeypatch.setenv("ALEX_KNOWLEDGE_SERVICE_KEY", KEY)
    # WordLlama: the embedder is beside the point here and E5 is slow on a busy machine.
    monkeypatch.setenv("ALEX_EMBEDDING_MODEL", "wordllama")
    monkeypatch.setenv("ALEX_KNOWLEDGE_MAX_UPLOAD_BYTES", "20000")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def event(
    body: Any,
    *,
    key: str | None = KEY,
    base64_body: bool = False,
    method: str = "POST",
    raw: bool = False,
) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event as API Gateway sends it: lower-case headers, the
    body a string, base64 when `isBase64Encoded`."""
    text = body if raw else json.dumps(body)
    headers = {
        "accept": "*/*",
        "content-length": str(len(text or "")),
        "content-type": "application/json",
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-65f0c0de-0123456789abcdef01234567",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if key is not None:
        headers["x-alex-service-key"] = key
    if base64_body and isinstance(text, str):
        text = base64.b64encode(text.encode()).decode()
    return {
        "version": "2.0",
        "routeKey": "POST /ingest",
        "rawPath": "/ingest",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": "/ingest",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "POST /ingest",
            "stage": "$default",
            "time": "10/Mar/2025:12:00:00 +0000",
            "timeEpoch": 1741608000000,
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


def call(ev: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = handler(ev, None)
    assert set(response) == {"statusCode", "headers", "body"}
    assert response["headers"] == {"content-type": "application/json"}
    return response["statusCode"], json.loads(response["body"])


def documents(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(KnowledgeDocument)) or 0


NOTE = {"name": "bond-ladder.md", "content": BOND_NOTE.decode(), "encoding": "text"}


def test_ingests_text_then_knows_it(engine: Engine) -> None:
    status, body = call(event(NOTE))
    assert status == 201, body
    assert body["created"] is True and body["chunks"] >= 1
    assert body["document"]["title"] == "Building a bond ladder"
    assert body["document"]["origin"] == "operator"
    assert body["document"]["source"] == "bond-ladder.md"
    status, again = call(event({**NOTE, "name": "copy.md"}))
    assert status == 200 and again["created"] is False
    assert again["document"]["id"] == body["document"]["id"]
    assert documents(engine) == 1


def test_base64_body_and_base64_content(engine: Engine) -> None:
    pdf = {"name": "muni.pdf", "content": base64.b64encode(MUNI_PDF).decode(), "encoding": "base64"}
    status, body = call(event(pdf, base64_body=True))
    assert status == 201, body
    assert body["document"]["media_type"] == "application/pdf"
    assert body["document"]["title"] == "Municipal bond basics"
    assert documents(engine) == 1


def test_header_names_are_case_insensitive(engine: Engine) -> None:
    ev = event(NOTE, key=None)
    ev["headers"]["X-Alex-Service-Key"] = KEY
    assert call(ev)[0] == 201


@pytest.mark.parametrize(
    "key", [None, "", "lambda-ingest-key-5e1f0b", KEY + " ", "ключ-не-тот"], ids=repr
)
def test_a_missing_or_wrong_key_is_401(
    engine: Engine, caplog: pytest.LogCaptureFixture, key: str | None
) -> None:
    caplog.set_level(logging.DEBUG)
    status, body = call(event(NOTE, key=key))
    assert status == 401, body
    assert body["field"] == "x-alex-service-key"
    assert documents(engine) == 0
    assert KEY not in json.dumps(body) and KEY not in caplog.text
    if key:
        assert key not in caplog.text


def test_without_a_configured_key_everything_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("ALEX_KNOWLEDGE_SERVICE_KEY")
    get_settings.cache_clear()
    status, body = call(event(NOTE))
    assert status == 401, body
    assert documents(engine) == 0
    assert "ALEX_KNOWLEDGE_SERVICE_KEY is not set" in caplog.text


@pytest.mark.parametrize(
    ("body", "raw", "base64_body", "status", "field"),
    [
        ("{not json", True, False, 400, "body"),
        ("", True, False, 400, "body"),
        (None, True, False, 400, "body"),
        ("not base64 at all!", True, True, 400, "body"),
        (["a list"], False, False, 422, "body"),
        ({"content": "some text"}, False, False, 422, "name"),
        ({**NOTE, "name": "notes.docx"}, False, False, 422, "name"),
        ({**NOTE, "name": "x\ud800.md"}, False, False, 422, "name"),
        ({**NOTE, "content": ""}, False, False, 422, "content"),
        ({**NOTE, "encoding": "hex"}, False, False, 422, "encoding"),
        ({**NOTE, "author": "me"}, False, False, 422, "author"),
        ({**NOTE, "encoding": "base64"}, False, False, 422, "content"),
        (
            {**NOTE, "content": "---\ndate: someday\n---\nfive words of body text"},
            False,
            False,
            422,
            "content",
        ),
        ({**NOTE, "content": "word " * 5000}, False, False, 413, "content"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(
    engine: Engine, body: Any, raw: bool, base64_body: bool, status: int, field: str
) -> None:
    got, answer = call(event(body, raw=raw, base64_body=base64_body))
    assert (got, answer["field"]) == (status, field), answer
    assert answer["detail"]
    assert documents(engine) == 0


def test_a_base64_body_that_is_not_utf8_is_400(engine: Engine) -> None:
    ev = event(NOTE)
    ev["body"], ev["isBase64Encoded"] = base64.b64encode(b"\xff\xfe{}").decode(), True
    status, body = call(ev)
    assert (status, body["field"]) == (400, "body")
    assert documents(engine) == 0


def test_only_post(engine: Engine) -> None:
    status, body = call(event(NOTE, method="GET"))
    assert status == 405 and body["field"] == "method"
    assert documents(engine) == 0
