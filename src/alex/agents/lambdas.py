"""Shared plumbing for the AWS Lambda handlers: parse the event, call the same functions the
local runtime uses. Failures raise, so the invoker (SQS, the planner) retries; no handler
returns an error body with a success status."""

from __future__ import annotations

import uuid
from typing import Any

from alex.core.errors import ValidationFailedError


def job_id_from(event: dict[str, Any]) -> uuid.UUID:
    """The `job_id` of a direct invocation event: `{"job_id": "…"}`."""
    try:
        return uuid.UUID(str(event["job_id"]))
    except (KeyError, ValueError) as exc:
        raise ValidationFailedError("the event needs a 'job_id' (a UUID)", field="job_id") from exc


def section_handler(section: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run one specialist (`report`, `charts` or `retirement`) for the job in `event`."""
    from alex.agents.planner.agent import run_section_sync

    if section not in ("report", "charts", "retirement"):
        raise ValueError(f"unknown section {section}")
    return run_section_sync(job_id_from(event), section)  # type: ignore[arg-type]
