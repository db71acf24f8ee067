"""One place that turns errors into HTTP responses: domain errors by their status, database
integrity errors as 409, values the database cannot store as 422, and nothing a client can
cause as 500."""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alex.core.errors import AlexError, AuthenticationError, RateLimitedError
from alex.jobs.queue import EnqueueError

log = logging.getLogger(__name__)


def _body(message: str, *, status: int, field: str | None = None) -> dict[str, object]:
    """422s look like FastAPI's own validation errors (a list with `loc` naming the field), so
    clients handle one shape; every other error is `{"detail": "<message>"}`."""
    if status == 422:
        loc = ["body", field] if field else ["body"]
        return {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}
    return {"detail": message, "field": field} if field else {"detail": message}


async def alex_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AlexError)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if exc.status_code >= 500:
        log.error("server error", extra={"error": exc.message})
    return JSONResponse(
        _body(exc.message, status=exc.status_code, field=exc.field),
        status_code=exc.status_code,
        headers=headers,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_safe(value: Any) -> Any:
    """`value` with non-finite floats spelled as strings (JSON has no NaN or Infinity) and lone
    surrogates replaced by U+FFFD (`"x\\ud800y"` is legal JSON that Python decodes to a string
    UTF-8 cannot encode)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422 shape; the rejected `input` is echoed back, and a body such as
    `{"equity": 1e999}` (parsed as infinity) must not turn that echo into a 500."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _json_safe(jsonable_encoder(exc.errors()))}, status_code=422)


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error mapped to 409", extra={"path": request.url.path})
    return JSONResponse(
        _body("the change conflicts with existing data", status=409), status_code=409
    )


async def data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value that passed validation but the database refuses (PostgreSQL rejects NUL
    characters in text, and numbers beyond a column's range): the client's input, not a bug."""
    log.info("database rejected a value; mapped to 422", extra={"path": request.url.path})
    message = (
        "a value cannot be stored: text must not contain NUL characters "
        "and numbers must be in range"
    )
    return JSONResponse(_body(message, status=422), status_code=422)


async def enqueue_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("enqueue failed", extra={"error": str(exc)})
    return JSONResponse(
        _body("the job queue is unavailable; try again shortly", status=503),
        status_code=503,
        headers={"Retry-After": "30"},
    )


# A JSON escape in the surrogate range (`\\ud800`-`\\udfff`): cheap to look for in the raw
# bytes, so only bodies that contain one are parsed twice.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def lone_surrogate_path(
    value: Any, path: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """Where in a decoded JSON document the first string (value or key) holding a lone
    surrogate is, or None. A valid pair (`\\ud83d\\ude00`) decodes to one character: fine."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                return (*path, _SURROGATE.sub("\ufffd", key))
            found = lone_surrogate_path(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_path(item, (*path, index))
            if found is not None:
                return found
    return None


def _may_be_json(scope: Scope) -> bool:
    """A JSON media type, or none at all (FastAPI then parses the body as JSON too)."""
    for name, raw in scope.get("headers", []):
        if name == b"content-type":
            media: bytes = raw.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


class RejectLoneSurrogates:
    """A JSON body whose text holds a lone surrogate is answered 422 naming the field, before
    any route sees it. Such text validates as a Python `str` but cannot be encoded as UTF-8, so
    it would otherwise fail wherever it is first written (the database, a password hash, the
    response) as a 500, possibly after part of a change was made. Pure ASGI: the body is read
    once and handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _may_be_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                await self.app(scope, _replay_then(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _SURROGATE_ESCAPE.search(body):
            path = _surrogate_in(body)
            if path is not None:
                response = JSONResponse(
                    {
                        "detail": [
                            {
                                "loc": ["body", *path],
                                "msg": "text must be valid Unicode: it contains a lone "
                                "surrogate escape (\\ud800-\\udfff) that is not half of a pair",
                                "type": "string_unicode",
                            }
                        ]
                    },
                    status_code=422,
                )
                await response(scope, receive, send)
                return
        request: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay_then(request, receive), send)


def _surrogate_in(body: bytes) -> tuple[str | int, ...] | None:
    try:
        document = json.loads(body)
    except ValueError:  # malformed JSON: FastAPI answers that with its own 422
        return None
    return lone_surrogate_path(document)


def _replay_then(first: Message, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return await receive()

    return replay


def install(app: FastAPI) -> None:
    app.add_middleware(RejectLoneSurrogates)
    app.add_exception_handler(AlexError, alex_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(EnqueueError, enqueue_error)
