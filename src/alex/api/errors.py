"""One place that turns errors into HTTP responses: domain errors by their status, database
integrity errors as 409, and nothing a client can cause as 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

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


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error mapped to 409", extra={"path": request.url.path})
    return JSONResponse(
        _body("the change conflicts with existing data", status=409), status_code=409
    )


async def enqueue_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("enqueue failed", extra={"error": str(exc)})
    return JSONResponse(
        _body("the job queue is unavailable; try again shortly", status=503),
        status_code=503,
        headers={"Retry-After": "30"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AlexError, alex_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(EnqueueError, enqueue_error)
