"""The job queue interface. `factory.py` picks the implementation from `ALEX_QUEUE`."""

from __future__ import annotations

import uuid
from typing import Protocol


class EnqueueError(Exception):
    """The job row exists but could not be handed to the queue."""


class JobQueue(Protocol):
    kind: str

    def enqueue(self, job_id: uuid.UUID) -> None:
        """Hand a committed, pending job to the workers. Raises EnqueueError on failure."""
        ...

    def start(self) -> None:
        """Start in-process workers, if this queue has any."""
        ...

    def stop(self, timeout: float = 10.0) -> None: ...
