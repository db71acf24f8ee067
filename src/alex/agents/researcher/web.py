"""`fetch_page`: one web page as text, for the researcher, only from hosts an operator listed.

What reaches the model is bounded: the host must be in `ALEX_RESEARCH_ALLOWED_HOSTS` (an exact,
case-insensitive match: `sec.gov` does not admit `www.sec.gov` or `evil-sec.gov`), every
redirect hop is checked the same way, the body is read as a stream and abandoned past
`ALEX_RESEARCH_FETCH_MAX_BYTES`, the whole fetch has `ALEX_RESEARCH_FETCH_TIMEOUT_SECONDS`
(a server that drips bytes cannot hold it open), and only HTML, plain text and PDF are read,
turned into text by the knowledge base's own extractor.

HTTPS only, with one exception: plain HTTP to a loopback host (127.0.0.1, ::1, localhost),
because that traffic never leaves the machine (a local documentation mirror, the tests' server).
It still has to be allow-listed; the default list names no loopback host."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

import httpx

from alex.core.config import Settings
from alex.core.errors import AlexError, ValidationFailedError
from alex.knowledge.extract import extract

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECTS = 3
# Extraction needs a file name; the media type picks the extractor.
_EXTRACT_AS = {
    "text/html": "page.html",
    "application/xhtml+xml": "page.html",
    "text/plain": "page.txt",
    "text/markdown": "page.md",
    "application/pdf": "page.pdf",
}
_USER_AGENT = "AlexResearcher/1.0"


class FetchRefusedError(AlexError):
    """The page was not fetched or not readable; the message says why (shown to the model,
    which may try another source, and recorded in the run's events)."""


@dataclass(frozen=True)
class FetchedPage:
    url: str
    """The URL the text came from (the last redirect hop): the note cites this."""
    title: str
    text: str
    published: date | None
    media_type: str
    size: int


def check_url(url: str, allowed_hosts: list[str]) -> str:
    """The URL if it may be fetched; else `FetchRefusedError` naming why."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise FetchRefusedError(f"{url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise FetchRefusedError("URLs with credentials are not fetched")
    allowed = {h.strip().rstrip(".").lower() for h in allowed_hosts if h.strip()}
    if host not in allowed:
        raise FetchRefusedError(
            f"{host} is not an allowed host (allowed: {', '.join(sorted(allowed)) or 'none'})"
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise FetchRefusedError(f"{url!r} is plain HTTP; only https:// pages are fetched")
    return url.strip()


async def fetch_page(url: str, settings: Settings) -> FetchedPage:
    """Fetch and extract one page within the settings' limits."""
    timeout = settings.research_fetch_timeout_seconds
    try:
        return await asyncio.wait_for(_fetch(url, settings), timeout=timeout)
    except TimeoutError:
        raise FetchRefusedError(f"{url} did not answer within {timeout:g} s") from None


async def _fetch(url: str, settings: Settings) -> FetchedPage:
    allowed = settings.research_allowed_hosts
    current = check_url(url, allowed)
    async with httpx.AsyncClient(
        timeout=settings.research_fetch_timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": _USER_AGENT, "Accept": ", ".join(_EXTRACT_AS)},
        # Proxies from the environment could route around the allow-list's intent.
        trust_env=False,
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with client.stream("GET", current) as response:
                    if response.is_redirect:
                        target = urljoin(current, response.headers.get("location", ""))
                        current = check_url(target, allowed)
                        continue
                    return await _read(response, current, settings.research_fetch_max_bytes)
            except httpx.TimeoutException:
                raise FetchRefusedError(
                    f"{current} did not answer within {settings.research_fetch_timeout_seconds:g} s"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchRefusedError(
                    f"{current} could not be fetched ({type(exc).__name__})"
                ) from None
    raise FetchRefusedError(f"{url} redirected more than {MAX_REDIRECTS} times")


async def _read(response: httpx.Response, url: str, max_bytes: int) -> FetchedPage:
    if response.status_code != 200:
        raise FetchRefusedError(f"{url} answered HTTP {response.status_code}")
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _EXTRACT_AS:
        raise FetchRefusedError(
            f"{url} is {media_type or 'of no stated type'}, not a page Alex reads "
            "(HTML, plain text or PDF)"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchRefusedError(f"{url} is larger than the {max_bytes:,} byte limit")
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) > max_bytes:
            # Stop reading: a server may lie about, or omit, its length.
            raise FetchRefusedError(f"{url} is larger than the {max_bytes:,} byte limit")
    data = bytes(body)
    if media_type != "application/pdf":
        # The extractor reads UTF-8; a page in another charset is re-encoded, not refused.
        charset = response.charset_encoding or "utf-8"
        try:
            data = data.decode(charset, errors="replace").encode("utf-8")
        except LookupError:
            raise FetchRefusedError(f"{url} uses an unknown charset {charset!r}") from None
    try:
        extracted = extract(_EXTRACT_AS[media_type], data)
    except ValidationFailedError as exc:
        raise FetchRefusedError(
            f"{url}: {exc.message.removeprefix(_EXTRACT_AS[media_type] + ': ')}"
        ) from None
    title = extracted.metadata.title or extracted.title
    if title == "page":  # the extractor's fallback: the made-up file name
        title = urlsplit(url).hostname or url
    return FetchedPage(
        url=url,
        title=title,
        text=extracted.markdown,
        published=extracted.metadata.published,
        media_type=media_type,
        size=len(body),
    )
