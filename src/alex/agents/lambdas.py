"""Shared plumbing for the AWS Lambda handlers: parse the event, call the same functions the
local runtime uses. Failures raise, so the invoker (SQS, the planner) retries; no handler
returns an error body with a success status."""

from __future__ import annotations

from typing import Any

from alex.agents.invocation import job_id_from

__all__ = ["job_id_from", "section_handler"]


def section_handler(section: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run one specialist (`report`, `charts` or `retirement`) for the job in `event`."""
    from alex.agents.planner.manager import run_section_sync

    if section not in ("report", "charts", "retirement"):
        raise ValueError(f"unknown section {section}")
    return run_section_sync(job_id_from(event), section)  # type: ignore[arg-type]
