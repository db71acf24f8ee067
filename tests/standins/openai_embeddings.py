"""An OpenAI-compatible `POST /v1/embeddings` server (the shape OpenAI, vLLM, llama.cpp server,
Ollama and text-embeddings-inference speak): `model`, `input` (one string or a list),
`dimensions`, answered with `{"object": "list", "data": [{"embedding", "index"}], "usage"}`,
and the provider's error shapes (429 with Retry-After, 5xx, 401, 400).

Also the wire-neutral half shared with the Bedrock stand-in (`bedrock_embeddings.py`): what
an embedding model is asked (`EmbeddingRequest`), what a script answers (vectors, a `Fault`
from `chat.py`, or any raw `Reply` for a malformed answer), and a deterministic model
(`hashed_words`) whose vectors make keyword-like sense, so search results can be asserted."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tests.standins.chat import Fault
from tests.standins.openai_chat import render_fault
from tests.standins.server import Recorded, Reply, StandIn

# The sizes the real models answer with when no `dimensions` is asked for.
DEFAULT_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "amazon.titan-embed-text-v2:0": 1024,
}
FALLBACK_DIM = 384


@dataclass(frozen=True)
class EmbeddingRequest:
    model: str
    inputs: tuple[str, ...]
    dimensions: int | None = None
    normalize: bool | None = None

    @property
    def dim(self) -> int:
        return self.dimensions or DEFAULT_DIMS.get(self.model, FALLBACK_DIM)


# Vectors in input order (any count or length: the client must check), a fault, or a raw reply.
EmbeddingAnswer = list[list[float]] | Fault | Reply
EmbeddingScript = Callable[[EmbeddingRequest], EmbeddingAnswer]


def hashed_words(text: str, dim: int) -> list[float]:
    """Bag of words hashed into `dim` buckets, deliberately not unit length (the client
    normalises): texts sharing words point the same way."""
    vector = [0.0] * dim
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "big") % dim] += 3.0
    vector[0] += 0.01  # never all zeros
    return vector


def hashed_model(request: EmbeddingRequest) -> EmbeddingAnswer:
    return [hashed_words(text, request.dim) for text in request.inputs]


class ScriptedEmbeddings:
    """A script from a queue of answers (faults first, say), then the hashed model."""

    def __init__(self, *answers: EmbeddingAnswer | EmbeddingScript) -> None:
        self._answers = list(answers)
        self._lock = threading.Lock()
        self.seen: list[EmbeddingRequest] = []

    def queue(self, *answers: EmbeddingAnswer | EmbeddingScript) -> None:
        """Answer the next requests with these, in order."""
        with self._lock:
            self._answers.extend(answers)

    def __call__(self, request: EmbeddingRequest) -> EmbeddingAnswer:
        with self._lock:
            self.seen.append(request)
            answer = self._answers.pop(0) if self._answers else hashed_model
        return answer(request) if callable(answer) else answer


class OpenAIEmbeddingsStandIn(StandIn):
    """`base_url` is what `ALEX_EMBEDDING_BASE_URL` points at (`…/v1`)."""

    def __init__(self, script: EmbeddingScript) -> None:
        self.script = script
        self.release = threading.Event()
        super().__init__(self._handle)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def embedding_requests(self) -> list[Recorded]:
        return [r for r in self.recorded() if r.path.endswith("/embeddings")]

    def _handle(self, recorded: Recorded) -> Reply:
        if recorded.method != "POST" or not recorded.path.endswith("/v1/embeddings"):
            return Reply.of_json({"error": {"message": "not found"}}, 404)
        body = recorded.json()
        raw = body["input"]
        inputs = (raw,) if isinstance(raw, str) else tuple(raw)
        if not inputs or any(not isinstance(text, str) or not text for text in inputs):
            return Reply.of_json(
                {
                    "error": {
                        "message": "'input' : input must be non-empty strings",
                        "type": "invalid_request_error",
                    }
                },
                400,
            )
        request = EmbeddingRequest(body["model"], inputs, body.get("dimensions"))
        answer = self.script(request)
        if isinstance(answer, Fault):
            return render_fault(answer, self.release)
        if isinstance(answer, Reply):
            return answer
        return Reply.of_json(
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": vector}
                    for i, vector in enumerate(answer)
                ],
                "model": body["model"],
                "usage": {
                    "prompt_tokens": sum(len(t) // 4 + 1 for t in inputs),
                    "total_tokens": sum(len(t) // 4 + 1 for t in inputs),
                },
            }
        )

    def close(self) -> None:
        self.release.set()
        super().close()
