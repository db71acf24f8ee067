"""`alex analyze`: create an analysis job for a user, run it in this process while streaming
its events to the terminal, then print the result (or the stored job as JSON)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from alex.agents.planner.manager import run_analysis
from alex.db import repository as repo
from alex.db.session import get_engine, session_scope
from alex.db.usage import total as usage_total
from alex.db.usage import usage_by_agent
from alex.payloads import JobRead, SummaryPayload
from alex.schemas import AgentUsage, JobEventRead


def analyze(user_id: str, *, as_json: bool = False, out: TextIO | None = None) -> int:
    """Run one analysis for `user_id`; returns the process exit code (0 when completed)."""
    out = out or sys.stdout
    events_out = sys.stderr if as_json else out
    engine = get_engine()
    with session_scope(engine) as session:
        if repo.get_user(session, user_id) is None:
            print(
                f"no user '{user_id}' (try `alex db reset --demo` and --user demo)",
                file=sys.stderr,
            )
            return 2
        job_id = repo.create_job(session, user_id, "portfolio_analysis", {}).id
    started = time.perf_counter()

    def show(event: JobEventRead) -> None:
        stamp = time.perf_counter() - started
        print(
            f"[{stamp:6.3f}s] #{event.seq:<3} {event.agent:<10} {event.kind:<9} {event.message}",
            file=events_out,
            flush=True,
        )

    asyncio.run(run_analysis(job_id, engine=engine, listener=show))
    elapsed = time.perf_counter() - started
    with session_scope(engine) as session:
        job = JobRead.model_validate(repo.require_job(session, job_id))
    if as_json:
        print(job.model_dump_json(indent=2), file=out)
    else:
        _print_job(job, out.write)
    with session_scope(engine) as session:
        usage = usage_by_agent(session, job_id=job_id)
    if usage:
        print("\nmodel usage:\n" + "\n".join(usage_lines(usage)), file=events_out)
    print(f"analysis time: {elapsed:.3f} s (job {job.id}, {job.status})", file=events_out)
    return 0 if job.status == "completed" else 1


def _print_job(job: JobRead, write: Callable[[str], Any]) -> None:
    rule = "\n" + "=" * 78 + "\n"
    if job.status != "completed":
        write(f"{rule}Analysis {job.status}: {job.error_message or 'no reason recorded'}\n")
        return
    summary = job.summary_payload or SummaryPayload()
    if summary.executive_summary:
        write(f"{rule}EXECUTIVE SUMMARY{rule}{summary.executive_summary}\n")
    if job.report_payload:
        write(f"{rule}REPORT{rule}{job.report_payload.markdown}")
    if job.retirement_payload:
        write(f"{rule}RETIREMENT{rule}{job.retirement_payload.markdown}")
    if job.charts_payload:
        write(f"{rule}CHARTS{rule}")
        for chart in job.charts_payload.charts:
            write(f"- {chart.title} [{chart.type}]\n")
    write(f"{rule}STATUS{rule}")
    for name, status in summary.sections.items():
        extra = f" ({status.error})" if status.error else ""
        write(f"- {name}: {status.status}{extra}\n")
    grounding = summary.grounding
    if grounding is None:
        write("- grounding: not recorded\n")
    else:
        write(
            f"- grounding: {'passed' if grounding.grounded else 'FAILED'} "
            f"({grounding.matched}/{grounding.checked} figures matched"
            + (f"; unmatched: {json.dumps(grounding.unmatched)}" if grounding.unmatched else "")
            + ")\n"
        )
    for note in summary.data_quality.notes:
        write(f"- data quality: {note}\n")


def usage_lines(rows: Sequence[AgentUsage]) -> list[str]:
    """Tokens and dollars per agent, and the total, as a table."""
    lines = [f"{'agent':<11} {'requests':>8} {'tokens in':>10} {'tokens out':>10} {'cost':>12}"]
    for row in [*rows, usage_total(rows)]:
        cost = f"${row.cost_usd:,.6f}" if row.cost_known else "unknown"
        lines.append(
            f"{row.agent:<11} {row.requests:>8} {row.tokens_in:>10,} {row.tokens_out:>10,} "
            f"{cost:>12}"
        )
    return lines
