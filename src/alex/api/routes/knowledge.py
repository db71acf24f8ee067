"""The knowledge base over HTTP: operators add (a file, or Markdown as JSON), list and delete
documents; any signed-in user searches. Reading files and searching is `alex.knowledge`; this
module adds who may do what, the upload's size cap and the HTTP shapes."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from alex.api.deps import CallerId, KnowledgeDep, Operator, OperatorDep, SettingsDep
from alex.api.models import KnowledgePassage, KnowledgeTextCreate
from alex.core.errors import AlexError, ValidationFailedError
from alex.knowledge.base import DocumentInfo, IngestResult
from alex.knowledge.extract import MEDIA_TYPES, Metadata
from alex.knowledge.service import MAX_QUERY_CHARS, Origin

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])

MAX_SEARCH_RESULTS = 20
# Room for the multipart framing and the small `source` field around the file itself.
_MULTIPART_OVERHEAD = 64 * 1024
_MAX_FILENAME = 255
_MAX_SOURCE = 500


class PayloadTooLargeError(AlexError):
    status_code = 413


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    data: bytes
    source: str


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A " + ", ".join(sorted(MEDIA_TYPES)) + " file "
                            "(at most ALEX_KNOWLEDGE_MAX_UPLOAD_BYTES). Markdown may start "
                            "with YAML front matter: title, date, topic, symbols, sources.",
                        },
                        "source": {
                            "type": "string",
                            "maxLength": _MAX_SOURCE,
                            "description": "Where the document comes from (a URL, a "
                            "publication); default: the file's name.",
                        },
                    },
                }
            }
        },
    }
}

_OPERATOR_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No credentials, an invalid token or a wrong service key."},
    403: {"description": "Signed in, but not listed in ALEX_OPERATOR_USER_IDS."},
}


def _too_large(field: str, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"{field} is larger than {limit} bytes", field=field)


async def read_upload(request: Request, operator: OperatorDep, settings: SettingsDep) -> Upload:
    """The uploaded file, read only once the caller is known to be an operator: FastAPI would
    parse a declared form body (spooling any size to disk) before checking who sent it."""
    limit = settings.knowledge_max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _MULTIPART_OVERHEAD:
        raise _too_large("file", limit)
    async with request.form(max_files=1, max_fields=2) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailedError(
                "attach the document as the multipart/form-data field `file`", field="file"
            )
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise _too_large("file", limit)
        source = form.get("source")
    # Only the last part of the name: a browser may send a client-side path.
    name = PurePath((file.filename or "").replace("\\", "/")).name.strip()
    if not name or len(name) > _MAX_FILENAME:
        raise ValidationFailedError(
            f"the file needs a name of 1 to {_MAX_FILENAME} characters", field="file"
        )
    if source is not None and not isinstance(source, str):
        raise ValidationFailedError("source must be text, not a file", field="source")
    source = (source or "").strip()
    if len(source) > _MAX_SOURCE:
        raise ValidationFailedError(
            f"source is longer than {_MAX_SOURCE} characters", field="source"
        )
    return Upload(name=name, data=data, source=source or name)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IngestResult,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {
            "description": "The same text was there already (`created` false).",
            "model": IngestResult,
        },
        **_OPERATOR_REFUSALS,
        413: {"description": "The file is larger than ALEX_KNOWLEDGE_MAX_UPLOAD_BYTES."},
    },
)
def upload_document(
    operator: OperatorDep,
    upload: Annotated[Upload, Depends(read_upload)],
    kb: KnowledgeDep,
    response: Response,
) -> IngestResult:
    """Add a document (operators only). Its text is split into passages and embedded; nothing
    is stored when the file is refused (type, size, unreadable text, bad front matter)."""
    result = kb.ingest_bytes(upload.name, upload.data, origin="operator", source=upload.source)
    return _answer(result, operator, response)


@router.post(
    "/text",
    status_code=status.HTTP_201_CREATED,
    response_model=IngestResult,
    responses={
        200: {
            "description": "The same text was there already (`created` false).",
            "model": IngestResult,
        },
        **_OPERATOR_REFUSALS,
        413: {"description": "`markdown` is larger than ALEX_KNOWLEDGE_MAX_UPLOAD_BYTES."},
    },
)
def add_text(
    operator: OperatorDep,
    body: KnowledgeTextCreate,
    settings: SettingsDep,
    kb: KnowledgeDep,
    response: Response,
) -> IngestResult:
    """Add a note given as Markdown with its metadata (operators only)."""
    limit = settings.knowledge_max_upload_bytes
    if len(body.markdown.encode()) > limit:
        raise _too_large("markdown", limit)
    result = kb.ingest_text(
        body.title,
        body.markdown,
        source=body.source,
        origin="operator",
        published=body.published,
        topic=body.topic,
        symbols=body.symbols,
        citations=body.sources,
    )
    return _answer(result, operator, response)


def _answer(result: IngestResult, operator: Operator, response: Response) -> IngestResult:
    if not result.created:
        response.status_code = status.HTTP_200_OK
    log.info(
        "knowledge document added by operator" if result.created else "knowledge document known",
        extra={"document_id": result.document.id, "operator": operator.id, "via": operator.via},
    )
    return result


@router.get("", response_model=list[DocumentInfo], responses=_OPERATOR_REFUSALS)
def list_documents(
    operator: OperatorDep, kb: KnowledgeDep, origin: Origin | None = None
) -> list[DocumentInfo]:
    """Every document, newest first (operators only); `origin` keeps one kind."""
    return kb.list_documents(origin=origin)


@router.get("/search", response_model=list[KnowledgePassage])
def search(
    caller_id: CallerId,
    kb: KnowledgeDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for."),
    ],
    k: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS, description="How many passages.")] = 5,
    symbols: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Comma-separated tickers (`BND,AGG`): only passages about one of them.",
        ),
    ] = None,
) -> list[KnowledgePassage]:
    """The best passages for `q`, one per document, for any signed-in user."""
    passages = kb.search(q, k, symbols=_symbols(symbols))
    return [KnowledgePassage.model_validate(p, from_attributes=True) for p in passages]


def _symbols(value: str | None) -> list[str]:
    wanted = [s for s in (value or "").split(",") if s.strip()]
    try:
        # The same rule as a document's own symbols, so a filter can name whatever a note can.
        return Metadata.model_validate({"symbols": wanted}).symbols
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValidationFailedError(message, field="symbols") from None


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_OPERATOR_REFUSALS, 404: {"description": "No such document."}},
)
def delete_document(operator: OperatorDep, kb: KnowledgeDep, document_id: uuid.UUID) -> Response:
    """Remove a document with its passages and their vectors (operators only)."""
    info = kb.delete(document_id)
    log.info(
        "knowledge document deleted by operator",
        extra={"document_id": info.id, "operator": operator.id, "via": operator.via},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
