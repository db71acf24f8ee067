"""What a report cites: the knowledge search an agent run is given, and the per-run register
that numbers the documents its searches return, 1, 2, 3… across calls.

A model cites `[n]` for the numbers its tool results gave; `References.finalise` then keeps the
numbers the report really cites, renumbers them 1..N in reading order, drops any number it was
never given and appends the References list, so the text and the stored references always
agree whatever the model wrote."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from alex.core.text import md_text
from alex.knowledge.base import Passage
from alex.payloads import Reference

REFERENCES_HEADING = "## References"

# `[3]` or `[1, 4]`, not escaped (`\[3\]` is quoted text) and not a link (`[3](…)`, `[3][a]`).
_CITATION = re.compile(
    r"(?P<space>[ \t]*)(?<!\\)\[(?P<numbers>\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(]|\[(?!\d))"
)
# `[3]: …` lines: a list of references the model wrote in Markdown's own syntax.
_OWN_DEFINITIONS = re.compile(r"^[ \t]*\[\d{1,3}\]:[^\n]*\n?", re.MULTILINE)
# A references section the model wrote itself: replaced by the one built from the register.
_OWN_REFERENCES = re.compile(
    r"^#{1,6}[ \t]+(?:References|Sources|Footnotes)[ \t]*#*[ \t]*$.*?(?=^#{1,2}[ \t]|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


class KnowledgeSearch(Protocol):
    """`KnowledgeBase.search`, as an agent run sees it: the best passages for `query`, limited
    to passages that mention one of `symbols` when any are given."""

    def __call__(self, query: str, k: int = 5, *, symbols: Iterable[str] = ()) -> list[Passage]:
        """The `k` best passages, one per document."""
        ...


@dataclass
class References:
    """The documents one agent run was shown, numbered in the order they first came back.

    Tools run in worker threads (the Agents SDK runs a sync tool with `asyncio.to_thread`) and
    a model may call several at once, so numbering holds a lock."""

    _by_document: dict[str, Reference] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def number(self, passage: Passage) -> int:
        """The number `passage`'s document is cited by (the same for every passage of it)."""
        with self._lock:
            known = self._by_document.get(passage.document_id)
            if known is None:
                known = Reference(
                    n=len(self._by_document) + 1,
                    title=passage.title,
                    published=passage.published,
                    source=passage.source,
                    citations=list(passage.citations),
                    document_id=passage.document_id,
                )
                self._by_document[passage.document_id] = known
            return known.n

    def finalise(self, markdown: str) -> tuple[str, list[Reference]]:
        """`markdown` with its citations renumbered 1..N in order of first appearance (numbers
        it was never given removed) and a References list appended; and those references."""
        with self._lock:
            given = {ref.n: ref for ref in self._by_document.values()}
        body = _OWN_DEFINITIONS.sub("", _OWN_REFERENCES.sub("", markdown)).rstrip()
        order: dict[int, int] = {}

        def renumber(match: re.Match[str]) -> str:
            numbers = [int(part) for part in match.group("numbers").split(",")]
            kept = [order.setdefault(n, len(order) + 1) for n in numbers if n in given]
            # A dropped citation takes the space before it along ("rates [9]." → "rates.").
            return match.group("space") + "".join(f"[{n}]" for n in kept) if kept else ""

        body = _CITATION.sub(renumber, body)
        cited = [
            given[old].model_copy(update={"n": new})
            for old, new in sorted(order.items(), key=lambda pair: pair[1])
        ]
        if not cited:
            return body + "\n", []
        lines = [f"- [{ref.n}] {_describe(ref)}" for ref in cited]
        return body + f"\n\n{REFERENCES_HEADING}\n\n" + "\n".join(lines) + "\n", cited


def _describe(ref: Reference) -> str:
    parts = [f"*{md_text(ref.title)}*"]
    if ref.published is not None:
        parts.append(f"{ref.published.day} {ref.published:%b %Y}")
    parts.append(md_text(ref.source))
    return " — ".join(parts)
