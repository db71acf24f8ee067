"""Compute the starter notes' passage vectors for each bundled embedder and write them to
`src/alex/knowledge/starter/vectors/<model>.npz` (text hash → float32 vector). Run after
editing a note; `tests/knowledge/test_seed.py` fails while they are out of date.

    uv run python scripts/embed_starter_notes.py
"""

from __future__ import annotations

import numpy as np

from alex.core.config import Settings
from alex.knowledge.chunking import chunk_markdown
from alex.knowledge.extract import extract
from alex.knowledge.factory import BUNDLED_EMBEDDERS, make_embedder
from alex.knowledge.seed import STARTER_DIR, VECTORS_DIR, vectors_file
from alex.knowledge.service import passage_text, text_hash


def starter_passages() -> list[str]:
    texts: list[str] = []
    for path in sorted(STARTER_DIR.glob("*.md")):
        doc = extract(path.name, path.read_bytes())
        texts += [passage_text(doc.title, c.heading, c.text) for c in chunk_markdown(doc.markdown)]
    return texts


def main() -> None:
    VECTORS_DIR.mkdir(exist_ok=True)
    texts = starter_passages()
    for name in BUNDLED_EMBEDDERS:
        embedder = make_embedder(Settings(embedding_model=name))
        vectors = embedder.embed_passages(texts)
        np.savez_compressed(
            vectors_file(embedder.name),
            **{text_hash(t): v for t, v in zip(texts, vectors, strict=True)},
        )
        print(f"{embedder.name}: {len(texts)} passages")


if __name__ == "__main__":
    main()
