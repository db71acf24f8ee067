"""The knowledge base: ingest files and texts, search them (keyword and vectors fused), list
and delete. The one entry point the CLI, the API, the agents and the Lambda handlers use."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from alex.core.errors import NotFoundError, ValidationFailedError
from alex.db.models import Instrument, KnowledgeChunk, KnowledgeDocument
from alex.knowledge.base import (
    DocumentInfo,
    Embedder,
    IngestResult,
    Passage,
    VectorFilter,
    VectorItem,
    Vectors,
    VectorStore,
)
from alex.knowledge.chunking import chunk_markdown
from alex.knowledge.extract import (
    Extracted,
    Metadata,
    extract,
    mentioned_symbols,
    ticker_candidates,
)
from alex.knowledge.fusion import recency_factor, reciprocal_rank_fusion
from alex.knowledge.keyword import keyword_search

log = logging.getLogger(__name__)

Origin = Literal["starter", "operator", "research"]
Mode = Literal["hybrid", "vector", "keyword"]

MAX_QUERY_CHARS = 500
# At most a 2 % lift for a note published today. Adjacent ranks near the top of a fused list
# differ by ~1.6 % (1/61 vs 1/62), so recency orders near-ties and never lifts a clearly less
# relevant passage over a relevant one (a 10 % lift did: measured on the service tests).
RECENCY_WEIGHT = 0.02
_QUERY_CACHE_SIZE = 512
# Each search asks both engines for this many candidates per result it returns.
_CANDIDATES_PER_RESULT = 8


@dataclass(frozen=True, slots=True)
class _Candidate:
    document_id: str
    symbols: frozenset[str]
    published: date | None


class KnowledgeBase:
    def __init__(
        self,
        engine: Engine,
        embedder: Embedder,
        store: VectorStore,
        *,
        recency_weight: float = RECENCY_WEIGHT,
        recency_half_life_days: float = 365.0,
    ) -> None:
        self.engine = engine
        self.embedder = embedder
        self.store = store
        self.recency_weight = recency_weight
        self.recency_half_life_days = recency_half_life_days
        self._query_vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    # --- ingest ---

    def ingest_file(
        self,
        path: Path,
        *,
        origin: Origin = "operator",
        known_vectors: Mapping[str, Vectors] | None = None,
    ) -> IngestResult:
        return self.ingest_extracted(
            extract(path.name, path.read_bytes()),
            source=path.name,
            origin=origin,
            known_vectors=known_vectors,
        )

    def ingest_bytes(
        self, name: str, data: bytes, *, origin: Origin = "operator", source: str | None = None
    ) -> IngestResult:
        return self.ingest_extracted(extract(name, data), source=source or name, origin=origin)

    def ingest_text(
        self,
        title: str,
        markdown: str,
        *,
        source: str,
        origin: Origin,
        published: date | None = None,
        topic: str | None = None,
        symbols: Iterable[str] = (),
        citations: Iterable[str] = (),
    ) -> IngestResult:
        metadata = Metadata(
            title=title,
            published=published,
            topic=topic,
            symbols=list(symbols),
            sources=list(citations),
        )
        extracted = Extracted(
            title=title, markdown=markdown, media_type="text/markdown", metadata=metadata
        )
        return self.ingest_extracted(extracted, source=source, origin=origin)

    def ingest_extracted(
        self,
        doc: Extracted,
        *,
        source: str,
        origin: Origin,
        known_vectors: Mapping[str, Vectors] | None = None,
    ) -> IngestResult:
        """`known_vectors` (text hash → vector of this embedder) skips embedding passages whose
        vectors were computed before: the shipped starter notes come with theirs."""
        digest = content_hash(doc.markdown)
        chunks = chunk_markdown(doc.markdown)
        if not chunks:
            raise ValidationFailedError(f"{source}: no passages in the text", field="file")
        with Session(self.engine) as session:
            existing = session.scalar(
                select(KnowledgeDocument).where(KnowledgeDocument.content_hash == digest)
            )
            if existing is not None:
                return IngestResult(document=_info(existing), created=False, chunks=0)
        # Embed before writing anything: a hosted embedder that fails leaves no rows behind.
        vectors = self._embed(
            [passage_text(doc.title, c.heading, c.text) for c in chunks], known_vectors
        )
        with Session(self.engine) as session:
            # Only the words that look like tickers are looked up (not all ~30k instruments).
            written = ticker_candidates(doc.markdown)
            known = (
                set(
                    session.scalars(select(Instrument.symbol).where(Instrument.symbol.in_(written)))
                )
                if written
                else set()
            )
            declared = set(doc.metadata.symbols)
            document = KnowledgeDocument(
                id=uuid.uuid4(),
                content_hash=digest,
                title=doc.title,
                source=source[:500],
                citations=doc.metadata.sources,
                published=doc.metadata.published,
                topic=doc.metadata.topic,
                symbols=sorted(declared | set(mentioned_symbols(doc.markdown, known))),
                origin=origin,
                media_type=doc.media_type,
                chunk_count=len(chunks),
            )
            rows = [
                KnowledgeChunk(
                    document_id=document.id,
                    ordinal=ordinal,
                    heading=chunk.heading[:300],
                    body=chunk.text,
                    symbols=mentioned_symbols(chunk.text, known | declared),
                )
                for ordinal, chunk in enumerate(chunks)
            ]
            session.add(document)
            session.add_all(rows)
            session.commit()
            info = _info(document)
            items = [
                VectorItem(
                    chunk_id=row.id,
                    document_id=str(document.id),
                    vector=vector,
                    symbols=tuple(sorted({*row.symbols, *document.symbols})),
                    published=document.published,
                )
                for row, vector in zip(rows, vectors, strict=True)
            ]
        try:
            self.store.upsert(items, model=self.embedder.name)
        except BaseException:
            # No passage may be searchable by keyword without its vector.
            self._delete_rows(uuid.UUID(info.id))
            raise
        # Seeding the starter notes is routine; anything else is worth an operator's eye.
        log.log(
            logging.DEBUG if origin == "starter" else logging.INFO,
            "knowledge document ingested",
            extra={"document_id": info.id, "chunks": len(rows), "origin": origin},
        )
        return IngestResult(document=info, created=True, chunks=len(rows))

    def reindex(self) -> int:
        """Embed every passage again with the current embedder (after changing it)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(KnowledgeChunk, KnowledgeDocument)
                .join(KnowledgeDocument)
                .order_by(KnowledgeChunk.id)
            ).all()
            texts = [passage_text(d.title, c.heading, c.body) for c, d in rows]
            items_meta = [
                (c.id, str(d.id), tuple(sorted({*c.symbols, *d.symbols})), d.published)
                for c, d in rows
            ]
        done = 0
        for start in range(0, len(texts), 256):
            vectors = self.embedder.embed_passages(texts[start : start + 256])
            batch = [
                VectorItem(chunk_id=i, document_id=d, vector=v, symbols=s, published=p)
                for (i, d, s, p), v in zip(items_meta[start : start + 256], vectors, strict=True)
            ]
            self.store.upsert(batch, model=self.embedder.name)
            done += len(batch)
        return done

    def _embed(self, texts: list[str], known: Mapping[str, Vectors] | None) -> Vectors:
        if not known:
            return self.embedder.embed_passages(texts)
        hashes = [text_hash(text) for text in texts]
        missing = [text for text, digest in zip(texts, hashes, strict=True) if digest not in known]
        fresh = iter(self.embedder.embed_passages(missing)) if missing else iter(())
        return np.stack(
            [known[digest] if digest in known else next(fresh) for digest in hashes]
        ).astype(np.float32)

    # --- search ---

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        symbols: Iterable[str] = (),
        mode: Mode = "hybrid",
        distinct_documents: bool = True,
        today: date | None = None,
    ) -> list[Passage]:
        """The `k` best passages for `query` (one per document unless told otherwise), limited
        to passages that mention one of `symbols` when any are given."""
        query = " ".join(query.split())
        if not query:
            raise ValidationFailedError("the search query is empty", field="q")
        if len(query) > MAX_QUERY_CHARS:
            raise ValidationFailedError(
                f"the search query is longer than {MAX_QUERY_CHARS} characters", field="q"
            )
        if not 1 <= k <= 50:
            raise ValidationFailedError("k must be between 1 and 50", field="k")
        wanted = frozenset(s.strip().upper() for s in symbols if s.strip())
        fetch = k * _CANDIDATES_PER_RESULT
        rankings: dict[str, list[int]] = {}
        if mode in {"hybrid", "keyword"}:
            # Symbol filtering happens after the fetch for keywords: ask for more.
            limit = fetch * (4 if wanted else 1)
            rankings["keyword"] = [cid for cid, _ in keyword_search(self.engine, query, limit)]
        if mode in {"hybrid", "vector"}:
            vector = self._query_vector(query)
            hits = self.store.query(
                vector, fetch, model=self.embedder.name, where=VectorFilter(wanted)
            )
            rankings["vector"] = [hit.chunk_id for hit in hits]
        fused = reciprocal_rank_fusion(rankings)
        if not fused:
            return []
        # Rank on a light projection of every candidate; read the text of the winners only.
        candidates = self._candidates(list(fused))
        if wanted:
            candidates = {cid: c for cid, c in candidates.items() if wanted & c.symbols}
        today = today or date.today()
        scored = sorted(
            (
                (
                    fused[cid][0]
                    * recency_factor(
                        c.published,
                        today,
                        weight=self.recency_weight,
                        half_life_days=self.recency_half_life_days,
                    ),
                    cid,
                )
                for cid, c in candidates.items()
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )
        chosen: list[tuple[float, int]] = []
        seen: set[str] = set()
        for score, cid in scored:
            document_id = candidates[cid].document_id
            if distinct_documents and document_id in seen:
                continue
            seen.add(document_id)
            chosen.append((score, cid))
            if len(chosen) == k:
                break
        passages = self._load_passages([cid for _, cid in chosen])
        return [
            passages[cid].model_copy(update={"score": round(score, 6), "ranks": fused[cid][1]})
            for score, cid in chosen
        ]

    def _candidates(self, chunk_ids: list[int]) -> dict[int, _Candidate]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    KnowledgeChunk.id,
                    KnowledgeChunk.document_id,
                    KnowledgeChunk.symbols,
                    KnowledgeDocument.symbols,
                    KnowledgeDocument.published,
                )
                .join(KnowledgeDocument)
                .where(KnowledgeChunk.id.in_(chunk_ids))
            ).all()
        return {
            row[0]: _Candidate(str(row[1]), frozenset(row[2]) | frozenset(row[3]), row[4])
            for row in rows
        }

    def _query_vector(self, query: str) -> Vectors:
        """Reports for different users ask about the same themes: a query is embedded once."""
        with self._lock:
            cached = self._query_vectors.get(query)
            if cached is not None:
                self._query_vectors.move_to_end(query)
                return cached
        vector = self.embedder.embed_query(query)
        with self._lock:
            self._query_vectors[query] = vector
            while len(self._query_vectors) > _QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def _load_passages(self, chunk_ids: list[int]) -> dict[int, Passage]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(KnowledgeChunk, KnowledgeDocument)
                .join(KnowledgeDocument)
                .where(KnowledgeChunk.id.in_(chunk_ids))
            ).all()
            return {
                chunk.id: Passage(
                    chunk_id=chunk.id,
                    document_id=str(doc.id),
                    title=doc.title,
                    heading=chunk.heading,
                    text=chunk.body,
                    source=doc.source,
                    citations=list(doc.citations),
                    published=doc.published,
                    topic=doc.topic,
                    symbols=sorted({*chunk.symbols, *doc.symbols}),
                    score=0.0,
                )
                for chunk, doc in rows
            }

    # --- documents ---

    def list_documents(self, *, origin: Origin | None = None) -> list[DocumentInfo]:
        with Session(self.engine) as session:
            query = select(KnowledgeDocument).order_by(
                KnowledgeDocument.published.desc(), KnowledgeDocument.title
            )
            if origin is not None:
                query = query.where(KnowledgeDocument.origin == origin)
            return [_info(doc) for doc in session.scalars(query)]

    def get_document(self, document_id: uuid.UUID) -> DocumentInfo:
        with Session(self.engine) as session:
            doc = session.get(KnowledgeDocument, document_id)
            if doc is None:
                raise NotFoundError("no such knowledge document", field="document_id")
            return _info(doc)

    def delete(self, document_id: uuid.UUID) -> DocumentInfo:
        info = self.get_document(document_id)
        with Session(self.engine) as session:
            chunk_ids = list(
                session.scalars(
                    select(KnowledgeChunk.id).where(KnowledgeChunk.document_id == document_id)
                )
            )
        # Vectors first: a passage whose vector is gone is only less findable, while a vector
        # without its row would point at nothing.
        self.store.delete(chunk_ids)
        self._delete_rows(document_id)
        return info

    def _delete_rows(self, document_id: uuid.UUID) -> None:
        with Session(self.engine) as session:
            session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document_id))
            session.execute(delete(KnowledgeDocument).where(KnowledgeDocument.id == document_id))
            session.commit()

    def stats(self) -> dict[str, int]:
        with Session(self.engine) as session:
            documents = session.scalar(select(func.count()).select_from(KnowledgeDocument)) or 0
            chunks = session.scalar(select(func.count()).select_from(KnowledgeChunk)) or 0
        return {
            "documents": documents,
            "passages": chunks,
            "vectors": self.store.count(model=self.embedder.name),
        }


def content_hash(markdown: str) -> str:
    return hashlib.sha256(" ".join(markdown.split()).encode()).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def passage_text(title: str, heading: str, body: str) -> str:
    """What is embedded for a passage: its document's title and its heading give a short
    passage the context a reader would have."""
    return f"{title}. {heading}. {body}" if heading else f"{title}. {body}"


def _info(doc: KnowledgeDocument) -> DocumentInfo:
    return DocumentInfo(
        id=str(doc.id),
        title=doc.title,
        source=doc.source,
        citations=list(doc.citations),
        published=doc.published,
        topic=doc.topic,
        symbols=list(doc.symbols),
        origin=doc.origin,
        media_type=doc.media_type,
        chunk_count=doc.chunk_count,
    )
