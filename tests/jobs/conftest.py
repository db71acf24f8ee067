"""Job-queue fixtures: settings with short leases, a user with a pending job, runner doubles,
and the clocks tests drive instead of waiting (the lease clock, the heartbeat's pace)."""

from __future__ import annotations

import asyncio
import queue
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import undefer

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.models import Job
from alex.db.session import session_scope
from alex.db.types import utcnow


@pytest.fixture
def job_settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        job_lease_seconds=0.6,
        job_max_attempts=3,
        worker_poll_seconds=0.05,
        local_workers=2,
    )


@pytest.fixture
def new_job(engine: Engine) -> Callable[[], uuid.UUID]:
    def make() -> uuid.UUID:
        with session_scope(engine) as session:
            repo.get_or_create_user(session, "queue_user")
            return repo.create_job(session, "queue_user", "portfolio_analysis").id

    return make


def load(engine: Engine, job_id: uuid.UUID) -> Job:
    with session_scope(engine) as session:
        # Every column, payloads included: the test reads them after the session closes.
        job = session.get(Job, job_id, options=[undefer("*")])
        assert job is not None
        session.expunge(job)
        return job


class Recorder:
    """A runner double that completes the job the way the planner does (its writes fenced on
    the lease it is given), counting runs. `hold` keeps every run waiting until it is set (an
    asyncio event, for workers on the test's loop); `gate` is the same across threads (the
    local queue's workers). Each finished run, however it ended, is put on `finished`."""

    def __init__(
        self,
        *,
        fail_times: int = 0,
        hold: asyncio.Event | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self.runs: list[uuid.UUID] = []
        self.fail_times = fail_times
        self.hold = hold
        self.gate = gate
        self.finished: queue.Queue[uuid.UUID] = queue.Queue()

    async def __call__(
        self, job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        try:
            await self._run(job_id, engine, lease_owner)
        finally:
            self.finished.put(job_id)

    async def _run(self, job_id: uuid.UUID, engine: Engine | None, lease_owner: str | None) -> None:
        assert engine is not None
        self.runs.append(job_id)
        with session_scope(engine) as session:
            job = repo.lock_job(session, job_id, lease_owner)
            if job.status in ("completed", "failed"):
                return
            repo.mark_job_running(session, job)
        if self.hold is not None:
            await self.hold.wait()
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        if len(self.runs) <= self.fail_times:
            raise RuntimeError(f"boom {len(self.runs)}")
        with session_scope(engine) as session:
            repo.complete_job(session, repo.lock_job(session, job_id, lease_owner))


def wait_finished(finished: queue.Queue[uuid.UUID], *job_ids: uuid.UUID) -> None:
    """Block until a runner has finished each of `job_ids` (30 s at most for each)."""
    waiting = set(job_ids)
    while waiting:
        waiting.discard(finished.get(timeout=30))


class WallClock:
    """The time leases are granted and judged by, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ManualHeartbeat:
    """Paces a worker's heartbeat by hand: `beat()` lets exactly one lease renewal happen and
    returns once it is done."""

    def __init__(self) -> None:
        self._ticks: queue.Queue[None] = queue.Queue()
        self._waiting: queue.Queue[None] = queue.Queue()

    def wait(self, halt: threading.Event, interval: float) -> bool:
        self._waiting.put(None)
        while not halt.is_set():
            try:
                self._ticks.get(timeout=0.05)  # a bounded wait, so a stopped heartbeat ends
            except queue.Empty:
                continue
            return False
        return True

    def beat(self) -> None:
        self._waiting.get(timeout=10)  # the heartbeat is waiting for its next renewal
        self._ticks.put(None)
        self._waiting.get(timeout=10)  # the renewal is done: it waits for the next
        self._waiting.put(None)  # ...which the next beat() starts from


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free port, for the block; yields its URL."""
    port = free_port()
    proc = start_moto(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def start_moto(port: int) -> subprocess.Popen[str]:
    """A moto server on `port`, returned once it says it is listening (read from its log, so
    nothing polls; a thread keeps reading the log so the server never blocks on it)."""
    binary = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    proc = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listening = threading.Event()

    def read_log() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Running on" in line:
                listening.set()

    threading.Thread(target=read_log, name=f"moto-{port}", daemon=True).start()
    if not listening.wait(30):
        proc.kill()
        raise RuntimeError("moto_server did not start")
    return proc


class ProcessOutput:
    """What a subprocess prints (stdout and stderr), copied to `path` as it comes. Tests wait
    for the line saying something happened instead of polling for its effect."""

    def __init__(
        self,
        proc: subprocess.Popen[str],
        path: Path,
        changed: threading.Condition | None = None,
    ) -> None:
        """`changed` may be shared by several processes' outputs (see `wait_for_all`)."""
        self.path = path
        self._lines: list[str] = []
        self._ended = False
        self._changed = changed or threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        with self.path.open("w") as copy:
            for line in proc.stdout:
                copy.write(line)
                copy.flush()
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def count(self, text: str) -> int:
        with self._changed:
            return sum(text in line for line in self._lines)

    def wait_for(self, text: str, times: int = 1, timeout: float = 60) -> None:
        """Return once `text` has appeared in `times` lines; fail (with the output) if the
        process ends or `timeout` passes first."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._ended or sum(text in line for line in self._lines) >= times,
                timeout,
            )
            seen = sum(text in line for line in self._lines)
            tail = "".join(self._lines[-40:])
        assert seen >= times, f"waited for {times} x {text!r}, saw {seen}:\n{tail}"

    def text(self) -> str:
        with self._changed:
            return "".join(self._lines)


def wait_for_all(outputs: list[ProcessOutput], text: str, times: int, timeout: float = 60) -> None:
    """Return once `text` has appeared in `times` lines across `outputs`, which must share
    one condition."""
    changed = outputs[0]._changed
    assert all(o._changed is changed for o in outputs)
    with changed:
        changed.wait_for(lambda: sum(o.count(text) for o in outputs) >= times, timeout)
        seen = sum(o.count(text) for o in outputs)
    assert seen >= times, f"waited for {times} x {text!r}, saw {seen}"


def start_process(
    command: list[str],
    env: dict[str, str],
    log: Path,
    changed: threading.Condition | None = None,
) -> tuple[subprocess.Popen[str], ProcessOutput]:
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return proc, ProcessOutput(proc, log, changed)
