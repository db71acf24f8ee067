"""Keyword search in the database's own full-text engine: SQLite FTS5 (BM25, Porter stemming)
or PostgreSQL's text search (`ts_rank_cd` over the GIN-indexed `to_tsvector('english', …)`).

A query is reduced to its words (letters and digits) and any word may match: full-text
operators typed by a user are never passed through, so no query can be a syntax error."""

from __future__ import annotations

import re

from sqlalchemy import Engine, bindparam, func, literal_column, select, text

from alex.db.models import KnowledgeChunk

# Words too common to say anything (FTS5 has no stop list; PostgreSQL's drops these too).
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)

_SQLITE = text(
    "SELECT rowid, bm25(knowledge_chunks_fts, 2.0, 1.0) AS rank FROM knowledge_chunks_fts "
    "WHERE knowledge_chunks_fts MATCH :match ORDER BY rank LIMIT :limit"
).bindparams(bindparam("match"), bindparam("limit"))


def terms(query: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", query.lower())
    return list(dict.fromkeys(word for word in words if word not in _STOP))


def keyword_search(engine: Engine, query: str, limit: int) -> list[tuple[int, float]]:
    """(chunk id, score) best first; a higher score is a better match."""
    words = terms(query)
    if not words or limit <= 0:
        return []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            document = func.to_tsvector(
                literal_column("'english'::regconfig"),
                KnowledgeChunk.heading + " " + KnowledgeChunk.body,
            )
            tsquery = func.to_tsquery(literal_column("'english'::regconfig"), " | ".join(words))
            rank = func.ts_rank_cd(document, tsquery)
            rows = conn.execute(
                select(KnowledgeChunk.id, rank)
                .where(document.bool_op("@@")(tsquery))
                .order_by(rank.desc(), KnowledgeChunk.id)
                .limit(limit)
            ).all()
            return [(int(row[0]), float(row[1])) for row in rows]
        match = " OR ".join(f'"{word}"' for word in words)
        rows = conn.execute(_SQLITE, {"match": match, "limit": limit}).all()
        # bm25() is lower for better matches.
        return [(int(row[0]), -float(row[1])) for row in rows]
