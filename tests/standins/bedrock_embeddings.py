"""A Bedrock Runtime InvokeModel stand-in for Titan Text Embeddings V2:
`POST /model/amazon.titan-embed-text-v2:0/invoke` with `{"inputText", "dimensions",
"normalize", "embeddingTypes"}` (one text per request, as the Bedrock user guide's "Amazon Titan
Embeddings" page documents), answered with `{"embedding", "inputTextTokenCount",
"embeddingsByType": {"float"}}`; errors as status + `x-amzn-ErrorType` + `{"message"}`.

Like the real service it refuses a `dimensions` other than 256, 512 or 1024, and a request
without a SigV4 `Authorization` header (present, not verified: no secret here)."""

from __future__ import annotations

import threading
from urllib.parse import unquote

from tests.standins.bedrock import _error, render_fault
from tests.standins.chat import Fault
from tests.standins.openai_embeddings import EmbeddingRequest, EmbeddingScript
from tests.standins.server import Recorded, Reply, StandIn

TITAN_V2 = "amazon.titan-embed-text-v2:0"
TITAN_V2_DIMS = (256, 512, 1024)


class BedrockEmbeddingsStandIn(StandIn):
    """`endpoint` is what `ALEX_BEDROCK_ENDPOINT_URL` points at."""

    def __init__(self, script: EmbeddingScript) -> None:
        self.script = script
        self.release = threading.Event()
        super().__init__(self._handle)

    @property
    def endpoint(self) -> str:
        return self.url

    def invoke_requests(self) -> list[Recorded]:
        return [r for r in self.recorded() if r.path.endswith("/invoke")]

    def _handle(self, recorded: Recorded) -> Reply:
        parts = recorded.path.split("/")
        if (
            recorded.method != "POST"
            or len(parts) != 4
            or parts[1] != "model"
            or parts[3] != "invoke"
        ):
            return _error(404, "UnknownOperationException", f"no operation at {recorded.path}")
        if not recorded.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 "):
            return _error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        model = unquote(parts[2])
        if model != TITAN_V2:
            return _error(
                404, "ResourceNotFoundException", f"Could not resolve the foundation model {model}"
            )
        body = recorded.json()
        text = body.get("inputText")
        if not isinstance(text, str) or not text:
            return _error(400, "ValidationException", "Malformed input request: inputText")
        dimensions = body.get("dimensions")
        if dimensions is not None and dimensions not in TITAN_V2_DIMS:
            return _error(
                400,
                "ValidationException",
                f"Malformed input request: #/dimensions: {dimensions} is not a valid enum value",
            )
        answer = self.script(EmbeddingRequest(model, (text,), dimensions, body.get("normalize")))
        if isinstance(answer, Fault):
            return render_fault(answer, self.release)
        if isinstance(answer, Reply):
            return answer
        vector = answer[0] if answer else []
        return Reply.of_json(
            {
                "embedding": vector,
                "inputTextTokenCount": len(text) // 4 + 1,
                "embeddingsByType": {"float": vector},
            }
        )

    def close(self) -> None:
        self.release.set()
        super().close()
