"""Log lines: JSON with Alex's field names (python-json-logger underneath) or text, and no
bearer token or JWT in either, wherever it appears (message, extra fields, traceback)."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from alex.core.logging import JsonFormatter, TextFormatter

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"


def record(
    message: str, *, extra: dict[str, object] | None = None, failing: bool = False
) -> logging.LogRecord:
    exc_info = None
    if failing:
        try:
            raise RuntimeError(f"rejected Authorization: Bearer {TOKEN}")
        except RuntimeError:
            exc_info = sys.exc_info()
    made = logging.getLogger("alex.test").makeRecord(
        "alex.test", logging.WARNING, __file__, 1, message, (), exc_info, extra=extra
    )
    made.created = 1_800_000_000.5
    return made


def test_json_line_has_the_fields_and_the_extras() -> None:
    line = JsonFormatter().format(record("job claimed", extra={"job_id": "j-1", "attempt": 2}))
    payload = json.loads(line)
    assert list(payload)[:4] == ["ts", "level", "logger", "message"]
    assert payload["ts"] == "2027-01-15T08:00:00.500000+00:00"
    assert (payload["level"], payload["logger"]) == ("warning", "alex.test")
    assert (payload["job_id"], payload["attempt"]) == ("j-1", 2)  # numbers stay numbers
    assert "exc" not in payload


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_tokens_are_redacted_everywhere(formatter: logging.Formatter) -> None:
    line = formatter.format(
        record(
            f"request with Authorization: Bearer {TOKEN}",
            extra={"header": f"Bearer {TOKEN}", "cookie": f"session={TOKEN}"},
            failing=True,
        )
    )
    assert TOKEN not in line
    assert TOKEN.split(".")[0] not in line
    assert "[redacted]" in line and "[redacted-jwt]" in line
    assert "RuntimeError" in line  # the traceback is kept, its secret is not


def test_json_traceback_is_one_field() -> None:
    payload = json.loads(JsonFormatter().format(record("boom", failing=True)))
    assert payload["exc"].startswith("Traceback (most recent call last):")
    assert (
        payload["exc"].rstrip().endswith("RuntimeError: rejected Authorization: Bearer [redacted]")
    )
