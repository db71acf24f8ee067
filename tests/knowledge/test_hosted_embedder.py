"""HostedEmbedder through LiteLLM's HTTP path, against local servers that speak the providers'
wire formats (OpenAI `/v1/embeddings`, Bedrock InvokeModel for Titan Text Embeddings V2):
what is sent, how answers are checked, what is retried, and what a failure leaves behind."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alex.core.config import Settings
from alex.db.models import KnowledgeChunk, KnowledgeDocument
from alex.db.session import make_engine
from alex.knowledge.base import EmbeddingError
from alex.knowledge.embedders.hosted import HostedEmbedder, batches, batching_for
from alex.knowledge.factory import _build_embedder
from alex.knowledge.service import KnowledgeBase
from alex.knowledge.stores.flat import FlatStore
from tests.standins.bedrock import _error
from tests.standins.bedrock_embeddings import TITAN_V2, BedrockEmbeddingsStandIn
from tests.standins.chat import Fault
from tests.standins.openai_embeddings import (
    EmbeddingRequest,
    OpenAIEmbeddingsStandIn,
    ScriptedEmbeddings,
    hashed_words,
)
from tests.standins.server import Reply

OPENAI_MODEL = "openai/text-embedding-3-small"
BEDROCK_MODEL = f"bedrock/{TITAN_V2}"
FAST: dict[str, Any] = {"model_retry_initial_seconds": 0.0, "agent_timeout_seconds": 10.0}


@pytest.fixture
def script() -> ScriptedEmbeddings:
    return ScriptedEmbeddings()


@pytest.fixture
def openai_server(script: ScriptedEmbeddings) -> Iterator[OpenAIEmbeddingsStandIn]:
    server = OpenAIEmbeddingsStandIn(script)
    yield server
    server.close()
    assert not server.errors, server.errors[0]


@pytest.fixture
def bedrock_server(
    script: ScriptedEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BedrockEmbeddingsStandIn]:
    # Credentials only sign the requests: the stand-in checks a SigV4 header is there.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTANDIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stand-in-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    server = BedrockEmbeddingsStandIn(script)
    yield server
    server.close()
    assert not server.errors, server.errors[0]


def openai_embedder(server: OpenAIEmbeddingsStandIn, **overrides: Any) -> HostedEmbedder:
    settings = Settings(
        **{
            "embedding_model": OPENAI_MODEL,
            "embedding_base_url": server.base_url,
            "embedding_api_key": "sk-embed-test",
            "model_base_url": "http://127.0.0.1:9/unused",
            **FAST,
            **overrides,
        }
    )
    embedder = _build_embedder(settings)
    assert isinstance(embedder, HostedEmbedder)
    return embedder


def bedrock_embedder(server: BedrockEmbeddingsStandIn, **overrides: Any) -> HostedEmbedder:
    settings = Settings(
        **{
            "embedding_model": BEDROCK_MODEL,
            "bedrock_endpoint_url": server.endpoint,
            "bedrock_region": "eu-west-1",
            **FAST,
            **overrides,
        }
    )
    return HostedEmbedder.from_settings(settings)


def unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    return array / np.linalg.norm(array)


# --- success ---


def test_openai_embeds_with_dimensions_and_normalises(
    openai_server: OpenAIEmbeddingsStandIn,
) -> None:
    embedder = openai_embedder(openai_server, embedding_dimensions=64)

    vectors = embedder.embed_passages(["Bond duration and rates", "Roth conversions"])

    assert embedder.name == f"{OPENAI_MODEL}@64"
    assert embedder.dim == 64
    assert vectors.shape == (2, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(vectors[0], unit(hashed_words("Bond duration and rates", 64)))
    (request,) = openai_server.embedding_requests()
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-embed-test"
    body = request.json()
    assert body["model"] == "text-embedding-3-small"
    assert body["input"] == ["Bond duration and rates", "Roth conversions"]
    assert body["dimensions"] == 64


def test_openai_vectors_are_put_back_in_index_order(
    openai_server: OpenAIEmbeddingsStandIn, script: ScriptedEmbeddings
) -> None:
    def shuffled(request: EmbeddingRequest) -> Reply:
        data = [
            {"object": "embedding", "index": i, "embedding": hashed_words(t, request.dim)}
            for i, t in enumerate(request.inputs)
        ]
        return Reply.of_json({"object": "list", "data": data[::-1], "model": request.model})

    script.queue(shuffled)
    embedder = openai_embedder(openai_server, embedding_dimensions=32)

    vectors = embedder.embed_passages(["alpha", "beta", "gamma"])

    np.testing.assert_allclose(vectors[2], unit(hashed_words("gamma", 32)), rtol=1e-6)


def test_dim_of_a_known_model_without_a_call(openai_server: OpenAIEmbeddingsStandIn) -> None:
    embedder = openai_embedder(openai_server)

    assert (embedder.name, embedder.dim) == (OPENAI_MODEL, 1536)
    assert openai_server.embedding_requests() == []


def test_dim_of_an_unknown_model_is_learned_from_a_probe(
    openai_server: OpenAIEmbeddingsStandIn,
) -> None:
    embedder = openai_embedder(openai_server, embedding_model="openai/bge-small-en")

    assert embedder.dim == 384  # the stand-in's size for models it doesn't know
    assert len(openai_server.embedding_requests()) == 1
    assert embedder.embed_query("tax location").shape == (384,)


def test_openai_batches_at_most_2048_texts(openai_server: OpenAIEmbeddingsStandIn) -> None:
    embedder = openai_embedder(openai_server, embedding_dimensions=8)
    texts = [f"passage {i}" for i in range(2050)]

    vectors = embedder.embed_passages(texts)

    assert vectors.shape == (2050, 8)
    sizes = [len(r.json()["input"]) for r in openai_server.embedding_requests()]
    assert sizes == [2048, 2]
    np.testing.assert_allclose(vectors[2049], unit(hashed_words("passage 2049", 8)), rtol=1e-6)


def test_batches_split_on_characters_too() -> None:
    batching = batching_for(OPENAI_MODEL)
    texts = ["x" * 300_000, "y" * 300_000, "z"]

    assert [len(run) for _, run in batches(texts, batching)] == [1, 2]
    assert batching_for(BEDROCK_MODEL).max_texts == 1


def test_bedrock_titan_one_signed_request_per_text(
    bedrock_server: BedrockEmbeddingsStandIn,
) -> None:
    embedder = bedrock_embedder(bedrock_server, embedding_dimensions=256)
    texts = [f"note {i} on rebalancing" for i in range(6)]

    vectors = embedder.embed_passages(texts)

    assert embedder.name == f"{BEDROCK_MODEL}@256"
    assert vectors.shape == (6, 256)
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(vector, unit(hashed_words(text, 256)), rtol=1e-6)
    requests = bedrock_server.invoke_requests()
    assert len(requests) == 6
    assert {r.path for r in requests} == {"/model/amazon.titan-embed-text-v2%3A0/invoke"}
    assert sorted(r.json()["inputText"] for r in requests) == sorted(texts)
    assert all(r.json()["dimensions"] == 256 and r.json()["normalize"] is True for r in requests)
    authorization = requests[0].headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDSTANDIN/")
    assert "/eu-west-1/bedrock/aws4_request" in authorization
    assert "stand-in-secret" not in str(requests[0].headers)


def test_bedrock_default_size_is_1024(bedrock_server: BedrockEmbeddingsStandIn) -> None:
    embedder = bedrock_embedder(bedrock_server)

    assert (embedder.name, embedder.dim) == (BEDROCK_MODEL, 1024)
    assert embedder.embed_query("home bias").shape == (1024,)
    assert "dimensions" not in bedrock_server.invoke_requests()[0].json()


def test_titan_sizes_are_checked_before_any_call() -> None:
    with pytest.raises(EmbeddingError, match="256, 512, 1024"):
        HostedEmbedder.from_settings(
            Settings(embedding_model=BEDROCK_MODEL, embedding_dimensions=300)
        )


def test_unknown_provider_is_refused_up_front() -> None:
    with pytest.raises(EmbeddingError, match="names no provider"):
        HostedEmbedder.from_settings(Settings(embedding_model="nonesuch/embedder"))


# --- retries ---


def test_openai_retries_503_then_succeeds(
    openai_server: OpenAIEmbeddingsStandIn, script: ScriptedEmbeddings
) -> None:
    busy = Reply.of_json({"error": {"message": "overloaded", "type": "server_error"}}, 503)
    script.queue(busy, Fault("throttle", retry_after=0))
    embedder = openai_embedder(openai_server, embedding_dimensions=16)

    vectors = embedder.embed_passages(["glide paths"])

    assert vectors.shape == (1, 16)
    # One request per attempt: LiteLLM's client does not retry under ours.
    assert len(openai_server.embedding_requests()) == 3


def test_bedrock_retries_503_then_succeeds(
    bedrock_server: BedrockEmbeddingsStandIn, script: ScriptedEmbeddings
) -> None:
    script.queue(_error(503, "ServiceUnavailableException", "busy"))
    embedder = bedrock_embedder(bedrock_server, embedding_dimensions=512)

    assert embedder.embed_query("sequence risk").shape == (512,)
    assert len(bedrock_server.invoke_requests()) == 2


def test_retries_stop_at_the_limit(
    openai_server: OpenAIEmbeddingsStandIn, script: ScriptedEmbeddings
) -> None:
    script.queue(*[Fault("server_error")] * 5)
    embedder = openai_embedder(openai_server, embedding_dimensions=16, model_max_retries=2)

    with pytest.raises(EmbeddingError, match=r"HTTP 500\) \(after 3 attempts\)"):
        embedder.embed_passages(["anything"])
    assert len(openai_server.embedding_requests()) == 3


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("auth", "Incorrect API key provided: sk-embed-test"), "did not accept"),
        (Fault("validation", "dimensions is not supported"), "rejected the request"),
    ],
)
def test_openai_4xx_is_not_retried(
    openai_server: OpenAIEmbeddingsStandIn,
    script: ScriptedEmbeddings,
    fault: Fault,
    reason: str,
) -> None:
    script.queue(fault)
    embedder = openai_embedder(openai_server, embedding_dimensions=16)

    with pytest.raises(EmbeddingError, match=reason) as caught:
        embedder.embed_passages(["anything"])

    assert len(openai_server.embedding_requests()) == 1
    assert "sk-embed-test" not in str(caught.value)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("auth", "account 123456789012"), "refused access"),
        (Fault("validation", "Malformed input request"), "rejected the request"),
    ],
)
def test_bedrock_4xx_is_not_retried(
    bedrock_server: BedrockEmbeddingsStandIn,
    script: ScriptedEmbeddings,
    fault: Fault,
    reason: str,
) -> None:
    script.queue(fault)
    embedder = bedrock_embedder(bedrock_server)

    with pytest.raises(EmbeddingError, match=reason) as caught:
        embedder.embed_query("anything")

    assert len(bedrock_server.invoke_requests()) == 1
    assert "123456789012" not in str(caught.value)


def test_unreachable_server_is_retried_then_reported() -> None:
    embedder = HostedEmbedder.from_settings(
        Settings(
            embedding_model=OPENAI_MODEL,
            embedding_base_url="http://127.0.0.1:9/v1",  # discard port: connection refused
            embedding_api_key="sk-x",
            model_max_retries=1,
            **FAST,
        )
    )
    delays: list[float] = []
    embedder.sleep = delays.append

    with pytest.raises(EmbeddingError, match="after 2 attempts"):
        embedder.embed_query("anything")
    assert delays == [0.0]


# --- answers checked like user input ---


def _reply(data: list[dict[str, Any]]) -> Reply:
    return Reply.of_json({"object": "list", "data": data, "model": "m"})


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda r: [[1.0] * r.dim], "1 vectors for 2 texts"),
        (lambda r: [[float("nan")] * r.dim, [1.0] * r.dim], "non-finite"),
        (lambda r: [[1.0] * r.dim, [1.0] * (r.dim - 1)], "different lengths"),
        (lambda r: [[1.0] * 8, [1.0] * 8], "8-dimensional vectors where 16"),
        (lambda r: [[0.0] * r.dim, [1.0] * r.dim], "all-zero"),
        (
            lambda r: _reply([{"index": 0, "embedding": [1.0] * 16}] * 2),
            "wrong vector indexes",
        ),
        (
            lambda r: _reply(
                [{"index": 0, "embedding": ["a"] * 16}, {"index": 1, "embedding": [1.0] * 16}]
            ),
            "not numbers",
        ),
    ],
)
# LiteLLM's response model warns when it re-serialises the non-numbers.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_malformed_answers_are_refused(
    openai_server: OpenAIEmbeddingsStandIn, script: ScriptedEmbeddings, answer: Any, reason: str
) -> None:
    script.queue(answer)
    embedder = openai_embedder(openai_server, embedding_dimensions=16)

    with pytest.raises(EmbeddingError, match=reason):
        embedder.embed_passages(["one", "two"])
    assert len(openai_server.embedding_requests()) == 1


def test_bedrock_ragged_answers_across_texts_are_refused(
    bedrock_server: BedrockEmbeddingsStandIn, script: ScriptedEmbeddings
) -> None:
    """Titan answers each text alone: the lengths are compared across the requests too."""
    script.queue(lambda r: [[1.0] * 12], lambda r: [[1.0] * 13])
    embedder = bedrock_embedder(bedrock_server)
    embedder._dim = None  # as for a model of unknown size

    with pytest.raises(EmbeddingError, match=r"different lengths|1[23]-dimensional"):
        embedder.embed_passages(["one", "two"])


def test_empty_text_is_refused_without_a_call(openai_server: OpenAIEmbeddingsStandIn) -> None:
    with pytest.raises(EmbeddingError, match="empty"):
        openai_embedder(openai_server).embed_passages(["fine", "  "])
    assert openai_server.embedding_requests() == []


# --- with the knowledge base ---


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "alex.db"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


NOTES = {
    "Bond duration": "# Bond duration\n\nDuration measures how far a bond price falls when "
    "interest rates rise. Long duration bonds swing more.",
    "Roth conversions": "# Roth conversions\n\nConverting a traditional IRA to a Roth IRA "
    "pays income tax now so withdrawals in retirement are tax free.",
    "Emergency funds": "# Emergency funds\n\nKeep three to six months of expenses in cash or "
    "treasury bills before investing in stocks.",
}


def test_knowledge_base_ingests_and_searches_with_a_hosted_embedder(
    openai_server: OpenAIEmbeddingsStandIn, sqlite_engine: Engine
) -> None:
    embedder = openai_embedder(openai_server, embedding_dimensions=256)
    base = KnowledgeBase(sqlite_engine, embedder, FlatStore(sqlite_engine))
    for title, text in NOTES.items():
        base.ingest_text(title, text, source=f"{title}.md", origin="operator")

    results = base.search("how do interest rates move bond prices", k=2, mode="vector")

    assert results[0].title == "Bond duration"
    assert base.stats() == {"documents": 3, "passages": 3, "vectors": 3}
    with Session(sqlite_engine) as session:
        models = set(session.scalars(select(KnowledgeChunk.embedding_model)))
    assert models == {f"{OPENAI_MODEL}@256"}
    hybrid = base.search("Roth IRA conversion tax", k=1)
    assert hybrid[0].title == "Roth conversions"
    assert set(hybrid[0].ranks) == {"keyword", "vector"}


def test_a_failed_embedding_writes_no_rows(
    openai_server: OpenAIEmbeddingsStandIn, script: ScriptedEmbeddings, sqlite_engine: Engine
) -> None:
    script.queue(Fault("auth"))
    embedder = openai_embedder(openai_server, embedding_dimensions=64)
    base = KnowledgeBase(sqlite_engine, embedder, FlatStore(sqlite_engine))

    with pytest.raises(EmbeddingError):
        base.ingest_text("Bond duration", NOTES["Bond duration"], source="b.md", origin="operator")

    with Session(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(KnowledgeDocument)) == 0
        assert session.scalar(select(func.count()).select_from(KnowledgeChunk)) == 0
    # The next attempt goes through and is stored once.
    result = base.ingest_text(
        "Bond duration", NOTES["Bond duration"], source="b.md", origin="operator"
    )
    assert result.created and base.stats()["vectors"] == result.chunks
