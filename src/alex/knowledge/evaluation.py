"""Retrieval quality on a labelled query set: recall@k and mean reciprocal rank, counted per
document (a query is answered when a relevant note is among the first k distinct notes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, TypeAdapter


class LabelledQuery(BaseModel):
    query: str = Field(min_length=1)
    # Slugs (file stems) of the notes that answer it, best first.
    relevant: list[str] = Field(min_length=1)
    kind: str = "paraphrase"


@dataclass(frozen=True, slots=True)
class Quality:
    queries: int
    recall_at_k: float
    mrr: float
    k: int


def load_queries(path: Path) -> list[LabelledQuery]:
    return TypeAdapter(list[LabelledQuery]).validate_python(json.loads(path.read_text()))


def evaluate(
    queries: Sequence[LabelledQuery], ranked: Callable[[str], list[str]], *, k: int = 5
) -> Quality:
    """`ranked(query)` returns note slugs best first (distinct)."""
    hits = 0
    reciprocal = 0.0
    for item in queries:
        slugs = ranked(item.query)
        relevant = set(item.relevant)
        if relevant & set(slugs[:k]):
            hits += 1
        for position, slug in enumerate(slugs, start=1):
            if slug in relevant:
                reciprocal += 1.0 / position
                break
    n = len(queries)
    return Quality(n, hits / n if n else 0.0, reciprocal / n if n else 0.0, k)
