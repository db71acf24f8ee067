"""Compute the starter notes' passage vectors for each bundled embedder and write them to
`src/alex/knowledge/starter/vectors/<model>.npz` (text hash → float32 vector). Run after
editing a note; `tests/knowledge/test_seed.py` fails while they are out of date.

    uv run python scripts/embed_starter_notes.py
"""

from __future__ import annotations

import numpy as np

from alex.core.config import Settings
from alex.knowledge.factory import BUNDLED_EMBEDDERS, make_embedder
from alex.knowledge.seed import VECTORS_DIR, starter_passages, vectors_file
from alex.knowledge.service import text_hash


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
