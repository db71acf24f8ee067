"""Files from outside → validated text with metadata. Markdown (with optional YAML front
matter), plain text, HTML and PDF; everything else is refused with a reason. A file's
metadata is user input: it is checked like any other (lengths, dates, symbols)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import PurePath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alex.core.errors import ValidationFailedError

MEDIA_TYPES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")


class Metadata(BaseModel):
    """What a document may say about itself (front matter, HTML meta, PDF info)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    title: str | None = Field(default=None, max_length=300)
    # Written `date:` in front matter.
    published: dt.date | None = Field(default=None, alias="date")
    topic: str | None = Field(default=None, max_length=40)
    symbols: list[str] = Field(default_factory=list, max_length=100)
    sources: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: list[str]) -> list[str]:
        cleaned = [symbol.strip().upper() for symbol in value]
        bad = [symbol for symbol in cleaned if not _SYMBOL.match(symbol)]
        if bad:
            raise ValueError(f"not ticker symbols: {', '.join(bad[:5])}")
        return sorted(set(cleaned))

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        if any(len(source) > 500 for source in value):
            raise ValueError("a source is longer than 500 characters")
        return [source.strip() for source in value if source.strip()]


class Extracted(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    markdown: str
    media_type: str
    metadata: Metadata


def media_type_for(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        known = ", ".join(sorted(MEDIA_TYPES))
        raise ValidationFailedError(f"{name}: unsupported file type (use {known})", field="file")
    return MEDIA_TYPES[suffix]


def extract(name: str, data: bytes) -> Extracted:
    """Text and metadata of the file `name` with contents `data`."""
    media_type = media_type_for(name)
    stem = PurePath(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
    if media_type == "application/pdf":
        markdown, meta = _pdf(data, name)
    else:
        text = _decode(data, name)
        if media_type == "text/html":
            markdown, meta = _html(text)
        elif media_type == "text/markdown":
            markdown, meta = _front_matter(text, name)
        else:
            markdown, meta = text, {}
    try:
        metadata = Metadata.model_validate(meta)
    except ValidationError as exc:
        problem = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValidationFailedError(f"{name}: bad metadata ({problem})", field="file") from None
    markdown = markdown.strip()
    if len(markdown.split()) < 5:
        raise ValidationFailedError(f"{name}: no readable text in the file", field="file")
    title = metadata.title or _first_heading(markdown) or stem
    return Extracted(title=title[:300], markdown=markdown, media_type=media_type, metadata=metadata)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailedError(f"{name}: not UTF-8 text", field="file") from None


def _first_heading(markdown: str) -> str | None:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _front_matter(text: str, name: str) -> tuple[str, dict[str, Any]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        raise ValidationFailedError(f"{name}: the front matter is not YAML", field="file") from None
    if not isinstance(meta, dict):
        raise ValidationFailedError(f"{name}: the front matter is not a mapping", field="file")
    return text[match.end() :], meta


def _html(text: str) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    meta: dict[str, Any] = {}
    if soup.title and soup.title.string:
        meta["title"] = " ".join(soup.title.string.split())[:300]
    for key in ("article:published_time", "date", "dc.date"):
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        content = tag.get("content") if tag else None
        if isinstance(content, str) and (parsed := _parse_date(content)):
            meta["date"] = parsed
            break
    for tag in soup(["script", "style", "nav", "footer", "header", "aside", "form", "noscript"]):
        tag.decompose()
    lines: list[str] = []
    root = soup.body or soup
    for element in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "blockquote", "td"]):
        words = " ".join(element.get_text(" ").split())
        if not words:
            continue
        if element.name in {"h1", "h2", "h3", "h4"}:
            lines.append("\n" + "#" * int(element.name[1]) + " " + words + "\n")
        elif element.name == "li":
            lines.append("- " + words)
        else:
            lines.append(words + "\n")
    return "\n".join(lines), meta


def _pdf(data: bytes, name: str) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError):
        raise ValidationFailedError(f"{name}: not a readable PDF", field="file") from None
    meta: dict[str, Any] = {}
    if info is not None:
        if info.title and info.title.strip():
            meta["title"] = info.title.strip()[:300]
        created = info.creation_date
        if isinstance(created, dt.datetime):
            meta["date"] = created.date()
    return "\n\n".join(pages), meta


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def ticker_candidates(text: str) -> set[str]:
    """Words written like tickers (2–5 capitals, optionally a class: BRK.B), finance acronyms
    that are also tickers (TIPS, IRA, IT the sector) left out."""
    return set(re.findall(r"\b[A-Z]{2,5}(?:\.[A-Z])?\b", text)) - _NOT_TICKERS


def mentioned_symbols(text: str, known: set[str]) -> list[str]:
    """Ticker symbols written in `text` that are among `known`."""
    return sorted(ticker_candidates(text) & known)


# Capitalised words in finance prose that are not meant as tickers, even where one exists.
_NOT_TICKERS = frozenset(
    [
        "ETF",
        "ETFS",
        "IRA",
        "IRAS",
        "RMD",
        "RMDS",
        "TIPS",
        "CPI",
        "US",
        "USA",
        "IRS",
        "SEC",
        "FINRA",
        "REIT",
        "REITS",
        "GDP",
        "FED",
        "API",
        "CD",
        "CDS",
        "FDIC",
        "AI",
        "CEO",
        "IPO",
        "NAV",
        "SIPC",
        "ESG",
        "PE",
        "EPS",
        "YTD",
        "AUM",
        "ROTH",
        "HSA",
        "SEP",
        "MMF",
        "EM",
        "DM",
        "LLC",
        "IT",
    ]
)
