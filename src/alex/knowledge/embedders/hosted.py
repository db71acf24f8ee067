"""A hosted embedding model through LiteLLM: any id LiteLLM can embed with
(`bedrock/amazon.titan-embed-text-v2:0`, `openai/text-embedding-3-small`, an OpenAI-compatible
server as `openai/<model>` with `ALEX_EMBEDDING_BASE_URL`, `sagemaker/<endpoint>`, …).

- Batches: Bedrock's Titan takes one text per InvokeModel request (LiteLLM loops over the
  inputs one after another), so those texts go out as separate calls, a few at a time, each
  retried on its own; OpenAI-style servers take up to 2048 inputs per request.
- Retries: rate limits, timeouts, lost connections and the provider's 5xx are retried with
  exponential backoff (or the provider's Retry-After) up to `ALEX_MODEL_MAX_RETRIES` times, and
  only here: the OpenAI client LiteLLM would use retries on its own, so a single-attempt one is
  passed in. A refusal the provider would repeat (a wrong key, a model not enabled, a request
  it rejects) is never sent again.
- The answer is checked like user input (one vector per text, one length, finite numbers) and
  L2-normalised. Every failure is an `EmbeddingError` with a plain reason; the provider's own
  text goes to the log only (it may quote a key or an account id).
- `name` is the model id, with `@<dimensions>` when a size is asked for, so vectors of two
  spaces are never compared; `dim` comes from `ALEX_EMBEDDING_DIMENSIONS`, else a table of
  known models, else the first answer (a one-word probe if asked before any embedding)."""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

from alex.core.config import Settings
from alex.knowledge.base import EmbeddingError, Vectors

log = logging.getLogger(__name__)

TITAN_V2 = "amazon.titan-embed-text-v2:0"
# Output sizes of known models (without a provider prefix), when no size is asked for.
KNOWN_DIMS: Mapping[str, int] = {
    TITAN_V2: 1024,
    "amazon.titan-embed-text-v1": 1536,
    "cohere.embed-english-v3": 1024,
    "cohere.embed-multilingual-v3": 1024,
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
# Sizes a model accepts in `dimensions`, where it accepts only some.
ALLOWED_DIMS: Mapping[str, tuple[int, ...]] = {TITAN_V2: (256, 512, 1024)}
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
MAX_RETRY_DELAY_SECONDS = 30.0
# OpenAI: at most 2048 inputs and 300k tokens per request; the character cap keeps a batch of
# long passages well under the token limit.
MAX_BATCH_TEXTS = 2048
MAX_BATCH_CHARS = 400_000
# Providers LiteLLM calls once per text: that many calls in flight at a time.
SINGLE_TEXT_CONCURRENCY = 4
PROBE_TEXT = "dimension"


@dataclass(frozen=True, slots=True)
class _Batching:
    max_texts: int
    max_chars: int
    concurrency: int = 1


def batching_for(model: str) -> _Batching:
    """How many texts one call may carry for `model`'s provider."""
    provider, _, bare = model.partition("/")
    if provider == "bedrock":
        if bare.startswith("cohere."):
            return _Batching(96, MAX_BATCH_CHARS)  # Bedrock's Cohere Embed takes 96 texts
        # Titan (and Nova): one text per InvokeModel request.
        return _Batching(1, MAX_BATCH_CHARS, SINGLE_TEXT_CONCURRENCY)
    if provider == "sagemaker":
        return _Batching(32, MAX_BATCH_CHARS)
    return _Batching(MAX_BATCH_TEXTS, MAX_BATCH_CHARS)


def _bare(model: str) -> str:
    return model.split("/", 1)[1] if "/" in model else model


def batches(texts: Sequence[str], batching: _Batching) -> Iterator[tuple[int, list[str]]]:
    """(offset, texts) runs of at most `max_texts` texts and `max_chars` characters (a single
    longer text travels alone)."""
    start, chars = 0, 0
    for index, text in enumerate(texts):
        if index > start and (
            index - start >= batching.max_texts or chars + len(text) > batching.max_chars
        ):
            yield start, list(texts[start:index])
            start, chars = index, 0
        chars += len(text)
    if start < len(texts):
        yield start, list(texts[start:])


@dataclass
class HostedEmbedder:
    """Call `embed_passages`/`embed_query` from any thread; one instance per process."""

    model: str
    dimensions: int = 0
    connection: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: float = 60.0
    max_retries: int = 4
    retry_initial_seconds: float = 1.0
    # Injected by tests; `time.sleep` otherwise.
    sleep: Callable[[float], None] = time.sleep
    _dim: int | None = field(default=None, init=False)
    _client: Any = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.model = self.model.strip()
        bare = _bare(self.model)
        allowed = ALLOWED_DIMS.get(bare)
        if self.dimensions and allowed and self.dimensions not in allowed:
            sizes = ", ".join(map(str, allowed))
            raise EmbeddingError(
                f"{self.model} makes vectors of {sizes} dimensions, not {self.dimensions} "
                "(ALEX_EMBEDDING_DIMENSIONS)"
            )
        self._dim = self.dimensions or KNOWN_DIMS.get(bare)

    @classmethod
    def from_settings(cls, settings: Settings) -> HostedEmbedder:
        model = settings.embedding_model.strip()
        _check_provider(model)
        return cls(
            model=model,
            dimensions=settings.embedding_dimensions,
            connection=provider_kwargs(model, settings),
            timeout_seconds=settings.agent_timeout_seconds,
            max_retries=settings.model_max_retries,
            retry_initial_seconds=settings.model_retry_initial_seconds,
        )

    # --- Embedder ---

    @property
    def name(self) -> str:
        return f"{self.model}@{self.dimensions}" if self.dimensions else self.model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed_passages([PROBE_TEXT])
        assert self._dim is not None
        return self._dim

    def embed_passages(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        if any(not text.strip() for text in texts):
            raise EmbeddingError("cannot embed an empty text")
        batching = batching_for(self.model)
        runs = list(batches(texts, batching))
        if batching.concurrency > 1 and len(runs) > 1:
            with ThreadPoolExecutor(batching.concurrency, "alex-embed") as pool:
                futures = [pool.submit(self._embed_batch, run) for _, run in runs]
                try:
                    parts = [future.result() for future in futures]
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
        else:
            parts = [self._embed_batch(run) for _, run in runs]
        if len({part.shape[1] for part in parts}) != 1:
            raise EmbeddingError("the embedding provider answered vectors of different lengths")
        return np.concatenate(parts, axis=0)

    def embed_query(self, text: str) -> Vectors:
        return self.embed_passages([text]).reshape(-1)

    # --- one call ---

    def _embed_batch(self, texts: list[str]) -> Vectors:
        response = self._call_with_retries(texts)
        return self._validate(response, len(texts))

    def _call_with_retries(self, texts: list[str]) -> Any:
        litellm = _import_litellm()
        kwargs = self._request_kwargs()
        for attempt in range(self.max_retries + 1):
            try:
                return litellm.embedding(model=self.model, input=texts, **kwargs)
            except Exception as exc:
                status = provider_status(exc)
                retryable = _is_transient(exc, status)
                log.warning(
                    "embedding call failed",
                    extra={
                        "model": self.model,
                        "status": status,
                        "attempt": attempt + 1,
                        "retrying": retryable and attempt < self.max_retries,
                        "error": _detail(exc),
                    },
                )
                if not retryable:
                    raise EmbeddingError(self._reason(exc, status)) from exc
                if attempt == self.max_retries:
                    raise EmbeddingError(
                        f"{self._reason(exc, status)} (after {attempt + 1} attempts)"
                    ) from exc
                self.sleep(self._delay(attempt, exc))
        raise AssertionError("unreachable")

    def _request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"timeout": self.timeout_seconds, **self.connection}
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        if _bare(self.model) == TITAN_V2:
            kwargs["normalize"] = True
        if self.model.startswith("openai/"):
            kwargs["client"] = self._openai_client()
            kwargs.pop("api_key", None)
            kwargs.pop("api_base", None)
        return kwargs

    def _openai_client(self) -> Any:
        """LiteLLM turns `max_retries=0` into its default (2) for the OpenAI client it builds,
        which would retry under this class's own retries; a client of our own keeps it 0."""
        with self._lock:
            if self._client is None:
                self._client = _single_attempt_openai(
                    api_key=self.connection.get("api_key"),
                    base_url=self.connection.get("api_base"),
                    timeout=self.timeout_seconds,
                )
            return self._client

    def _delay(self, attempt: int, exc: BaseException) -> float:
        suggested = _retry_after(exc)
        if suggested is not None:
            return min(MAX_RETRY_DELAY_SECONDS, suggested)
        backoff = min(MAX_RETRY_DELAY_SECONDS, self.retry_initial_seconds * 2.0**attempt)
        return backoff * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)

    def _reason(self, exc: BaseException, status: int | None) -> str:
        if status == 401:
            return (
                f"the embedding provider did not accept the credentials for {self.model} "
                "(check ALEX_EMBEDDING_API_KEY or the AWS access)"
            )
        if status == 403:
            return (
                f"the embedding provider refused access to {self.model} (enable the model "
                "for this account and region)"
            )
        if status == 404:
            return f"the embedding model {self.model} was not found at the provider"
        if status in (408,) or _is_timeout(exc):
            return f"the embedding provider did not answer within {self.timeout_seconds:g} s"
        if status == 429:
            return "the embedding provider was too busy (rate limited)"
        if status is not None and 400 <= status < 500:
            return (
                f"the embedding provider rejected the request for {self.model} "
                f"(HTTP {status}); check the embedding settings"
            )
        if status is not None:
            return f"the embedding provider failed (HTTP {status})"
        return f"the embedding provider could not be reached ({type(exc).__name__})"

    # --- the answer ---

    def _validate(self, response: Any, count: int) -> Vectors:
        items = list(_get(response, "data") or [])
        if len(items) != count:
            raise EmbeddingError(
                f"the embedding provider answered {len(items)} vectors for {count} texts"
            )
        indexes = [_get(item, "index") for item in items]
        if all(isinstance(i, int) for i in indexes):
            if sorted(indexes) != list(range(count)):
                raise EmbeddingError("the embedding provider's answer has wrong vector indexes")
            items = [item for _, item in sorted(zip(indexes, items, strict=True))]
        rows = [_get(item, "embedding") for item in items]
        if any(not isinstance(row, list | tuple) or not row for row in rows):
            raise EmbeddingError("the embedding provider's answer holds no vectors")
        lengths = {len(row) for row in rows}
        if len(lengths) != 1:
            raise EmbeddingError("the embedding provider answered vectors of different lengths")
        try:
            matrix = np.asarray(rows, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise EmbeddingError("the embedding provider's vectors are not numbers") from exc
        if not np.all(np.isfinite(matrix)):
            raise EmbeddingError("the embedding provider's vectors hold non-finite numbers")
        length = matrix.shape[1]
        expected = self._dim
        if expected is not None and length != expected:
            raise EmbeddingError(
                f"the embedding provider answered {length}-dimensional vectors where "
                f"{expected} were expected for {self.name}"
            )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise EmbeddingError("the embedding provider answered an all-zero vector")
        if expected is None:
            with self._lock:
                self._dim = self._dim or length
        result: Vectors = (matrix / norms).astype(np.float32)
        return result


# --- LiteLLM and the providers ---


def provider_kwargs(model: str, settings: Settings) -> dict[str, Any]:
    """How LiteLLM reaches `model`'s provider (the agents' rule, for the embedding settings):
    Bedrock and SageMaker sign with AWS credentials in their region (a key would be sent as a
    bearer token instead of the signature); any other provider gets the embedding base URL and
    key, falling back to the chat model's."""
    if model.startswith("bedrock/"):
        kwargs: dict[str, Any] = {"aws_region_name": settings.bedrock_region}
        if settings.bedrock_endpoint_url:
            kwargs["aws_bedrock_runtime_endpoint"] = settings.bedrock_endpoint_url
        return kwargs
    if model.startswith("sagemaker/"):
        return {"aws_region_name": settings.bedrock_region}
    kwargs = {}
    base_url = settings.embedding_base_url or settings.model_base_url
    if base_url:
        kwargs["api_base"] = base_url
    key = settings.embedding_api_key or settings.model_api_key
    if key is not None:
        kwargs["api_key"] = key.get_secret_value()
    return kwargs


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download at import
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _check_provider(model: str) -> None:
    litellm = _import_litellm()
    try:
        litellm.get_llm_provider(model)
    except litellm.exceptions.BadRequestError:
        raise EmbeddingError(
            f"{model!r} names no provider LiteLLM knows; write it as <provider>/<model>, e.g. "
            "bedrock/amazon.titan-embed-text-v2:0 or openai/text-embedding-3-small"
        ) from None


def _single_attempt_openai(*, api_key: str | None, base_url: str | None, timeout: float) -> Any:
    import openai

    class SingleAttemptOpenAI(openai.OpenAI):
        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, 0 if name == "max_retries" else value)

    key = api_key or os.environ.get("OPENAI_API_KEY") or ("unused" if base_url else None)
    if key is None:
        raise EmbeddingError("no API key for the OpenAI embedding model (ALEX_EMBEDDING_API_KEY)")
    return SingleAttemptOpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=0)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def provider_status(exc: BaseException) -> int | None:
    """The HTTP status the provider answered with: the innermost in the cause chain (LiteLLM
    reports a Bedrock 403 as a connection error of status 500, caused by the real one)."""
    found: int | None = None
    for error in _chain(exc):
        status: Any = None
        if isinstance(error, httpx.HTTPStatusError):
            status = error.response.status_code
        else:
            status = getattr(error, "status_code", None)
        if isinstance(status, int) and 100 <= status < 600:
            found = status
    return found


def _is_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(error, TimeoutError | httpx.TimeoutException)
        or type(error).__name__ in {"Timeout", "APITimeoutError"}
        for error in _chain(exc)
    )


def _is_transient(exc: BaseException, status: int | None) -> bool:
    if status is not None:
        return status in RETRYABLE_STATUSES or status >= 500
    return _is_timeout(exc) or any(
        isinstance(error, ConnectionError | httpx.TransportError) for error in _chain(exc)
    )


def _retry_after(exc: BaseException) -> float | None:
    for error in _chain(exc):
        headers = getattr(error, "headers", None) or getattr(
            getattr(error, "response", None), "headers", None
        )
        value = headers.get("retry-after") if isinstance(headers, Mapping) else None
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                continue
            if math.isfinite(seconds) and seconds >= 0:
                return seconds
    return None


def _detail(exc: BaseException) -> str:
    parts = []
    for error in _chain(exc)[:3]:
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        parts.append(f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__)
    return " <- ".join(parts)


def _get(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(key)
    try:
        return value[key]
    except (KeyError, TypeError, IndexError):
        return getattr(value, key, None)
