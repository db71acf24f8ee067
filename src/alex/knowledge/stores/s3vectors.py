"""Passage vectors in an Amazon S3 Vectors index.

The index is created outside the app (infrastructure), with `dataType` float32, the
embedder's dimension and `distanceMetric` **cosine**: the store turns the returned distance
into a similarity as `1 - distance`, and refuses answers from an index with another metric
rather than return scores on a different scale.

Each vector's key is its chunk id; its metadata carries `document_id`, `model`, `symbols` and
`published` (ISO date), all filterable. One index has one dimension, so several embedders can
share it only if their dimensions agree; `model` keeps their spaces apart in queries. Limits
(S3 User Guide, "Limitations and restrictions"): 500 vectors per PutVectors or DeleteVectors
call, top-K up to 100, filterable metadata up to 2 KB per vector."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
import numpy as np

from alex.knowledge.base import VectorFilter, VectorHit, VectorItem, Vectors

if TYPE_CHECKING:
    from mypy_boto3_s3vectors import S3VectorsClient
    from mypy_boto3_s3vectors.type_defs import PutInputVectorTypeDef

    from alex.core.config import Settings

# Per-call limits (the service model caps both lists at 500).
MAX_PUT = 500
MAX_DELETE = 500
# The documented top-K limit (S3 User Guide); the service model states none.
MAX_TOP_K = 100
# The largest ListVectors page.
LIST_PAGE_SIZE = 1000

_T = TypeVar("_T")


class S3VectorsStore:
    name = "s3vectors"

    def __init__(self, client: S3VectorsClient, bucket: str, index: str) -> None:
        self._client = client
        self._bucket = bucket
        self._index = index

    @classmethod
    def from_settings(cls, settings: Settings) -> S3VectorsStore:
        if not settings.s3_vectors_bucket:
            raise ValueError("ALEX_S3_VECTORS_BUCKET is not set; the s3vectors store needs it")
        client = boto3.client(
            "s3vectors",
            region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url or None,
        )
        return cls(client, settings.s3_vectors_bucket, settings.s3_vectors_index)

    def upsert(self, items: list[VectorItem], *, model: str) -> None:
        # PutVectors overwrites a vector with the same key, so put is already an upsert. Each
        # batch is its own call: a failure part-way leaves earlier batches written, which the
        # caller's cleanup (delete by chunk id) removes along with the rest.
        for batch in _batches(items, MAX_PUT):
            self._client.put_vectors(
                vectorBucketName=self._bucket,
                indexName=self._index,
                vectors=[_put_vector(item, model) for item in batch],
            )

    def delete(self, chunk_ids: list[int]) -> None:
        for batch in _batches(chunk_ids, MAX_DELETE):
            self._client.delete_vectors(
                vectorBucketName=self._bucket,
                indexName=self._index,
                keys=[str(chunk_id) for chunk_id in batch],
            )

    def query(
        self, vector: Vectors, k: int, *, model: str, where: VectorFilter | None = None
    ) -> list[VectorHit]:
        """At most 100 hits (the API's top-K limit), whatever `k`."""
        if k < 1:
            return []
        conditions: list[dict[str, Any]] = [{"model": {"$eq": model}}]
        if where is not None and where.symbols:
            # `symbols` is a list in the metadata; `$in` matches when any element is listed.
            conditions.append({"symbols": {"$in": sorted(where.symbols)}})
        filter_ = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        response = self._client.query_vectors(
            vectorBucketName=self._bucket,
            indexName=self._index,
            topK=min(k, MAX_TOP_K),
            queryVector={"float32": _floats(vector)},
            filter=filter_,
            returnDistance=True,
        )
        if response["distanceMetric"] != "cosine":
            raise RuntimeError(
                f"S3 Vectors index {self._bucket}/{self._index} uses the "
                f"{response['distanceMetric']} distance; the store needs an index created "
                "with distanceMetric cosine"
            )
        return [
            VectorHit(chunk_id=int(hit["key"]), score=1.0 - hit["distance"])
            for hit in response["vectors"]
        ]

    def count(self, *, model: str) -> int:
        """Pages through every vector in the index: O(n) calls and reads, for diagnostics
        (`alex doctor`, tests), never on a request path."""
        paginator = self._client.get_paginator("list_vectors")
        pages = paginator.paginate(
            vectorBucketName=self._bucket,
            indexName=self._index,
            returnMetadata=True,
            PaginationConfig={"PageSize": LIST_PAGE_SIZE},
        )
        return sum(
            1
            for page in pages
            for vector in page["vectors"]
            if vector.get("metadata", {}).get("model") == model
        )


def _put_vector(item: VectorItem, model: str) -> PutInputVectorTypeDef:
    metadata: dict[str, Any] = {"document_id": item.document_id, "model": model}
    # Absent rather than empty or null: a filter on a missing key simply doesn't match, and
    # the service's acceptance of empty lists and nulls isn't documented.
    if item.symbols:
        metadata["symbols"] = list(item.symbols)
    if item.published is not None:
        metadata["published"] = item.published.isoformat()
    return {
        "key": str(item.chunk_id),
        "data": {"float32": _floats(item.vector)},
        "metadata": metadata,
    }


def _floats(vector: Vectors) -> list[float]:
    # Plain Python floats: botocore's validator and JSON encoder don't take NumPy scalars.
    values: list[float] = np.asarray(vector, dtype=np.float32).tolist()
    return values


def _batches(values: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
