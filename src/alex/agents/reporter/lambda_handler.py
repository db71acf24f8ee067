"""AWS Lambda entry point for the reporter: `{"job_id": "…"}` → produce and store the job's
report section. Raises on failure so the invocation is retried."""

from __future__ import annotations

from typing import Any

from alex.agents.lambdas import section_handler


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return section_handler("report", event)
