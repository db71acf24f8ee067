"""Passages from a document: split on headings first, then pack whole sentences up to a size,
repeating the last sentence or two of a passage at the start of the next, so a fact that
straddles a boundary is still found whole in one passage.

Sentences are split with a regular expression rather than an NLP library (nltk, spaCy): the
notes are plain English prose, and those libraries add hundreds of megabytes and model data."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket; common
# abbreviations ("e.g.", "U.S.", "vs.") don't end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9$])")
_ABBREVIATIONS = ("e.g.", "i.e.", "U.S.", "vs.", "etc.", "Inc.", "Co.", "No.", "St.", "Dr.", "ed.")


@dataclass(frozen=True, slots=True)
class Chunk:
    heading: str
    text: str


def sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, body) pairs; text before the first heading has the heading ""."""
    result: list[tuple[str, str]] = []
    heading = ""
    lines: list[str] = []
    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match:
            if any(part.strip() for part in lines):
                result.append((heading, "\n".join(lines).strip()))
            heading, lines = match.group(2).strip(), []
        else:
            lines.append(line)
    if any(part.strip() for part in lines):
        result.append((heading, "\n".join(lines).strip()))
    return result


def sentences(text: str) -> list[str]:
    """Sentences of a section; list items and paragraphs are never joined into one."""
    result: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)", text):
        flat = " ".join(block.split())
        if not flat:
            continue
        pieces = _SENTENCE_END.split(flat)
        merged: list[str] = []
        for piece in pieces:
            if merged and merged[-1].endswith(_ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        result.extend(merged)
    return result


def chunk_markdown(markdown: str, *, max_words: int = 160, overlap_words: int = 30) -> list[Chunk]:
    """Passages of at most about `max_words` words (a single longer sentence is kept whole)."""
    if overlap_words >= max_words:
        raise ValueError("overlap_words must be smaller than max_words")
    chunks: list[Chunk] = []
    for heading, body in sections(markdown):
        current: list[str] = []
        words = 0
        fresh = False  # does `current` hold a sentence not yet in a passage?
        for sentence in sentences(body):
            size = len(sentence.split())
            if fresh and words + size > max_words:
                chunks.append(Chunk(heading, " ".join(current)))
                current, words = _overlap(current, overlap_words)
            current.append(sentence)
            words += size
            fresh = True
        if fresh:
            chunks.append(Chunk(heading, " ".join(current)))
    return chunks


def _overlap(sentences_: list[str], overlap_words: int) -> tuple[list[str], int]:
    kept: list[str] = []
    words = 0
    for sentence in reversed(sentences_):
        size = len(sentence.split())
        if words + size > overlap_words:
            break
        kept.insert(0, sentence)
        words += size
    return kept, words
