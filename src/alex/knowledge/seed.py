"""The starter notes shipped with Alex (`starter/*.md`, original texts naming their sources):
ingested by `alex db seed` so a fresh install's reports cite knowledge.

Their passages' vectors for the bundled embedders ship beside them (`starter/vectors/`, written
by `scripts/embed_starter_notes.py`): E5 takes ~10 s to embed the notes, which every fresh
install and every test database would otherwise pay. A passage whose text has changed since
is embedded afresh, and a test checks the shipped vectors against the model's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alex.knowledge.base import IngestResult, Vectors
from alex.knowledge.chunking import chunk_markdown
from alex.knowledge.extract import extract
from alex.knowledge.service import KnowledgeBase, passage_text

STARTER_DIR = Path(__file__).parent / "starter"
VECTORS_DIR = STARTER_DIR / "vectors"


def vectors_file(model: str) -> Path:
    return VECTORS_DIR / f"{model}.npz"


def shipped_vectors(model: str) -> dict[str, Vectors]:
    """Text hash → vector, for the embedder named `model` (empty if none ship)."""
    path = vectors_file(model)
    if not path.exists():
        return {}
    with np.load(path) as data:
        return {digest: data[digest].astype(np.float32) for digest in data.files}


def starter_passages() -> list[str]:
    """The text embedded for each starter passage, in file and passage order."""
    texts: list[str] = []
    for path in sorted(STARTER_DIR.glob("*.md")):
        doc = extract(path.name, path.read_bytes())
        texts += [passage_text(doc.title, c.heading, c.text) for c in chunk_markdown(doc.markdown)]
    return texts


def seed_starter_notes(kb: KnowledgeBase) -> list[IngestResult]:
    """Idempotent: a note already there (same text) is left as it is."""
    known = shipped_vectors(kb.embedder.name)
    return [
        kb.ingest_file(path, origin="starter", known_vectors=known)
        for path in sorted(STARTER_DIR.glob("*.md"))
    ]
