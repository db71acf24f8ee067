"""`alex research`: run the researcher once or on a schedule, and see what its runs did."""

from __future__ import annotations

import re
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the agents load only when a command runs: `alex --help` stays quick
    from alex.agents.researcher.agent import ResearchOutcome
    from alex.agents.researcher.runs import ResearchEvent, ResearchRunRead

research_app = typer.Typer(
    help="The researcher files dated, sourced notes in the knowledge base. With no command: "
    "one run (on --topic, or on a topic it picks), or one every --every until stopped.",
    invoke_without_command=True,
)

MIN_INTERVAL = timedelta(minutes=1)
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_every(value: str) -> timedelta:
    """`30m`, `2h`, `1d` → the interval; at least a minute."""
    match = _DURATION.match(value)
    if match is None:
        raise typer.BadParameter(
            f"{value!r} is not a duration; use minutes, hours or days, e.g. 30m, 2h, 1d",
            param_hint="--every",
        )
    interval = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    if interval < MIN_INTERVAL:
        raise typer.BadParameter("the interval must be at least 1 minute", param_hint="--every")
    return interval


def run_every(
    run: Callable[[], ResearchOutcome],
    interval: timedelta,
    stop: threading.Event,
    *,
    max_runs: int | None = None,
) -> list[ResearchOutcome]:
    """Run, then wait `interval`, until `stop` is set (or after `max_runs`). A run that is
    under way when `stop` is set finishes first."""
    outcomes: list[ResearchOutcome] = []
    while not stop.is_set():
        outcomes.append(run())
        if max_runs is not None and len(outcomes) >= max_runs:
            break
        if stop.wait(interval.total_seconds()):
            break
    return outcomes


def _print_event(event: ResearchEvent) -> None:
    typer.echo(f"{event.at:%H:%M:%S}  {event.kind:<5}  {event.message}")


def _run_once(topic: str | None) -> ResearchOutcome:
    from alex.agents.researcher.agent import research_sync
    from alex.db.session import get_engine

    outcome = research_sync(get_engine(), topic=topic, listener=_print_event)
    typer.echo(f"run {outcome.run_id}: {outcome.status}")
    return outcome


@research_app.callback()
def research(
    ctx: typer.Context,
    topic: str | None = typer.Option(
        None, "--topic", help="What to research; without it the researcher picks a topic."
    ),
    every: str | None = typer.Option(
        None, "--every", help="Run again after this long (30m, 2h, 1d) until Ctrl-C or SIGTERM."
    ),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    interval = parse_every(every) if every is not None else None
    if topic is not None and not topic.strip():
        raise typer.BadParameter("the topic is empty", param_hint="--topic")
    from alex.agents.model_ids import check_models

    problems = check_models()
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    if interval is None:
        outcome = _run_once(topic)
        raise typer.Exit(0 if outcome.status == "completed" else 1)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        typer.echo(f"{signal.Signals(signum).name}: stopping after the current run", err=True)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    typer.echo(f"researching every {every}; Ctrl-C stops")
    run_every(lambda: _run_once(topic), interval, stop)


@research_app.command("list")
def research_list(
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many runs, newest first."),
) -> None:
    """Recent research runs: when, status, topic, why that topic, the note filed."""
    from alex.agents.researcher.runs import list_runs
    from alex.db.session import get_engine

    runs = list_runs(get_engine(), limit=limit)
    if not runs:
        typer.echo("No research runs yet: `alex research` runs one.")
        return
    for run in runs:
        outcome = run.note_title or run.error_message or ""
        typer.echo(
            f"{run.id}  {run.created_at:%Y-%m-%d %H:%M}  {run.status:<9}  {run.topic}  "
            f"[{run.reason}]  {outcome}"
        )


@research_app.command("show")
def research_show(
    run_id: uuid.UUID = typer.Argument(..., help="The id `alex research list` shows."),
) -> None:
    """One run: its topic, model, status, the note filed or why none was, and its events."""
    from alex.agents.researcher.runs import get_run
    from alex.core.errors import NotFoundError
    from alex.db.session import get_engine

    try:
        run = get_run(get_engine(), run_id)
    except NotFoundError:
        typer.echo(f"error: no research run {run_id}", err=True)
        raise typer.Exit(2) from None
    _print_run(run)


def _print_run(run: ResearchRunRead) -> None:
    typer.echo(f"run      {run.id}")
    typer.echo(f"topic    {run.topic}")
    typer.echo(f"reason   {run.reason}")
    typer.echo(f"model    {run.model}")
    typer.echo(f"status   {run.status}")
    if run.document_id is not None:
        typer.echo(f"note     {run.note_title or '(deleted)'} ({run.document_id})")
    if run.error_message:
        typer.echo(f"error    {run.error_message}")
    typer.echo("events")
    for event in run.events:
        _print_event(event)
