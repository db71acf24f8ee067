"""`fetch_page`: allow-listed hosts only, size and time limits, readable types only, HTML made
text; and the tool exists only when `ALEX_RESEARCH_WEB=1`.

The pages come from a real HTTP server on 127.0.0.1 (plain HTTP is allowed to loopback hosts
only, which is what lets this test run without certificates)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import Engine

from alex.agents.researcher.agent import build_researcher, research, tools_for
from alex.agents.researcher.runs import get_run
from alex.agents.researcher.web import FetchRefusedError, check_url, fetch_page
from alex.core.config import Settings, get_settings
from alex.knowledge.factory import knowledge_base

ARTICLE = b"""<!doctype html><html><head><title>Treasury bills explained</title>
<meta name="date" content="2026-04-02"><script>alert('no')</script></head>
<body><nav>Home | About</nav><h1>Treasury bills</h1>
<p>Treasury bills are short-term US government debt sold at a discount to face value.</p>
<p>They mature in one year or less, and their interest is exempt from state income tax.</p>
<footer>Copyright</footer></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, content_type: str, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/article":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif path == "/latin1":
            self._send(
                200,
                "<p>Caf\u00e9 prices rose by two percent this year.</p>".encode("latin-1"),
                "text/html; charset=iso-8859-1",
            )
        elif path == "/big-declared":
            self._send(200, b"<p>" + b"x " * 5000 + b"</p>", "text/html")
        elif path == "/big-undeclared":
            # No length: the client has to count what it reads and stop.
            self._send(200, b"<p>" + b"x " * 5000 + b"</p>", "text/html", length=False)
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, ARTICLE, "text/html")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(30):  # each piece well within the read timeout, the whole not
                self.wfile.write(b"<p>drip drip drip</p>")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/data.json":
            self._send(200, json.dumps({"a": 1}).encode(), "application/json")
        elif path == "/missing":
            self._send(404, b"not here", "text/plain")
        elif path == "/to-article":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.end_headers()
        elif path == "/to-elsewhere":
            self.send_response(302)
            self.send_header("Location", "https://evil.example.com/article")
            self.end_headers()
        else:
            self._send(404, b"", "text/plain")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "research_allowed_hosts": ["127.0.0.1"],
        "research_fetch_timeout_seconds": 0.8,
        "research_fetch_max_bytes": 4000,
    }
    values.update(overrides)
    return Settings.model_validate(values)


async def test_html_is_fetched_as_text_without_scripts_or_navigation(server: str) -> None:
    page = await fetch_page(f"{server}/article", _settings())
    assert page.title == "Treasury bills explained"
    assert page.published == date(2026, 4, 2)
    assert "sold at a discount to face value" in page.text
    assert "alert" not in page.text and "Home | About" not in page.text
    assert "Copyright" not in page.text


async def test_a_page_in_another_charset_is_read(server: str) -> None:
    page = await fetch_page(f"{server}/latin1", _settings())
    assert "Caf\u00e9 prices rose" in page.text


async def test_a_redirect_is_followed_only_to_allowed_hosts(server: str) -> None:
    page = await fetch_page(f"{server}/to-article", _settings())
    assert page.url == f"{server}/article"
    with pytest.raises(
        FetchRefusedError, match=re.escape("evil.example.com is not an allowed host")
    ):
        await fetch_page(f"{server}/to-elsewhere", _settings())


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://evil.example.com/a", "evil.example.com is not an allowed host"),
        ("https://www.sec.gov.evil.com/a", "is not an allowed host"),
        ("https://sec.gov/a", "sec.gov is not an allowed host"),
        ("http://www.sec.gov/a", "plain HTTP"),
        ("ftp://www.sec.gov/a", "not an http(s) URL"),
        ("https://user:pw@www.sec.gov/a", "credentials"),
        ("www.sec.gov/a", "not an http(s) URL"),
    ],
)
def test_urls_outside_the_allow_list_are_refused(url: str, problem: str) -> None:
    with pytest.raises(FetchRefusedError, match=re.escape(problem)):
        check_url(url, ["www.sec.gov"])


def test_hosts_match_exactly_whatever_their_case() -> None:
    assert check_url("https://WWW.SEC.GOV/x", ["www.sec.gov"]) == "https://WWW.SEC.GOV/x"
    assert check_url("https://www.sec.gov./x", ["www.sec.gov"])


async def test_a_disallowed_host_is_not_contacted(server: str) -> None:
    with pytest.raises(FetchRefusedError, match=re.escape("127.0.0.1 is not an allowed host")):
        await fetch_page(f"{server}/article", _settings(research_allowed_hosts=["www.sec.gov"]))


@pytest.mark.parametrize("path", ["/big-declared", "/big-undeclared"])
async def test_a_page_over_the_size_cap_is_refused(server: str, path: str) -> None:
    with pytest.raises(FetchRefusedError, match="larger than the 4,000 byte limit"):
        await fetch_page(f"{server}{path}", _settings())


@pytest.mark.parametrize("path", ["/slow", "/drip"])
async def test_a_slow_page_times_out(server: str, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchRefusedError, match=re.escape("did not answer within 0.8 s")):
        await fetch_page(f"{server}{path}", _settings(research_fetch_max_bytes=100_000))
    assert time.monotonic() - started < 1.4


async def test_other_content_types_and_errors_are_refused(server: str) -> None:
    with pytest.raises(FetchRefusedError, match="application/json, not a page Alex reads"):
        await fetch_page(f"{server}/data.json", _settings())
    with pytest.raises(FetchRefusedError, match="answered HTTP 404"):
        await fetch_page(f"{server}/missing", _settings())


def test_fetch_page_is_a_tool_only_when_the_web_is_on() -> None:
    def names(settings: Settings) -> list[str]:
        return [tool.name for tool in build_researcher(settings).tools]

    assert names(Settings(research_web=False)) == [
        "search_knowledge",
        "list_inbox",
        "read_inbox_file",
    ]
    assert "fetch_page" in names(Settings(research_web=True))
    assert "fetch_page" in {t.name for t in tools_for(Settings(research_web=True))}


async def test_a_fetched_page_is_a_source_the_note_may_cite(
    engine: Engine, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEX_EMBEDDING_MODEL", "wordllama")
    monkeypatch.setenv("ALEX_RESEARCH_WEB", "1")
    monkeypatch.setenv("ALEX_RESEARCH_ALLOWED_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("ALEX_RESEARCH_INBOX_DIR", str(tmp_path / "inbox"))
    get_settings.cache_clear()
    url = f"{server}/to-article"
    summary = " ".join(["Treasury bills mature in one year or less."] * 12)
    answer = {
        "note": {
            "title": "Treasury bills",
            "summary": summary,
            "sources": [{"title": "Treasury bills explained", "location": f"{server}/article"}],
            "symbols": [],
            "topic": "cash",
        },
        "no_note_reason": None,
    }
    model = ScriptedModel(
        [
            [
                function_call("fetch_page", {"url": url}, call_id="c1"),
                function_call("fetch_page", {"url": "https://evil.example.com/"}, call_id="c2"),
            ],
            [assistant_message(json.dumps(answer))],
        ]
    )

    outcome = await research(engine, topic="treasury bills", model=model)

    assert outcome.status == "completed", outcome.message
    assert outcome.document_id is not None
    doc = knowledge_base(get_settings(), engine).get_document(outcome.document_id)
    assert doc.citations == [f"Treasury bills explained ({server}/article)"]
    events = get_run(engine, outcome.run_id).events
    messages = [e.message for e in events]
    assert f"Fetched {server}/article" in messages
    assert any("fetch_page refused: evil.example.com is not an allowed host" in m for m in messages)
