"""The job runner the entry points (the API, `alex worker`, the planner's Lambda) hand to the
queues: run the analysis job with the planner.

The queue package never imports the agents; this object is how the planner reaches it. The
agent stack (the Agents SDK, LiteLLM) takes seconds to import, so it is imported on the first
job or on `preload`, never when this module is: `alex serve` starts at once."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine


class PlannerJobRunner:
    async def __call__(
        self, job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        """Run job `job_id` to completed or failed; raise if the attempt crashed (the queue
        retries it). A completed or failed job is left alone. Writes are fenced on
        `lease_owner`'s lease."""
        from alex.agents.planner.manager import run_analysis

        await run_analysis(job_id, engine=engine, lease_owner=lease_owner)

    def preload(self) -> None:
        import alex.agents.planner.manager  # noqa: F401


planner_job_runner = PlannerJobRunner()
