"""The `alex` command line: database management, the engines, analyses, the server, workers."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from alex.core.config import Settings, get_settings
from alex.core.logging import configure_logging
from alex.research_cli import research_app

app = typer.Typer(
    name="alex",
    help="Alex, an AI financial planner. Manage the database, run the finance engines and "
    "analyses from the terminal, and serve the web app.",
    no_args_is_help=True,
    add_completion=False,
    # A crash must not print local variables: the settings among them hold secrets.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(
    help="Create, migrate, seed and reset the database named by ALEX_DATABASE_URL.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
prices_app = typer.Typer(
    help="Shared prices from the provider named by ALEX_PRICE_PROVIDER (polygon, tiingo).",
    no_args_is_help=True,
)
app.add_typer(prices_app, name="prices")
knowledge_app = typer.Typer(
    help="The knowledge base reports cite: add files, search, list and delete documents.",
    no_args_is_help=True,
)
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(research_app, name="research")


@app.callback()
def _configure() -> None:
    settings = _settings_or_exit()
    configure_logging(settings.log_level, settings.log_format)


def _settings_or_exit() -> Settings:
    """The settings, or one line per bad one naming its variable (never its value, which may be
    a secret) and exit status 2."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "ALEX_" + str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = error["msg"].removeprefix("Value error, ")
            typer.echo(f"error: {name}: {message}", err=True)
        raise typer.Exit(2) from None
    except SettingsError as exc:  # e.g. a list setting that is not JSON; names the field only
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _models_or_exit(settings: Settings) -> None:
    """Refuse to start with a model id no provider answers to: every job would fail."""
    from alex.agents.model_ids import check_models

    problems = check_models(settings)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from alex.db.migrate import upgrade

    upgrade(get_settings().resolved_database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Alembic revision, e.g. base.")) -> None:
    """Revert migrations down to REVISION ('base' removes every table)."""
    from alex.db.migrate import downgrade

    downgrade(get_settings().resolved_database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("seed")
def db_seed() -> None:
    """Insert or refresh the reference instruments and create the demo user if missing.
    Safe to run any number of times."""
    from alex.db.migrate import upgrade
    from alex.db.seed import seed
    from alex.db.session import get_engine

    upgrade(get_settings().resolved_database_url)
    _print_counts(seed(get_engine()))
    _seed_knowledge()


def _seed_knowledge() -> None:
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base
    from alex.knowledge.seed import seed_starter_notes

    results = seed_starter_notes(knowledge_base(get_settings(), get_engine()))
    added = sum(result.created for result in results)
    typer.echo(f"{'starter notes':>24}: {len(results)} ({added} added)")


@db_app.command("reset")
def db_reset(
    demo: bool = typer.Option(False, "--demo", help="Also create the demo user and portfolio."),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Do not ask before dropping a PostgreSQL database."
    ),
) -> None:
    """Drop every table, migrate to the latest schema and seed instruments (and with --demo
    the demo user 'demo' with a 401k, a Roth IRA and a taxable account)."""
    from alex.db.seed import reset
    from alex.db.session import get_engine

    settings = get_settings()
    if settings.is_postgres and not yes and os.isatty(0):
        typer.confirm(
            "This drops every Alex table in the PostgreSQL database. Continue?", abort=True
        )
    _print_counts(reset(get_engine(), demo=demo))
    _seed_knowledge()


@prices_app.command("refresh")
def prices_refresh(
    symbols: str | None = typer.Option(
        None,
        "--symbols",
        help="Comma-separated symbols, e.g. VTI,BND (default: every symbol anyone holds).",
    ),
) -> None:
    """Fetch the latest close of each symbol from the configured provider and store it as the
    shared price; print what happened to each. A symbol the provider cannot price keeps its old
    price (marked with the reason). Exits 2 only when the provider is misconfigured."""
    import asyncio

    from alex.db.session import get_engine
    from alex.prices import ProviderConfigError, make_provider, normalise_symbol, refresh_prices

    wanted: list[str] | None = None
    if symbols is not None:
        try:
            wanted = [normalise_symbol(s) for s in symbols.split(",") if s.strip()]
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--symbols") from exc
        if not wanted:
            raise typer.BadParameter("name at least one symbol", param_hint="--symbols")
    try:
        provider = make_provider(get_settings())
    except ProviderConfigError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    if not provider.configured:
        typer.echo(
            "No price provider is configured (ALEX_PRICE_PROVIDER=none), so nothing was "
            "refreshed. Set ALEX_PRICE_PROVIDER=polygon or tiingo and its API key."
        )
        return
    report = asyncio.run(refresh_prices(get_engine(), provider, wanted))
    for line in report.table():
        typer.echo(line)
    if report.error:
        typer.echo(f"error: {report.error}", err=True)
        raise typer.Exit(2)


@knowledge_app.command("ingest")
def knowledge_ingest(
    paths: list[Path] = typer.Argument(
        ..., exists=True, readable=True, help="Files (.md, .txt, .html, .pdf) or folders."
    ),
) -> None:
    """Add documents to the knowledge base; the same text twice is kept once. Folders are
    read recursively. Exits 1 if any file was refused (the others are still added)."""
    from alex.core.errors import AlexError
    from alex.db.session import get_engine
    from alex.knowledge.extract import MEDIA_TYPES
    from alex.knowledge.factory import knowledge_base

    kb = knowledge_base(get_settings(), get_engine())
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in MEDIA_TYPES)
        else:
            files.append(path)
    failed = 0
    for file in files:
        try:
            result = kb.ingest_file(file)
        except AlexError as exc:
            failed += 1
            typer.echo(f"refused  {exc.message}", err=True)
            continue
        state = "added   " if result.created else "present "
        typer.echo(f"{state} {result.document.title} ({result.document.chunk_count} passages)")
    raise typer.Exit(1 if failed else 0)


@knowledge_app.command("search")
def knowledge_search(
    query: str = typer.Argument(..., help="What to look for, in plain words."),
    limit: int = typer.Option(5, "--limit", "-k", min=1, max=50),
    symbols: str | None = typer.Option(
        None, "--symbols", help="Only passages about these tickers, e.g. BND,AGG."
    ),
    mode: str = typer.Option("hybrid", help="hybrid, vector or keyword."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The best passages for QUERY, one per document, with title, date and source."""
    import json

    from alex.core.errors import AlexError
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base

    if mode not in {"hybrid", "vector", "keyword"}:
        raise typer.BadParameter("use hybrid, vector or keyword", param_hint="--mode")
    wanted = [s for s in (symbols or "").split(",") if s.strip()]
    kb = knowledge_base(get_settings(), get_engine())
    try:
        passages = kb.search(query, limit, symbols=wanted, mode=mode)  # type: ignore[arg-type]
    except AlexError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in passages], indent=2))
        return
    if not passages:
        typer.echo("Nothing in the knowledge base matches.")
    for n, passage in enumerate(passages, start=1):
        dated = passage.published.isoformat() if passage.published else "undated"
        heading = f" › {passage.heading}" if passage.heading not in {"", passage.title} else ""
        typer.echo(f"{n}. {passage.title}{heading} ({dated}; {passage.source})")
        typer.echo(f"   {passage.text[:240]}{'…' if len(passage.text) > 240 else ''}")


@knowledge_app.command("list")
def knowledge_list(
    origin: str | None = typer.Option(None, help="starter, operator or research."),
) -> None:
    """Every document: id, date, origin, passages and title."""
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base

    if origin not in {None, "starter", "operator", "research"}:
        raise typer.BadParameter("use starter, operator or research", param_hint="--origin")
    kb = knowledge_base(get_settings(), get_engine())
    documents = kb.list_documents(origin=origin)  # type: ignore[arg-type]
    for doc in documents:
        dated = doc.published.isoformat() if doc.published else "undated   "
        typer.echo(f"{doc.id}  {dated}  {doc.origin:<8} {doc.chunk_count:>3}  {doc.title}")
    stats = kb.stats()
    typer.echo(
        f"{stats['documents']} documents, {stats['passages']} passages, "
        f"{stats['vectors']} vectors ({kb.embedder.name}, {kb.store.name})"
    )


@knowledge_app.command("delete")
def knowledge_delete(
    document_id: uuid.UUID = typer.Argument(..., help="The id `alex knowledge list` shows."),
) -> None:
    """Remove a document, its passages and their vectors."""
    from alex.core.errors import NotFoundError
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base

    kb = knowledge_base(get_settings(), get_engine())
    try:
        info = kb.delete(document_id)
    except NotFoundError:
        typer.echo(f"error: no knowledge document {document_id}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"deleted  {info.title}")


@knowledge_app.command("reindex")
def knowledge_reindex() -> None:
    """Embed every passage again with the configured embedder (after changing
    ALEX_EMBEDDING_MODEL or ALEX_VECTOR_STORE)."""
    from alex.db.session import get_engine
    from alex.knowledge.factory import knowledge_base

    kb = knowledge_base(get_settings(), get_engine())
    typer.echo(f"{kb.reindex()} passages embedded with {kb.embedder.name}")


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default ALEX_HOST)."),
    port: int | None = typer.Option(None, help="Port (default ALEX_PORT, 8000)."),
    workers: int = typer.Option(1, min=1, max=32, help="Server processes."),
) -> None:
    """Serve the API, the web app and, with ALEX_QUEUE=local, the in-process job workers."""
    from alex.api.server import StartupError
    from alex.api.server import serve as run_server

    _models_or_exit(get_settings())
    try:
        run_server(get_settings(), host=host, port=port, workers=workers)
    except StartupError as exc:
        typer.echo(f"error: cannot serve: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("worker")
def worker(
    concurrency: int = typer.Option(1, min=1, max=64, help="Jobs run at once by this process."),
    metrics_port: int = typer.Option(
        0, min=0, max=65535, help="Serve this worker's Prometheus metrics on this port (0: off)."
    ),
) -> None:
    """Run jobs from the queue (the jobs table with ALEX_QUEUE=postgres, SQS with
    ALEX_QUEUE=sqs) until SIGTERM; the first signal lets running jobs finish."""
    from alex.agents.planner.job_runner import planner_job_runner
    from alex.jobs.postgres import worker_main
    from alex.jobs.sqs import SqsConfigError

    _models_or_exit(get_settings())
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=get_settings().host)

    try:
        worker_main(get_settings(), runner=planner_job_runner, concurrency=concurrency)
    except SqsConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("doctor")
def doctor() -> None:
    """Check that this configuration can run an analysis: database, queue, sign-in, price
    provider and each model (a tiny request, then tool calling and structured output). Prints
    one line per check with the fix; exits 1 if any failed."""
    from alex.doctor import run_checks

    checks = run_checks(get_settings())
    for check in checks:
        typer.echo(check.line())
    failed = [c for c in checks if c.status == "fail"]
    typer.echo(f"\n{len(checks) - len(failed)} of {len(checks)} checks passed or did not apply.")
    raise typer.Exit(1 if failed else 0)


@app.command("costs")
def costs(
    user: str | None = typer.Option(None, "--user", "-u", help="Only this user's analyses."),
    since: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Only usage from this day on (YYYY-MM-DD, UTC)."
    ),
) -> None:
    """Model tokens and dollars per agent, from the recorded job events (LiteLLM's bundled
    price map; 'unknown' where a model has no price)."""
    from alex.agents.analyze import usage_lines
    from alex.db.session import session_scope
    from alex.db.usage import usage_by_agent

    start = since.replace(tzinfo=UTC) if since else None
    with session_scope() as session:
        rows = usage_by_agent(session, user_id=user, since=start)
    scope = (f"user {user}" if user else "all users") + (
        f" since {start.date().isoformat()}" if start else ""
    )
    if not rows:
        typer.echo(f"No model usage recorded for {scope} (the offline analyst uses none).")
        return
    typer.echo(f"Model usage, {scope}:")
    for line in usage_lines(rows):
        typer.echo(line)


@app.command("analyze")
def analyze(
    user: str = typer.Option(..., "--user", "-u", help="User id to analyse, e.g. demo."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored job as JSON."),
) -> None:
    """Run a full analysis for USER in this process, streaming the agents' events, then
    print the report (or, with --json, the stored job)."""
    from alex.agents.analyze import analyze as run_analyze

    _models_or_exit(get_settings())
    raise typer.Exit(run_analyze(user, as_json=as_json))


def _income_option(text: str, kind: str, option: str, *, indexed: bool) -> dict[str, object]:
    """`24000@67` → an income stream; a clear usage error otherwise."""
    amount, sep, age = text.partition("@")
    try:
        if not sep:
            raise ValueError
        return {
            "kind": kind,
            "annual_amount": float(amount.replace(",", "").replace("$", "")),
            "start_age": int(age),
            "indexed": indexed,
        }
    except ValueError as exc:
        raise typer.BadParameter(
            f"expected AMOUNT@AGE, e.g. 24000@67, got {text!r}", param_hint=option
        ) from exc


@app.command("plan")
def plan(
    user: str = typer.Option(..., "--user", "-u", help="User id, e.g. demo."),
    as_json: bool = typer.Option(False, "--json", help="Print the full results as JSON."),
    drift_threshold: float = typer.Option(5.0, min=0.1, max=50, help="Drift band in pp."),
    paths: int = typer.Option(10_000, min=100, max=200_000, help="Monte Carlo paths."),
    model: str | None = typer.Option(
        None,
        "--model",
        help="Return model: normal, student_t, historical or bootstrap (default: the plan's).",
    ),
    social_security: list[str] = typer.Option(
        [],
        "--social-security",
        help="Social Security AMOUNT@AGE in today's money, e.g. 24000@67 (replaces the plan's).",
    ),
    pension: list[str] = typer.Option(
        [], "--pension", help="A pension AMOUNT@AGE, fixed in dollars (not inflation-indexed)."
    ),
    retire_at: int | None = typer.Option(None, "--retire-at", min=16, max=110, help="Age."),
    contribution: float | None = typer.Option(None, "--contribution", min=0, help="Per year."),
    income: float | None = typer.Option(
        None, "--income", min=0, help="Target yearly spending after tax, today's money."
    ),
    rule: str | None = typer.Option(
        None, "--rule", help="constant_real, percent_of_portfolio or guardrails."
    ),
    success_goal: float | None = typer.Option(
        None, "--success-goal", min=1, max=99, help="Success rate the income is solved for."
    ),
    allocation: str | None = typer.Option(None, "--allocation", help="as_held or targets."),
    taxes: bool | None = typer.Option(None, "--taxes/--no-taxes", help="Model taxes."),
) -> None:
    """Run the finance engines (valuation, look-through, drift, rebalancing, concentration,
    retirement Monte Carlo with success by model and ranked levers) on USER's portfolio and
    print a summary. Flags override the stored plan for this run only. No model involved."""
    import json

    from alex.core.errors import AlexError, NotFoundError
    from alex.db.repository import load_portfolio
    from alex.db.session import session_scope
    from alex.finance.plan import analyse_portfolio, retirement_outlook_for
    from alex.finance.summary import plan_summary_lines
    from alex.schemas import RetirementPlan

    try:
        with session_scope() as session:
            snapshot = load_portfolio(session, user)
    except NotFoundError as exc:
        typer.echo(f"{exc.message}; try `alex db reset --demo` and --user demo", err=True)
        raise typer.Exit(2) from exc
    stored = snapshot.user.retirement_plan
    changes: dict[str, object] = {}
    if model is not None:
        changes["return_model"] = model
    if rule is not None:
        changes["withdrawal_rule"] = rule
    if success_goal is not None:
        changes["success_target_pct"] = success_goal
    if allocation is not None:
        changes["allocation_basis"] = allocation
    if taxes is not None:
        changes["taxes"] = taxes
    if social_security or pension:
        kept = [
            s.model_dump()
            for s in stored.income_streams
            if (s.kind == "pension" and not pension)
            or (s.kind == "social_security" and not social_security)
        ]
        changes["income_streams"] = [
            *kept,
            *(
                _income_option(t, "social_security", "--social-security", indexed=True)
                for t in social_security
            ),
            *(_income_option(t, "pension", "--pension", indexed=False) for t in pension),
        ]
    overrides: dict[str, Any] = {"paths": paths}
    if retire_at is not None:
        overrides["years_until_retirement"] = retire_at - snapshot.user.current_age
    if contribution is not None:
        overrides["annual_contribution"] = contribution
    if income is not None:
        overrides["target_income"] = income
    try:
        retirement_plan = RetirementPlan.model_validate({**stored.model_dump(), **changes})
        analysis = analyse_portfolio(snapshot, drift_threshold=drift_threshold)
        outlook = retirement_outlook_for(snapshot, analysis, plan=retirement_plan, **overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        typer.echo(f"Invalid option ({where}): {first['msg']}", err=True)
        raise typer.Exit(2) from exc
    except AlexError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    if as_json:
        payload = {
            "analysis": analysis.model_dump(mode="json"),
            "retirement": outlook.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    for line in plan_summary_lines(analysis, outlook):
        typer.echo(line)


def _print_counts(counts: object) -> None:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(counts) and not isinstance(counts, type):
        for key, value in asdict(counts).items():
            typer.echo(f"{key:>24}: {value}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
