"""The knowledge base over HTTP: who may add, list and delete (operators: a listed user or the
service key), uploads of each file type with dedupe, size and validation refusals that store
nothing, and search by any signed-in user. The permission and validation tests run on SQLite;
the upload-and-search round trip also on PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from alex.core.config import Settings
from alex.db.models import KnowledgeChunk, KnowledgeDocument
from alex.db.session import session_scope
from tests.api.conftest import Headers

KEY = "kb-service-key-7f3a9c1e5b2d"
WRONG_KEY = "kb-service-key-wrong-0000"
OPERATOR = "usr_operator"
ORDINARY = "usr_ordinary"
LIMIT = 50_000

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

BOND_NOTE = b"""---
title: Building a bond ladder
date: 2024-03-01
topic: fixed_income
symbols: [BND, AGG]
sources: ["https://www.investor.gov/introduction-investing/investing-basics/bonds"]
---
# Building a bond ladder

A bond ladder spreads money across bonds that mature in successive years, so some principal
comes back every year and can be reinvested at the rates of the day.

## Funds instead of single bonds

Broad bond funds such as BND and AGG hold thousands of bonds of many maturities, which gives a
similar spread of interest rate risk without buying each bond by hand.
"""

RMD_PAGE = b"""<!doctype html><html><head><title>Required minimum distributions</title>
<meta name="date" content="2023-11-20"></head><body>
<nav>Home | About</nav>
<h1>Required minimum distributions</h1>
<p>Once you reach the age set by law you must withdraw a minimum amount from traditional
retirement accounts each year, and the withdrawal is taxed as ordinary income.</p>
<h2>Roth accounts</h2>
<p>Roth IRAs have no required withdrawals during the owner's lifetime.</p>
</body></html>"""

MUNI_LINES = [
    "Municipal bonds are issued by states and cities to pay for roads and schools.",
    "Their interest is often exempt from federal income tax, and from state income tax",
    "for residents of the issuing state, which suits investors in high tax brackets.",
]


def make_pdf(lines: list[str], title: str) -> bytes:
    """A one-page PDF whose text pypdf can read: pypdf cannot draw text, so the page's content
    stream is written by hand (Helvetica, one line per `'` operator) with a correct xref."""

    def literal(text: str) -> bytes:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("latin-1") + b")"

    stream = b"BT /F1 12 Tf 72 720 Td 14 TL " + b" ".join(literal(s) + b" '" for s in lines)
    stream += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title " + literal(title) + b" >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


MUNI_PDF = make_pdf(MUNI_LINES, "Municipal bond basics")


@pytest.fixture
def service_key() -> str | None:
    """The configured key; a test parametrizes this to None for 'key auth off'."""
    return KEY


@pytest.fixture
def embedding_model() -> str:
    """WordLlama (~1 ms a passage) where the embedder is beside the point; the search round
    trip uses the default E5 (~0.1 s a passage, more on a busy machine)."""
    return "wordllama"


@pytest.fixture
def settings(settings: Settings, service_key: str | None, embedding_model: str) -> Settings:
    return settings.model_copy(
        update={
            "knowledge_service_key": SecretStr(service_key) if service_key else None,
            "operator_user_ids": [OPERATOR],
            "knowledge_max_upload_bytes": LIMIT,
            "embedding_model": embedding_model,
        }
    )


@pytest.fixture
def operator(token_for: Callable[[str], Headers]) -> Headers:
    return token_for(OPERATOR)


@pytest.fixture
def key() -> Headers:
    return {"X-Alex-Service-Key": KEY}


def upload(client: TestClient, headers: Headers, name: str, data: bytes, **form: str) -> Any:
    return client.post("/api/knowledge", headers=headers, files={"file": (name, data)}, data=form)


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        documents = session.scalar(select(func.count()).select_from(KnowledgeDocument))
        chunks = session.scalar(select(func.count()).select_from(KnowledgeChunk))
    return documents or 0, chunks or 0


def loc(response: Any) -> list[Any]:
    assert response.status_code == 422, response.text
    return list(response.json()["detail"][0]["loc"])


# --------------------------------------------------------------------------- permissions


@sqlite_only
@pytest.mark.parametrize(
    ("service_key", "caller", "add", "read", "delete", "search"),
    [
        (KEY, "anonymous", 401, 401, 401, 401),
        (KEY, "ordinary user", 403, 403, 403, 200),
        (KEY, "operator user", 201, 200, 404, 200),
        (KEY, "right key", 201, 200, 404, 401),
        (KEY, "wrong key", 401, 401, 401, 401),
        (KEY, "wrong key with operator token", 401, 401, 401, 200),
        (KEY, "right key with ordinary token", 201, 200, 404, 200),
        (None, "anonymous", 401, 401, 401, 401),
        (None, "ordinary user", 403, 403, 403, 200),
        (None, "operator user", 201, 200, 404, 200),
        (None, "right key", 401, 401, 401, 401),
    ],
)
def test_permission_matrix(
    client: TestClient,
    seeded: Engine,
    token_for: Callable[[str], Headers],
    caplog: pytest.LogCaptureFixture,
    service_key: str | None,
    caller: str,
    add: int,
    read: int,
    delete: int,
    search: int,
) -> None:
    """Adding, listing and deleting need an operator; searching needs any signed-in user. With
    no key configured, key auth is off: a sent key is refused, never ignored."""
    caplog.set_level(logging.DEBUG)
    headers: Headers = {
        "anonymous": {},
        "ordinary user": token_for(ORDINARY),
        "operator user": token_for(OPERATOR),
        "right key": {"X-Alex-Service-Key": KEY},
        "wrong key": {"X-Alex-Service-Key": WRONG_KEY},
        "wrong key with operator token": {
            **token_for(OPERATOR),
            "X-Alex-Service-Key": WRONG_KEY,
        },
        "right key with ordinary token": {**token_for(ORDINARY), "X-Alex-Service-Key": KEY},
    }[caller]

    added = upload(client, headers, "bond-ladder.md", BOND_NOTE)
    assert added.status_code == add, added.text
    assert counts(seeded)[0] == (1 if add == 201 else 0)
    listed = client.get("/api/knowledge", headers=headers)
    assert listed.status_code == read, listed.text
    if read == 200:
        assert [d["title"] for d in listed.json()] == ["Building a bond ladder"]
    deleted = client.delete(f"/api/knowledge/{uuid.uuid4()}", headers=headers)
    assert deleted.status_code == delete, deleted.text
    found = client.get("/api/knowledge/search", params={"q": "bond ladder"}, headers=headers)
    assert found.status_code == search, found.text

    for response in (added, listed, deleted, found):
        assert KEY not in response.text and WRONG_KEY not in response.text
    assert KEY not in caplog.text and WRONG_KEY not in caplog.text


@sqlite_only
def test_operator_can_delete_and_a_refused_delete_changes_nothing(
    client: TestClient, seeded: Engine, operator: Headers, key: Headers, alice: Headers
) -> None:
    document = upload(client, key, "bond-ladder.md", BOND_NOTE).json()["document"]
    path = f"/api/knowledge/{document['id']}"
    assert client.delete(path, headers=alice).status_code == 403
    assert client.delete(path).status_code == 401
    assert counts(seeded) == (1, document["chunk_count"])

    assert client.delete(path, headers=operator).status_code == 204
    assert counts(seeded) == (0, 0)
    assert client.get("/api/knowledge", headers=operator).json() == []
    found = client.get("/api/knowledge/search", params={"q": "bond ladder"}, headers=alice)
    assert found.json() == []
    again = client.delete(path, headers=operator)
    assert again.status_code == 404
    assert again.json()["field"] == "document_id"
    assert loc(client.delete("/api/knowledge/not-a-uuid", headers=operator))[-1] == "document_id"


# --------------------------------------------------------------------------- uploads


@sqlite_only
def test_upload_markdown_html_and_pdf(client: TestClient, seeded: Engine, key: Headers) -> None:
    md = upload(client, key, "bond-ladder.md", BOND_NOTE)
    assert md.status_code == 201, md.text
    body = md.json()
    assert body["created"] is True and body["chunks"] >= 1
    document = body["document"]
    assert document["title"] == "Building a bond ladder"
    assert document["published"] == "2024-03-01"
    assert document["topic"] == "fixed_income"
    assert {"AGG", "BND"} <= set(document["symbols"])
    assert document["citations"] == [
        "https://www.investor.gov/introduction-investing/investing-basics/bonds"
    ]
    assert document["origin"] == "operator"
    assert document["media_type"] == "text/markdown"
    assert document["source"] == "bond-ladder.md"

    html = upload(client, key, "rmd.html", RMD_PAGE, source="https://www.irs.gov/rmd")
    assert html.status_code == 201, html.text
    assert html.json()["document"]["title"] == "Required minimum distributions"
    assert html.json()["document"]["published"] == "2023-11-20"
    assert html.json()["document"]["media_type"] == "text/html"
    assert html.json()["document"]["source"] == "https://www.irs.gov/rmd"

    pdf = upload(client, key, "C:\\Users\\op\\muni.pdf", MUNI_PDF)
    assert pdf.status_code == 201, pdf.text
    assert pdf.json()["document"]["title"] == "Municipal bond basics"
    assert pdf.json()["document"]["media_type"] == "application/pdf"
    assert pdf.json()["document"]["source"] == "muni.pdf"  # never a client-side path

    listed = client.get("/api/knowledge", headers=key).json()
    assert {d["title"] for d in listed} == {
        "Building a bond ladder",
        "Required minimum distributions",
        "Municipal bond basics",
    }
    assert client.get("/api/knowledge", params={"origin": "starter"}, headers=key).json() == []


@sqlite_only
def test_the_same_text_twice_is_kept_once(client: TestClient, seeded: Engine, key: Headers) -> None:
    first = upload(client, key, "bond-ladder.md", BOND_NOTE)
    assert first.status_code == 201
    before = counts(seeded)
    # Another name and reflowed whitespace: still the same text.
    second = upload(client, key, "copy of ladder.md", BOND_NOTE.replace(b"\n\n", b"\n\n\n"))
    assert second.status_code == 200, second.text
    assert second.json()["created"] is False
    assert second.json()["document"]["id"] == first.json()["document"]["id"]
    assert counts(seeded) == before


@sqlite_only
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.docx", b"PK\x03\x04 not really a word file", "unsupported file type"),
        ("bad-yaml.md", b"---\ntitle: [unclosed\n---\nfive words of body text here", "YAML"),
        ("bad-date.md", b"---\ndate: someday\n---\nfive words of body text here", "date"),
        ("bad-symbol.md", b"---\nsymbols: [not a ticker]\n---\nfive words of body text", "ticker"),
        ("extra.md", b"---\nauthor: me\n---\nfive words of body text here", "author"),
        ("latin1.txt", "caf\xe9 au lait is nice to drink".encode("latin-1"), "UTF-8"),
        ("short.txt", b"too short", "no readable text"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf at all", "PDF"),
    ],
)
def test_refused_files_store_nothing(
    client: TestClient, seeded: Engine, key: Headers, name: str, data: bytes, message: str
) -> None:
    assert upload(client, key, "bond-ladder.md", BOND_NOTE).status_code == 201
    before = counts(seeded)
    response = upload(client, key, name, data)
    assert loc(response) == ["body", "file"]
    assert message in response.json()["detail"][0]["msg"]
    assert counts(seeded) == before


@sqlite_only
@pytest.mark.parametrize("size", [LIMIT + 1, 4 * LIMIT])
def test_an_oversize_file_is_413_naming_the_field(
    client: TestClient, seeded: Engine, key: Headers, size: int
) -> None:
    """Just over the cap (found while reading) and far over (refused from Content-Length)."""
    data = (b"word " * size)[:size]
    response = upload(client, key, "big.txt", data)
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "file"
    assert str(LIMIT) in response.json()["detail"]
    assert counts(seeded) == (0, 0)
    assert upload(client, key, "fits.txt", data[:LIMIT]).status_code == 201


@sqlite_only
def test_the_upload_must_be_a_named_file_field(
    client: TestClient, seeded: Engine, key: Headers
) -> None:
    as_json = client.post("/api/knowledge", headers=key, json={"markdown": "hello"})
    assert loc(as_json) == ["body", "file"]
    wrong_field = client.post(
        "/api/knowledge", headers=key, files={"document": ("a.md", BOND_NOTE)}
    )
    assert loc(wrong_field) == ["body", "file"]
    unnamed = client.post("/api/knowledge", headers=key, files={"file": ("", BOND_NOTE)})
    assert loc(unnamed)[-1] == "file"
    long_source = upload(client, key, "bond-ladder.md", BOND_NOTE, source="x" * 501)
    assert loc(long_source) == ["body", "source"]
    two_files = client.post(
        "/api/knowledge",
        headers=key,
        files=[("file", ("a.md", BOND_NOTE)), ("file", ("b.md", BOND_NOTE))],
    )
    assert two_files.status_code == 400
    assert counts(seeded) == (0, 0)


# --------------------------------------------------------------------------- JSON text


TEXT_NOTE: dict[str, Any] = {
    "title": "Short-term Treasuries for cash",
    "markdown": "# Cash reserves\n\nShort-term Treasury funds like SHV and BIL keep an "
    "emergency fund safe while it earns close to the Treasury bill rate.",
    "source": "Alex research desk",
    "date": "2025-01-15",
    "topic": "cash",
    "symbols": ["shv", "BIL"],
    "sources": ["https://www.treasurydirect.gov/"],
}


@sqlite_only
def test_add_markdown_as_json(
    client: TestClient, seeded: Engine, operator: Headers, alice: Headers
) -> None:
    created = client.post("/api/knowledge/text", headers=operator, json=TEXT_NOTE)
    assert created.status_code == 201, created.text
    document = created.json()["document"]
    assert document["title"] == TEXT_NOTE["title"]
    assert document["published"] == "2025-01-15"
    assert document["source"] == "Alex research desk"
    assert document["citations"] == ["https://www.treasurydirect.gov/"]
    assert {"BIL", "SHV"} <= set(document["symbols"])
    again = client.post("/api/knowledge/text", headers=operator, json=TEXT_NOTE)
    assert again.status_code == 200 and again.json()["created"] is False

    assert client.post("/api/knowledge/text", headers=alice, json=TEXT_NOTE).status_code == 403
    assert client.post("/api/knowledge/text", json=TEXT_NOTE).status_code == 401
    before = counts(seeded)
    changes: list[tuple[dict[str, Any], str]] = [
        ({"symbols": ["not a ticker"]}, "symbols"),
        ({"date": "someday"}, "date"),
        ({"title": "  "}, "title"),
        ({"markdown": ""}, "markdown"),
        ({"topic": "x" * 41}, "topic"),
        ({"author": "me"}, "author"),
    ]
    for change, field in changes:
        response = client.post(
            "/api/knowledge/text", headers=operator, json={**TEXT_NOTE, **change}
        )
        assert loc(response)[:2] == ["body", field], (change, response.text)
    missing = {k: v for k, v in TEXT_NOTE.items() if k != "source"}
    assert loc(client.post("/api/knowledge/text", headers=operator, json=missing))[-1] == "source"
    big = {**TEXT_NOTE, "markdown": "word " * (LIMIT // 5 + 1)}
    too_big = client.post("/api/knowledge/text", headers=operator, json=big)
    assert too_big.status_code == 413 and too_big.json()["field"] == "markdown"
    assert counts(seeded) == before


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize("embedding_model", [Settings.model_fields["embedding_model"].default])
def test_upload_then_search_round_trip(
    client: TestClient, seeded: Engine, key: Headers, alice: Headers
) -> None:
    """On SQLite and PostgreSQL (FTS5 and PostgreSQL text search under the fused ranking)."""
    for name, data in (
        ("bond-ladder.md", BOND_NOTE),
        ("rmd.html", RMD_PAGE),
        ("muni.pdf", MUNI_PDF),
    ):
        assert upload(client, key, name, data).status_code == 201
    client.post("/api/knowledge/text", headers=key, json=TEXT_NOTE)

    for query, title in [
        ("are municipal bonds exempt from federal tax?", "Municipal bond basics"),
        ("when must I withdraw from my traditional IRA", "Required minimum distributions"),
        ("staggered bond maturities each year", "Building a bond ladder"),
        ("where to keep an emergency fund", "Short-term Treasuries for cash"),
    ]:
        response = client.get("/api/knowledge/search", params={"q": query}, headers=alice)
        assert response.status_code == 200, response.text
        passages = response.json()
        assert passages and passages[0]["title"] == title, (query, passages)
    top = client.get(
        "/api/knowledge/search", params={"q": "municipal bonds tax", "k": 1}, headers=alice
    ).json()
    assert len(top) == 1
    assert set(top[0]) == {
        "document_id",
        "title",
        "heading",
        "text",
        "source",
        "citations",
        "published",
        "topic",
        "symbols",
        "score",
    }
    assert top[0]["source"] == "muni.pdf" and "exempt" in top[0]["text"]
    assert top[0]["score"] > 0


@sqlite_only
def test_search_symbol_filter(client: TestClient, key: Headers, alice: Headers) -> None:
    upload(client, key, "bond-ladder.md", BOND_NOTE)
    upload(client, key, "muni.pdf", MUNI_PDF)
    client.post("/api/knowledge/text", headers=key, json=TEXT_NOTE)

    def titles(symbols: str) -> list[str]:
        response = client.get(
            "/api/knowledge/search", params={"q": "bonds", "symbols": symbols}, headers=alice
        )
        assert response.status_code == 200, response.text
        return [p["title"] for p in response.json()]

    assert titles("BND,AGG") == ["Building a bond ladder"]
    assert titles(" agg , ") == ["Building a bond ladder"]
    assert titles("SHV") == ["Short-term Treasuries for cash"]
    assert titles("VTI") == []
    assert len(titles("")) == 3


@sqlite_only
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "bonds", "k": 0}, "k"),
        ({"q": "bonds", "k": 21}, "k"),
        ({"q": "bonds", "k": "many"}, "k"),
        ({"q": "bonds", "symbols": "BND,not a ticker"}, "symbols"),
    ],
)
def test_search_validation(
    client: TestClient, alice: Headers, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/knowledge/search", params=params, headers=alice)
    assert loc(response)[-1] == field
