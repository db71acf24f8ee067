"""AWS Lambda entry point for the planner.

An SQS event (`{"Records": [...]}`, each body `{"job_id": "…"}`) goes through the queue's
idempotent delivery handling (leases, attempts, dead-letter bookkeeping), which runs the job
with the planner's job runner. A direct invocation `{"job_id": "…"}` runs the job.
Failures raise, so SQS redelivers the message."""

from __future__ import annotations

from typing import Any

from alex.agents.invocation import job_id_from


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if "Records" in event:
        from alex.agents.planner.job_runner import planner_job_runner
        from alex.jobs.sqs import handle_sqs_event

        return handle_sqs_event(event, runner=planner_job_runner)
    from alex.agents.planner.manager import run_analysis_sync

    job_id = job_id_from(event)
    run_analysis_sync(job_id)
    return {"job_id": str(job_id)}
