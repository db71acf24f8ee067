"""What a direct Lambda invocation carries: `{"job_id": "…"}`. Its own module because every
handler reads it, the planner's included, while `lambdas.py` calls into the planner."""

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
