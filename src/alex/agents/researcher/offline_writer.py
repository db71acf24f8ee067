"""The offline analyst's research: search the knowledge base, read the inbox, and write an
extractive note: the sentences of those local sources that say the most about the topic,
quoted as written, each attributed, with the sources list exactly the sources quoted. It knows
nothing it did not read, so with nothing relevant to quote it files no note and says why."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from alex.agents.offline import OfflineTurn, PlannedCall
from alex.agents.researcher.note import (
    MAX_SOURCES,
    MIN_WORDS,
    ResearchAnswer,
    ResearchNote,
    SourceRef,
)
from alex.core.text import md_text
from alex.knowledge.fence import unfence

MAX_INBOX_READS = 5
# Quotes and their attributions: well inside the note's 600 words with the introduction.
MAX_QUOTED_WORDS = 420
MAX_PER_SOURCE = 4
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_WORD = re.compile(r"[a-z0-9]+")
# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "into", "is",
    "it", "its", "of", "on", "or", "the", "their", "to", "what", "when", "which", "with", "your",
    "you", "vs", "versus", "about",
})
# fmt: on


@dataclass(frozen=True)
class _Source:
    location: str
    title: str
    text: str


@dataclass(frozen=True)
class _Sentence:
    score: int
    source: int
    position: int
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def offline_plan(turn: OfflineTurn) -> list[PlannedCall]:
    request = turn.data_block() or {}
    calls = [
        PlannedCall("search_knowledge", {"query": str(request.get("topic", ""))[:500]}),
        PlannedCall("list_inbox"),
    ]
    listing = turn.result("list_inbox")
    if isinstance(listing, dict):
        files = listing.get("files", [])[:MAX_INBOX_READS]
        calls += [PlannedCall("read_inbox_file", {"name": f["name"]}) for f in files]
    return calls


def offline_write(turn: OfflineTurn) -> str:
    request = turn.data_block() or {}
    topic = str(request.get("topic", ""))
    sources = _sources(turn)
    if not sources:
        return _no_note(
            f"there are no local sources on {topic!r}: the knowledge base returned no "
            "passages and the research inbox has no readable files"
        )
    picked = _pick(sources, _terms(topic, request.get("symbols", [])))
    used = sorted({s.source for s in picked}, key=[s.source for s in picked].index)
    intro = (
        f"What Alex's local sources say about {md_text(topic)}: each sentence below is "
        "quoted as written, followed by its source."
    )
    bullets = [f"- {s.text} _({md_text(sources[s.source].title)})_" for s in picked]
    summary = intro + "\n\n" + "\n".join(bullets)
    if len(summary.split()) < MIN_WORDS:
        return _no_note(
            f"the local sources say too little about {topic!r} to quote: "
            f"{sum(s.words for s in picked)} relevant words found in {len(sources)} sources, "
            f"and a note needs at least {MIN_WORDS}"
        )
    note = ResearchNote(
        title=_title(topic),
        summary=summary,
        sources=[
            SourceRef(title=sources[i].title[:150], location=sources[i].location) for i in used
        ],
        symbols=list(request.get("symbols", [])),
        topic=str(request.get("label", "research")),
    )
    return ResearchAnswer(note=note).model_dump_json()


def _no_note(reason: str) -> str:
    return json.dumps({"note": None, "no_note_reason": reason[:500]})


def _title(topic: str) -> str:
    title = f"Research note: {topic}"
    if len(title) > 120:
        title = title[:119].rsplit(" ", 1)[0] + "…"
    return title


def _sources(turn: OfflineTurn) -> list[_Source]:
    """Every primary source the tools returned (not the researcher's earlier notes: quoting its
    own quotes would only repeat them), once, ordered by location: the same sources give the
    same note, which the knowledge base then recognises instead of filing it again."""
    found: dict[str, _Source] = {}
    for result in turn.results:
        output: Any = result.output
        if not isinstance(output, dict) or "error" in output:
            continue
        items = output.get("passages", [output] if "location" in output else [])
        for item in items:
            location = item["location"]
            text = unfence(item["text"])
            if location in found:
                text = found[location].text + "\n\n" + text
            found[location] = _Source(location, item["title"], text)
    return sorted(found.values(), key=lambda source: source.location)


def _stem(word: str) -> str:
    """A plural `s` dropped, so that "markets" finds "market"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _stems(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower())}


def _terms(topic: str, symbols: list[str]) -> set[str]:
    words = {_stem(w) for w in _WORD.findall(topic.lower()) if len(w) > 2 and w not in _STOPWORDS}
    return words | _stems(" ".join(symbols))


def _sentences(text: str) -> list[str]:
    """Prose sentences of a markdown text (headings and table rows are not sentences)."""
    prose = " ".join(
        line.strip().removeprefix("- ").removeprefix("* ")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "|", "```"))
    )
    return [s.strip() for s in _SENTENCE_END.split(prose) if 6 <= len(s.split()) <= 60]


def _pick(sources: list[_Source], terms: set[str]) -> list[_Sentence]:
    """The sentences naming the most topic terms, at most `MAX_PER_SOURCE` per source and
    `MAX_SOURCES` sources, up to `MAX_QUOTED_WORDS` with their attributions; in source order,
    as they were written."""
    candidates = [
        _Sentence(len(terms & _stems(text)), index, position, text)
        for index, source in enumerate(sources)
        for position, text in enumerate(_sentences(source.text))
    ]
    ranked = sorted(
        (c for c in candidates if c.score > 0), key=lambda c: (-c.score, c.source, c.position)
    )
    picked: list[_Sentence] = []
    seen: set[str] = set()
    per_source: dict[int, int] = {}
    words = 0
    for sentence in ranked:
        key = " ".join(sentence.text.lower().split())
        fresh_source = sentence.source not in per_source
        cost = sentence.words + len(sources[sentence.source].title.split())
        if (
            key in seen
            or per_source.get(sentence.source, 0) >= MAX_PER_SOURCE
            or (fresh_source and len(per_source) >= MAX_SOURCES)
            or words + cost > MAX_QUOTED_WORDS
        ):
            continue
        seen.add(key)
        per_source[sentence.source] = per_source.get(sentence.source, 0) + 1
        words += cost
        picked.append(sentence)
    return sorted(picked, key=lambda s: (s.source, s.position))
