"""The researcher's answer: a note with its sources, or an honest "no note" with the reason.
Validated like user input (a model's output is outside input), and rendered here into the
markdown the knowledge base stores."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alex.knowledge.fence import MARKER

MIN_WORDS = 80
MAX_WORDS = 600
MAX_SOURCES = 10
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")


class SourceRef(BaseModel):
    """A source the note draws on. `location` is copied verbatim from the tool result that
    returned it (`knowledge:…`, `inbox:…` or a URL): that is how the note is checked."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Together at most 500 characters: the knowledge base's limit for one citation.
    title: str = Field(min_length=1, max_length=150)
    location: str = Field(min_length=1, max_length=340)

    def citation(self) -> str:
        return f"{self.title} ({self.location})"


class ResearchNote(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(description=f"The note's markdown body, {MIN_WORDS}-{MAX_WORDS} words.")
    sources: list[SourceRef] = Field(min_length=1, max_length=MAX_SOURCES)
    symbols: list[str] = Field(default_factory=list, max_length=20)
    # The knowledge base's topic column holds 40 characters.
    topic: str = Field(min_length=1, max_length=40)

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("the title must be one line")
        return value

    @field_validator("summary")
    @classmethod
    def _length(cls, value: str) -> str:
        words = len(value.split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            raise ValueError(f"the summary has {words} words; it needs {MIN_WORDS}-{MAX_WORDS}")
        if MARKER.search(value):
            raise ValueError("the summary contains retrieved-data markers")
        return value

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
    def _distinct(cls, value: list[SourceRef]) -> list[SourceRef]:
        locations = [source.location for source in value]
        if len(set(locations)) != len(locations):
            raise ValueError("a source is listed twice")
        return value


class ResearchAnswer(BaseModel):
    """Exactly one of `note` and `no_note_reason`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: ResearchNote | None = None
    no_note_reason: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> ResearchAnswer:
        if (self.note is None) == (self.no_note_reason is None):
            raise ValueError("give either a note or a no_note_reason")
        return self


def note_markdown(note: ResearchNote) -> str:
    """What is filed. No date in the text: the note's `published` date carries it, and an
    identical note written on another day is then recognised as the same text (and not filed
    twice)."""
    sources = "\n".join(f"- {source.title}: {source.location}" for source in note.sources)
    return f"# {note.title}\n\n{note.summary.strip()}\n\n## Sources\n\n{sources}\n"
