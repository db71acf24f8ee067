"""The knowledge base's interfaces and the values that cross them.

Three families, one interface each, chosen in `factory.py`:
- `Embedder` turns text into unit vectors (bundled models, or a hosted one through LiteLLM);
- `VectorStore` keeps passage vectors and returns the nearest (flat, pgvector, S3 Vectors);
- keyword search is the database's own (`keyword.py`), fused with vectors in `search.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

Vectors = npt.NDArray[np.float32]
"""Rows of unit-length float32 vectors, shape (n, dim)."""


class EmbeddingError(RuntimeError):
    """The embedder could not embed (a hosted model refused or answered nonsense)."""


@runtime_checkable
class Embedder(Protocol):
    """Text → unit vectors. Queries and passages may be embedded differently (E5's prefixes)."""

    @property
    def name(self) -> str:
        """Identifies the vector space: vectors from different names are never compared."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors:
        """Shape (dim,)."""
        ...


@dataclass(frozen=True, slots=True)
class VectorItem:
    """One passage's vector and what a store may filter on."""

    chunk_id: int
    document_id: str
    vector: Vectors
    symbols: tuple[str, ...] = ()
    published: date | None = None


@dataclass(frozen=True, slots=True)
class VectorHit:
    chunk_id: int
    # Cosine similarity in [-1, 1] (stores that return a distance convert it).
    score: float


@dataclass(frozen=True, slots=True)
class VectorFilter:
    """Only passages that mention one of `symbols` (empty: no filter)."""

    symbols: frozenset[str] = field(default_factory=frozenset)


class VectorStore(Protocol):
    """Keeps passage vectors of one embedder (`model`) and returns the nearest to a query.

    Every store writes in its own transaction (or API call): `KnowledgeBase` writes vectors
    after the passage rows are committed, and removes the rows again if the store fails, so a
    passage is never searchable by keyword without its vector or the other way round."""

    name: str

    def upsert(self, items: list[VectorItem], *, model: str) -> None: ...

    def delete(self, chunk_ids: list[int]) -> None: ...

    def query(
        self, vector: Vectors, k: int, *, model: str, where: VectorFilter | None = None
    ) -> list[VectorHit]: ...

    def count(self, *, model: str) -> int: ...


# --- values the service returns ---


class Passage(BaseModel):
    """A search result: one passage with where it comes from, for a report to cite."""

    model_config = ConfigDict(frozen=True)

    chunk_id: int
    document_id: str
    title: str
    heading: str
    text: str
    source: str
    citations: list[str] = Field(default_factory=list)
    published: date | None = None
    topic: str | None = None
    symbols: list[str] = Field(default_factory=list)
    score: float
    # Which searches found it ("keyword", "vector") and its rank in each (1 = first).
    ranks: dict[str, int] = Field(default_factory=dict)


class DocumentInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    source: str
    citations: list[str]
    published: date | None
    topic: str | None
    symbols: list[str]
    origin: str
    media_type: str
    chunk_count: int


class IngestResult(BaseModel):
    """What ingesting one file or text did: `created` False means the same text was there."""

    model_config = ConfigDict(frozen=True)

    document: DocumentInfo
    created: bool
    chunks: int
