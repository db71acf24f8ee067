"""AWS Lambda entry point for the planner.

An SQS event (`{"Records": [...]}`, each body `{"job_id": "…"}`) goes through the queue's
idempotent delivery handling (leases, attempts, dead-letter bookkeeping), which runs the job
with `alex.jobs.execute.execute_job`. A direct invocation `{"job_id": "…"}` runs the job.
Failures raise, so SQS redelivers the message."""

from __future__ import annotations

from typing import Any

from alex.agents.lambdas import job_id_from


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if "Records" in event:
        from alex.jobs.sqs import handle_sqs_event

        return handle_sqs_event(event)
    from alex.jobs.execute import run_job_sync

    job_id = job_id_from(event)
    run_job_sync(job_id)
    return {"job_id": str(job_id)}
