"""The API on AWS Lambda, behind API Gateway's HTTP API (payload format 2.0), through Mangum.

The app is the very one `alex serve` runs (`create_app`), built on the first invocation and
kept for the life of the execution environment, without in-process job workers: on AWS jobs
go to SQS and the planner function. The web app is served by CloudFront, not here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from mangum import Mangum

_handler: Mangum | None = None


def make_handler(app: FastAPI) -> Mangum:
    """Mangum around `app`; lifespan on, so sign-out revocations load before the first
    request, as they do on a server."""
    return Mangum(app, lifespan="auto")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (`alex.api.lambda_handler.handler`)."""
    global _handler
    if _handler is None:
        from alex.api.app import create_app

        _handler = make_handler(create_app(start_workers=False))
    response: dict[str, Any] = _handler(event, context)
    return response
