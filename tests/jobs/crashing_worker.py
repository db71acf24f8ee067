"""A worker process for the crash-recovery test (`python -m tests.jobs.crashing_worker URL`).

It claims the next job and runs the real planner, except that the retirement specialist's
model never answers: the process is still working on the job after the report and the charts
are stored, and stays so until it is killed. Each job event is printed as one JSON line on
stdout the moment it is written, so the test kills it at that point without polling."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from typing import Any

from agents.testing import ModelCall, ModelStep, ScriptedModel
from sqlalchemy import Engine

from alex.agents.planner.manager import run_analysis
from alex.core.config import get_settings
from alex.db.session import make_engine
from alex.jobs.worker import Worker
from alex.schemas import JobEventRead


async def never_answers(call: ModelCall) -> list[Any]:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


# Events are announced from the threads that wrote them: one line at a time.
_stdout = threading.Lock()


def announce(event: JobEventRead) -> None:
    with _stdout:
        print(json.dumps({"agent": event.agent, "kind": event.kind}), flush=True)


async def runner(
    job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
) -> None:
    await run_analysis(
        job_id,
        engine=engine,
        lease_owner=lease_owner,
        models={"retirement": ScriptedModel([ModelStep.respond(never_answers)])},
        listener=announce,
    )


def main(database_url: str) -> None:
    worker = Worker(make_engine(database_url), get_settings(), runner=runner, name="doomed")
    asyncio.run(worker.run_once())


if __name__ == "__main__":
    main(sys.argv[1])
