"""The worker loop shared by every queue: claim a job, run it while a heartbeat renews the
lease, then release it; a crash is recorded and retried until attempts run out."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alex.core.config import Settings
from alex.core.metrics import JOB_ATTEMPT_SECONDS, JOB_ATTEMPTS
from alex.db.repository import LeaseLostError
from alex.db.types import utcnow
from alex.jobs import leases
from alex.jobs.leases import Claim
from alex.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class JobTimeoutError(Exception):
    """An attempt outlived ALEX_JOB_TIMEOUT_SECONDS. The heartbeat keeps a hung job's lease
    alive, so without this deadline a job awaiting something that never answers would stay
    `running` for as long as its worker lives. (Code that blocks the event loop itself cannot
    be interrupted this way; the agents' model and tool calls are awaited.)"""


MAX_BACKOFF_SECONDS = 30.0

Pause = Callable[[threading.Event, float], Awaitable[None]]
HeartbeatWait = Callable[[threading.Event, float], bool]
"""`wait(halt, interval)` before each lease renewal; True when the heartbeat should stop."""


def wait_interval(halt: threading.Event, interval: float) -> bool:
    return halt.wait(interval)


async def pause_unless_stopped(stop: threading.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile (so SIGTERM is not delayed)."""
    await asyncio.to_thread(stop.wait, seconds)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


class Backoff:
    """Retrying something that keeps failing (the database or the queue is away): a delay that
    doubles from `base` up to `cap`, one log line per failed attempt and one line when it works
    again, instead of a traceback at the polling rate. The delay is jittered (between half and
    all of it) so many workers do not retry in step; `clock` and `jitter` are injectable."""

    def __init__(
        self,
        what: str,
        *,
        base: float,
        cap: float = MAX_BACKOFF_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        extra: dict[str, str] | None = None,
        expected: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError),
    ) -> None:
        self.what = what
        self.expected = expected
        self.base = base
        self.cap = max(cap, base)
        self.clock = clock
        self.jitter = jitter
        self.extra = extra or {}
        self.failures = 0
        self._since = 0.0

    def failed(self, exc: BaseException) -> float:
        """Record a failure; returns how long to wait before the next attempt."""
        if self.failures == 0:
            self._since = self.clock()
        self.failures += 1
        full = min(self.cap, self.base * 2.0 ** (self.failures - 1))
        delay = full * (0.5 + 0.5 * self.jitter())
        # Outages (`expected`: the database's, the network's) say all in one line; anything else
        # is a bug whose traceback is worth showing once per streak.
        expected = isinstance(exc, self.expected)
        log.warning(
            "%s failed (attempt %d); retrying in %.1f s: %s",
            self.what,
            self.failures,
            delay,
            first_line(exc),
            extra={**self.extra, "attempt": self.failures, "retry_in_s": round(delay, 2)},
            exc_info=exc if self.failures == 1 and not expected else None,
        )
        return delay

    def succeeded(self) -> None:
        if self.failures:
            log.info(
                "%s recovered after %d failed attempts over %.1f s",
                self.what,
                self.failures,
                self.clock() - self._since,
                extra={**self.extra, "failed_attempts": self.failures},
            )
        self.failures = 0


def worker_name(prefix: str = "worker") -> str:
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        runner: JobRunner,
        name: str | None = None,
        pause: Pause = pause_unless_stopped,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        wall_clock: Callable[[], datetime] = utcnow,
        heartbeat_wait: HeartbeatWait = wait_interval,
    ) -> None:
        """`clock` times backoff; `wall_clock` is the time leases are granted and judged by;
        `heartbeat_wait` paces lease renewals. Tests drive all three."""
        self.engine = engine
        self.wall_clock = wall_clock
        self.heartbeat_wait = heartbeat_wait
        self.runner = runner
        self.name = name or worker_name()
        self.lease_seconds = settings.job_lease_seconds
        self.timeout_seconds = settings.job_timeout_seconds
        self.max_attempts = settings.job_max_attempts
        self.poll_seconds = settings.worker_poll_seconds
        self.job_delay_seconds = settings.worker_job_delay_seconds
        self.jobs_done = 0
        self.pause = pause
        self.backoff = Backoff(
            "claiming jobs",
            base=self.poll_seconds,
            clock=clock,
            jitter=jitter,
            extra={"worker": self.name},
        )

    async def run(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Claim and run jobs until `stop` is set. `wake` (set by enqueue) cuts the idle wait."""
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except Exception as exc:  # the database away, typically: wait longer each time
                await self.pause(stop, self.backoff.failed(exc))
                continue
            self.backoff.succeeded()
            if not ran and not stop.is_set():
                await asyncio.to_thread(_idle, stop, wake, self.poll_seconds)
        log.info("worker stopped", extra={"worker": self.name})

    async def run_once(self) -> bool:
        """Claim and run at most one job. Returns whether a job was claimed."""
        claim = await asyncio.to_thread(
            leases.claim_next,
            self.engine,
            self.name,
            lease_seconds=self.lease_seconds,
            max_attempts=self.max_attempts,
            now=self.wall_clock(),
        )
        if claim is None:
            return False
        await self.process(claim)
        return True

    async def process(self, claim: Claim) -> bool:
        """Run a claimed job under a heartbeat. Returns True when the attempt did not crash."""
        extra = {"job_id": str(claim.job_id), "worker": self.name, "attempt": claim.attempt}
        log.info("job claimed", extra=extra)
        started = time.perf_counter()
        outcome = "crashed"  # until the attempt says otherwise
        work = asyncio.ensure_future(self._run(claim))
        heartbeat = _Heartbeat(self, claim, work, asyncio.get_running_loop())
        heartbeat.start()
        try:
            await work
            outcome = "finished"
        except asyncio.CancelledError:
            if heartbeat.lost:
                outcome = "lease_lost"
                log.error("lease lost to another worker; abandoned the job", extra=extra)
                return False
            outcome = "cancelled"
            raise
        except LeaseLostError:
            # Found out by a refused write before the heartbeat noticed: same ending.
            outcome = "lease_lost"
            log.error("lease lost to another worker; its writes were refused", extra=extra)
            return False
        except Exception as exc:
            outcome = "timed_out" if isinstance(exc, JobTimeoutError) else "crashed"
            error = f"{type(exc).__name__}: {exc}"
            log.exception("job attempt crashed", extra=extra)
            heartbeat.stop()
            await asyncio.to_thread(self._after_crash, claim, error)
            return False
        finally:
            heartbeat.stop()
            JOB_ATTEMPTS.labels(outcome).inc()
            JOB_ATTEMPT_SECONDS.observe(time.perf_counter() - started)
        await asyncio.to_thread(leases.release, self.engine, claim)
        self.jobs_done += 1
        log.info("job finished", extra=extra)
        return True

    async def _run(self, claim: Claim) -> None:
        if self.job_delay_seconds:
            await asyncio.sleep(self.job_delay_seconds)
        deadline = asyncio.timeout(self.timeout_seconds)
        try:
            async with deadline:
                await self.runner(claim.job_id, engine=self.engine, lease_owner=claim.owner)
        except TimeoutError:
            if not deadline.expired():  # the job's own timeout (a model call, say): a crash
                raise
            raise JobTimeoutError(
                f"the attempt ran longer than {self.timeout_seconds:g} s and was stopped"
            ) from None

    def _after_crash(self, claim: Claim, error: str) -> None:
        if claim.attempt >= self.max_attempts:
            leases.fail_claimed(self.engine, claim, leases.give_up_reason(claim.attempt, error))
        else:
            backoff = min(self.poll_seconds * 2 ** (claim.attempt - 1), 60.0)
            leases.record_failed_attempt(
                self.engine, claim, error, retry_after_seconds=backoff, now=self.wall_clock()
            )


def _idle(stop: threading.Event, wake: threading.Event | None, timeout: float) -> None:
    if wake is None:
        stop.wait(timeout)
    elif wake.wait(timeout):
        wake.clear()


class _Heartbeat(threading.Thread):
    """Renews the lease from its own thread, so a job that keeps the event loop busy (CPU-bound
    engines, synchronous database calls) cannot starve it. If another worker has taken the job
    over, the job's task is cancelled."""

    def __init__(
        self,
        worker: Worker,
        claim: Claim,
        work: asyncio.Future[None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        super().__init__(name=f"heartbeat-{claim.job_id}", daemon=True)
        self.worker = worker
        self.claim = claim
        self.work = work
        self.loop = loop
        self.lost = False
        self._halt = threading.Event()

    def run(self) -> None:
        interval = max(self.worker.lease_seconds / 3, 0.05)
        while not self.worker.heartbeat_wait(self._halt, interval):
            if not self.beat():
                return

    def beat(self) -> bool:
        """Renew the lease once. False when another worker has the job: its task is cancelled."""
        try:
            ours = leases.renew_lease(
                self.worker.engine,
                self.claim,
                lease_seconds=self.worker.lease_seconds,
                now=self.worker.wall_clock(),
            )
        except Exception as exc:
            log.warning(
                "lease renewal failed; retrying: %s",
                first_line(exc),
                extra={"job_id": str(self.claim.job_id)},
            )
            return True
        if not ours:
            self.lost = True
            self.loop.call_soon_threadsafe(self.work.cancel)
        return ours

    def stop(self) -> None:
        self._halt.set()
