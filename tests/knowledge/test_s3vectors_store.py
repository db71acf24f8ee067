"""S3VectorsStore's requests and its reading of the answers, against botocore's Stubber.

The Stubber validates every request against the s3vectors service model, so a misspelt
parameter or a wrongly shaped value fails here, not in AWS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.stub import Stubber

from alex.core.config import Settings
from alex.knowledge.base import VectorFilter, VectorHit, VectorItem
from alex.knowledge.stores.s3vectors import MAX_PUT, S3VectorsStore

BUCKET = "alex-vectors"
INDEX = "alex-knowledge"
MODEL = "wordllama-l2-supercat-256"
WHERE = {"vectorBucketName": BUCKET, "indexName": INDEX}


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "s3vectors", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def store(client: Any) -> S3VectorsStore:
    return S3VectorsStore(client, BUCKET, INDEX)


def vector(*values: float) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.array(values, dtype=np.float32)


def test_upsert_sends_keys_data_and_metadata(store: S3VectorsStore, stubber: Stubber) -> None:
    stubber.add_response(
        "put_vectors",
        {},
        {
            **WHERE,
            "vectors": [
                {
                    "key": "11",
                    "data": {"float32": [0.5, -0.25, 1.0]},
                    "metadata": {
                        "document_id": "doc-1",
                        "model": MODEL,
                        "symbols": ["AAPL", "MSFT"],
                        "published": "2025-03-04",
                    },
                },
                {
                    "key": "12",
                    "data": {"float32": [0.0, 1.0, 0.0]},
                    "metadata": {"document_id": "doc-1", "model": MODEL},
                },
            ],
        },
    )
    store.upsert(
        [
            VectorItem(11, "doc-1", vector(0.5, -0.25, 1.0), ("AAPL", "MSFT"), date(2025, 3, 4)),
            VectorItem(12, "doc-1", vector(0.0, 1.0, 0.0)),
        ],
        model=MODEL,
    )


def test_upsert_batches_at_the_per_call_limit(store: S3VectorsStore, stubber: Stubber) -> None:
    n = 2 * MAX_PUT + 1
    items = [VectorItem(i, "d", vector(float(i), 1.0)) for i in range(n)]

    def put(keys: range) -> dict[str, Any]:
        return {
            **WHERE,
            "vectors": [
                {
                    "key": str(i),
                    "data": {"float32": [float(i), 1.0]},
                    "metadata": {"document_id": "d", "model": MODEL},
                }
                for i in keys
            ],
        }

    for keys in (range(0, 500), range(500, 1000), range(1000, n)):
        stubber.add_response("put_vectors", {}, put(keys))
    store.upsert(items, model=MODEL)


def test_upsert_of_nothing_calls_nothing(store: S3VectorsStore, stubber: Stubber) -> None:
    store.upsert([], model=MODEL)
    store.delete([])


def test_query_without_filter(store: S3VectorsStore, stubber: Stubber) -> None:
    stubber.add_response(
        "query_vectors",
        {
            "vectors": [
                {"key": "7", "distance": 0.0},
                {"key": "3", "distance": 0.25},
                {"key": "9", "distance": 1.5},
            ],
            "distanceMetric": "cosine",
        },
        {
            **WHERE,
            "topK": 3,
            "queryVector": {"float32": [1.0, 0.0]},
            "filter": {"model": {"$eq": MODEL}},
            "returnDistance": True,
        },
    )
    hits = store.query(vector(1.0, 0.0), 3, model=MODEL)
    assert hits == [
        VectorHit(chunk_id=7, score=1.0),
        VectorHit(chunk_id=3, score=0.75),
        VectorHit(chunk_id=9, score=-0.5),
    ]


def test_query_with_symbol_filter(store: S3VectorsStore, stubber: Stubber) -> None:
    stubber.add_response(
        "query_vectors",
        {"vectors": [{"key": "42", "distance": 0.125}], "distanceMetric": "cosine"},
        {
            **WHERE,
            "topK": 5,
            "queryVector": {"float32": [0.0, 1.0]},
            "filter": {
                "$and": [
                    {"model": {"$eq": MODEL}},
                    {"symbols": {"$in": ["AAPL", "MSFT"]}},
                ]
            },
            "returnDistance": True,
        },
    )
    hits = store.query(
        vector(0.0, 1.0), 5, model=MODEL, where=VectorFilter(frozenset({"MSFT", "AAPL"}))
    )
    assert hits == [VectorHit(chunk_id=42, score=0.875)]


def test_query_caps_k_at_the_api_limit_and_an_empty_filter_is_none(
    store: S3VectorsStore, stubber: Stubber
) -> None:
    stubber.add_response(
        "query_vectors",
        {"vectors": [], "distanceMetric": "cosine"},
        {
            **WHERE,
            "topK": 100,
            "queryVector": {"float32": [1.0]},
            "filter": {"model": {"$eq": MODEL}},
            "returnDistance": True,
        },
    )
    assert store.query(vector(1.0), 500, model=MODEL, where=VectorFilter()) == []
    assert store.query(vector(1.0), 0, model=MODEL) == []


def test_query_refuses_an_index_that_is_not_cosine(store: S3VectorsStore, stubber: Stubber) -> None:
    stubber.add_response(
        "query_vectors",
        {"vectors": [{"key": "1", "distance": 0.3}], "distanceMetric": "euclidean"},
    )
    with pytest.raises(RuntimeError, match="distanceMetric cosine"):
        store.query(vector(1.0), 1, model=MODEL)


def test_client_errors_propagate(store: S3VectorsStore, stubber: Stubber) -> None:
    stubber.add_client_error(
        "query_vectors", service_error_code="NotFoundException", http_status_code=404
    )
    with pytest.raises(store._client.exceptions.NotFoundException):
        store.query(vector(1.0), 1, model=MODEL)


def test_delete_batches_keys(store: S3VectorsStore, stubber: Stubber) -> None:
    ids = list(range(1, 702))
    stubber.add_response("delete_vectors", {}, {**WHERE, "keys": [str(i) for i in ids[:500]]})
    stubber.add_response("delete_vectors", {}, {**WHERE, "keys": [str(i) for i in ids[500:]]})
    store.delete(ids)


def test_count_pages_through_the_index(store: S3VectorsStore, stubber: Stubber) -> None:
    request = {**WHERE, "returnMetadata": True, "maxResults": 1000}
    stubber.add_response(
        "list_vectors",
        {
            "vectors": [
                {"key": "1", "metadata": {"model": MODEL, "document_id": "a"}},
                {"key": "2", "metadata": {"model": "other", "document_id": "a"}},
                {"key": "3"},
            ],
            "nextToken": "page-2",
        },
        request,
    )
    stubber.add_response(
        "list_vectors",
        {"vectors": [{"key": "4", "metadata": {"model": MODEL, "document_id": "b"}}]},
        {**request, "nextToken": "page-2"},
    )
    assert store.count(model=MODEL) == 2


def test_from_settings_builds_a_client_for_the_configured_index() -> None:
    settings = Settings(
        s3_vectors_bucket=BUCKET,
        s3_vectors_index="other-index",
        aws_region="eu-west-2",
        aws_endpoint_url="http://localhost:4566",
    )
    store = S3VectorsStore.from_settings(settings)
    client = store._client
    assert client.meta.service_model.service_name == "s3vectors"
    assert client.meta.region_name == "eu-west-2"
    assert client.meta.endpoint_url == "http://localhost:4566"
    assert (store._bucket, store._index) == (BUCKET, "other-index")


def test_from_settings_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="ALEX_S3_VECTORS_BUCKET"):
        S3VectorsStore.from_settings(Settings(s3_vectors_bucket=""))
