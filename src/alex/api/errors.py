"""One place that turns errors into HTTP responses: domain errors by their status, database
integrity errors as 409, values the database cannot store as 422, and nothing a client can
cause as 500."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

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


def _json_safe(value: Any) -> Any:
    """`value` with non-finite floats spelled as strings: JSON has no NaN or Infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
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


def install(app: FastAPI) -> None:
    app.add_exception_handler(AlexError, alex_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(EnqueueError, enqueue_error)
