"""What a worker runs for a claimed job. This package only runs jobs; what a job does is handed
in by whoever starts the workers (the API, `alex worker`, the planner's Lambda pass the planner,
tests pass doubles), so the queue never imports the agents."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from alex.core.heap import freeze_startup_heap

JobRunner = Callable[..., Awaitable[None]]
"""`runner(job_id, *, engine, lease_owner)`: run the job to completed/failed; raise on a crash.
Every write it makes to the job must be conditional on `lease_owner` still holding the job
(`repository.lock_job`), so a worker that lost its lease cannot overwrite its successor."""


@runtime_checkable
class Preloadable(Protocol):
    def preload(self) -> None:
        """Import what the first job would otherwise wait for."""


def preload(runner: JobRunner) -> None:
    """Warm `runner` up ahead of the first job (the planner imports the Agents SDK and LiteLLM,
    which takes seconds), then freeze the heap it grew."""
    if isinstance(runner, Preloadable):
        runner.preload()
    freeze_startup_heap()


def preload_in_background(runner: JobRunner) -> None:
    threading.Thread(target=preload, args=(runner,), name="alex-preload", daemon=True).start()
