"""AWS Lambda entry point for adding a document to the knowledge base over HTTPS: an API
Gateway HTTP API route (payload format 2.0) in front of the same `KnowledgeBase.ingest_bytes`
the API and the CLI use.

The request carries the service key in `X-Alex-Service-Key` (ALEX_KNOWLEDGE_SERVICE_KEY; with
none configured every request is refused) and a JSON body
`{"name": "note.md", "content": "<text or base64>", "encoding": "text" | "base64"}`.
The answer is 201 with the document (200 and `created: false` when the same text is there
already); a refused request is 4xx with `{"detail": "<why>", "field": "<which>"}` and nothing
stored. Anything else (the database down) raises, so API Gateway answers 500 and the Lambda's
error metrics see it."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from alex.core.config import Settings, get_settings
from alex.core.errors import AlexError, AuthenticationError, ValidationFailedError
from alex.knowledge.extract import MEDIA_TYPES

log = logging.getLogger(__name__)

KEY_HEADER = "x-alex-service-key"


class _BadRequestError(AlexError):
    """The body cannot be read at all (not base64 when it says so, not JSON)."""

    status_code = 400


class _MethodNotAllowedError(AlexError):
    status_code = 405


class _TooLargeError(AlexError):
    status_code = 413


def _utf8(value: str) -> str:
    # json.loads accepts lone surrogates (`"\ud800"`); no database or hash can store them.
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (a lone surrogate escape is not)") from None
    return value


def _file_name(value: str) -> str:
    name = PurePath(value.replace("\\", "/")).name.strip()
    if PurePath(name).suffix.lower() not in MEDIA_TYPES:
        raise ValueError(f"must end in one of {', '.join(sorted(MEDIA_TYPES))}")
    return name


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, Field(min_length=1, max_length=255), AfterValidator(_utf8), AfterValidator(_file_name)
    ]
    content: Annotated[str, Field(min_length=1), AfterValidator(_utf8)]
    encoding: Literal["text", "base64"] = "text"


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    try:
        status, body = _ingest(event, get_settings())
    except AlexError as exc:
        status, body = exc.status_code, {"detail": exc.message, "field": exc.field}
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def _ingest(event: dict[str, Any], settings: Settings) -> tuple[int, dict[str, Any]]:
    method = event.get("requestContext", {}).get("http", {}).get("method", "POST")
    if str(method).upper() != "POST":
        raise _MethodNotAllowedError("use POST", field="method")
    _check_key(event, settings)
    request = _request(event)
    data = _content(request)
    limit = settings.knowledge_max_upload_bytes
    if len(data) > limit:
        raise _TooLargeError(f"content is larger than {limit} bytes", field="content")
    # The database and the knowledge base (NumPy, the embedder) are loaded by the first
    # request that passes the checks above, not in Lambda's init phase.
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base

    kb = knowledge_base(settings, get_engine())
    try:
        result = kb.ingest_bytes(request.name, data, origin="operator", source=request.name)
    except ValidationFailedError as exc:
        # Extraction names the file it read; here the file is the body's `content`.
        field = "content" if exc.field == "file" else exc.field
        raise ValidationFailedError(exc.message, field=field) from None
    log.info(
        "knowledge document received",
        extra={"document_id": result.document.id, "created": result.created, "via": "lambda"},
    )
    return (201 if result.created else 200), result.model_dump(mode="json")


def _check_key(event: dict[str, Any], settings: Settings) -> None:
    # HTTP API v2 lower-cases header names, but a test console or a REST API may not.
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    sent = headers.get(KEY_HEADER)
    configured = settings.knowledge_service_key
    if configured is None:
        log.error("knowledge ingest refused: ALEX_KNOWLEDGE_SERVICE_KEY is not set")
        raise AuthenticationError("service key authentication is not configured", field=KEY_HEADER)
    if not isinstance(sent, str) or not sent:
        raise AuthenticationError("missing service key", field=KEY_HEADER)
    # Bytes, not str: compare_digest refuses non-ASCII str, and the header is anyone's text.
    if not hmac.compare_digest(sent.encode(), configured.get_secret_value().encode()):
        raise AuthenticationError("invalid service key", field=KEY_HEADER)


def _request(event: dict[str, Any]) -> IngestRequest:
    raw = event.get("body")
    if not isinstance(raw, str) or not raw:
        raise _BadRequestError("the request has no body", field="body")
    text: str | bytes = raw
    if event.get("isBase64Encoded"):
        try:
            text = base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise _BadRequestError("the body is not valid base64", field="body") from None
    try:
        document = json.loads(text)
    except ValueError:  # also bytes that are not UTF-8
        raise _BadRequestError("the body is not JSON", field="body") from None
    try:
        return IngestRequest.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        message = first["msg"].removeprefix("Value error, ")
        raise ValidationFailedError(f"{field}: {message}", field=field) from None


def _content(request: IngestRequest) -> bytes:
    if request.encoding == "text":
        return request.content.encode()
    try:
        return base64.b64decode(request.content, validate=True)
    except binascii.Error:
        raise ValidationFailedError(
            "content is not valid base64 (encoding is base64)", field="content"
        ) from None
