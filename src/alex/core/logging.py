"""Structured logging. JSON lines in production, readable text locally. Job and user ids
travel in `extra=` and are emitted as fields; tokens and secrets are never logged."""

from __future__ import annotations

import logging
import re
import sys
from datetime import datetime
from typing import Any

from pythonjsonlogger import json as jsonlogger

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._\-]+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _JWT.sub("[redacted-jwt]", _BEARER.sub(r"\1[redacted]", text))


class JsonFormatter(jsonlogger.JsonFormatter):
    """One JSON object per line (python-json-logger): `ts`, `level`, `logger`, `message`, the
    `extra=` fields, and `exc` for a traceback. Every text value goes through `redact`."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exc"},
            timestamp="ts",
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data["level"] = str(log_data.get("level", "")).lower()
        ordered = {"ts": log_data.pop("ts"), **log_data}
        return {key: _redacted(value) for key, value in ordered.items()}


def _redacted(value: Any) -> Any:
    if value is None or isinstance(value, int | float | bool | datetime):
        return value
    return redact(str(value))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD_ATTRS and not k.startswith("_")
        )
        base = f"{record.levelname:<7} {record.name}: {redact(record.getMessage())}"
        text = f"{base} {redact(extras)}" if extras else base
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("LiteLLM", "litellm", "httpx", "openai.agents", "botocore", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
