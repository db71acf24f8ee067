"""The one place that picks the embedder (`ALEX_EMBEDDING_MODEL`) and the vector store
(`ALEX_VECTOR_STORE`). Each implementation is imported only when chosen."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.knowledge.base import Embedder, VectorStore
from alex.knowledge.service import KnowledgeBase

BUNDLED_EMBEDDERS = ("wordllama", "e5")

_lock = threading.Lock()
_embedders: dict[tuple[str, str, int], Embedder] = {}
_bases: dict[tuple[object, ...], KnowledgeBase] = {}


def make_embedder(settings: Settings) -> Embedder:
    """Loaded once per process and model (a bundled model takes ~0.7 s to load)."""
    key = (settings.embedding_model, settings.embedding_base_url, settings.embedding_dimensions)
    with _lock:
        if key not in _embedders:
            _embedders[key] = _build_embedder(settings)
        return _embedders[key]


def _build_embedder(settings: Settings) -> Embedder:
    model = settings.embedding_model.strip()
    if model == "wordllama":
        from alex.knowledge.embedders.wordllama import WordLlamaEmbedder

        return WordLlamaEmbedder()
    if model == "e5":
        from alex.knowledge.embedders.e5 import E5Embedder

        return E5Embedder()
    from alex.knowledge.embedders.hosted import HostedEmbedder

    return HostedEmbedder.from_settings(settings)


def make_store(settings: Settings, engine: Engine, dim: int) -> VectorStore:
    if settings.vector_store == "pgvector":
        from alex.db.session import engine_for
        from alex.knowledge.stores.pgvector import PgVectorStore

        url = settings.pgvector_url or settings.resolved_database_url
        return PgVectorStore(engine if url == str(engine.url) else engine_for(url), dim)
    if settings.vector_store == "s3vectors":
        from alex.knowledge.stores.s3vectors import S3VectorsStore

        return S3VectorsStore.from_settings(settings)
    from alex.knowledge.stores.flat import FlatStore

    return FlatStore(engine)


def knowledge_base(settings: Settings, engine: Engine) -> KnowledgeBase:
    """One per process, database and configuration: the flat store's in-memory matrix and the
    embedder are shared by every request."""
    key = (
        engine.url.render_as_string(hide_password=False),
        settings.embedding_model,
        settings.embedding_base_url,
        settings.embedding_dimensions,
        settings.vector_store,
        settings.pgvector_url,
        settings.s3_vectors_bucket,
        settings.s3_vectors_index,
    )
    with _lock:
        base = _bases.get(key)
    if base is None:
        embedder = make_embedder(settings)
        base = KnowledgeBase(engine, embedder, make_store(settings, engine, embedder.dim))
        with _lock:
            base = _bases.setdefault(key, base)
    return base
