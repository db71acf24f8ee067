from __future__ import annotations

import pytest
import typer
from pydantic import ValidationError
from pytest import MonkeyPatch
from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import _settings_or_exit, app
from alex.core.config import Settings, get_settings

runner = CliRunner()


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["db", "--help"])
    assert result.exit_code == 0
    for command in ("upgrade", "downgrade", "seed", "reset"):
        assert command in result.output


def test_db_reset_demo_twice_reports_same_counts(engine: Engine) -> None:
    first = runner.invoke(app, ["db", "reset", "--demo", "--yes"])
    second = runner.invoke(app, ["db", "reset", "--demo", "--yes"])
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    assert "demo_accounts: 3" in first.output
    assert "demo_positions: 13" in first.output


SECRET = "s3cret-Pa55"


def test_a_bad_database_url_is_named_without_its_password(monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("ALEX_DATABASE_URL", f"postgresql://user:{SECRET}@db/x")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert SECRET not in result.output
    assert result.output.strip().splitlines() == [
        "error: ALEX_DATABASE_URL: must be a sqlite:///, a postgresql+psycopg:// or a "
        "postgresql+dataapi:// URL (got a postgresql:// URL)"
    ]


def test_a_value_without_a_scheme_is_not_echoed_either() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url=f"user:{SECRET}@db/x")
    assert SECRET not in str(caught.value)
    assert "must be a sqlite:///" in str(caught.value)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_no_setting_echoes_a_rejected_value(
    field: str, monkeypatch: MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every setting, from the environment, given values its validators may refuse: what the
    CLI prints names the variable and never contains the value."""
    refused = 0
    for value in (f"postgresql://u:{SECRET}@h/x", SECRET, f"-1{SECRET}", f'["{SECRET}"'):
        monkeypatch.setenv(f"ALEX_{field.upper()}", value)
        get_settings.cache_clear()
        try:
            _settings_or_exit()
        except typer.Exit as exit_:
            assert exit_.exit_code == 2
            refused += 1
        printed = capsys.readouterr()
        assert SECRET not in printed.out + printed.err, field
        if printed.err:
            assert f"ALEX_{field.upper()}" in printed.err or f'"{field}"' in printed.err
    # Guards the assertions above: they must meet real rejections, not only accepted values.
    assert refused or field in _ACCEPTS_ANY_TEXT, field


# Free-text settings: any string is a valid value (and is never printed by the CLI).
_ACCEPTS_ANY_TEXT = {
    "aws_endpoint_url", "aws_region", "bedrock_region", "clerk_issuer", "clerk_jwks_url",
    "clerk_publishable_key", "forwarded_allow_ips", "frontend_dir", "jwt_issuer",
    "langfuse_host", "langfuse_public_key", "langfuse_secret_key", "log_level",
    "metrics_token", "model", "polygon_api_key", "price_base_url", "sqs_queue_url",
    "tiingo_api_key", "var_dir", "host", "bedrock_endpoint_url", "model_api_key",
    "model_base_url", "model_charter", "model_planner", "model_reporter", "model_retirement",
    "model_tagger", "model_researcher", "embedding_model", "embedding_base_url",
    "embedding_api_key", "knowledge_service_key", "pgvector_url", "research_inbox_dir",
    "s3_vectors_bucket", "s3_vectors_index",
}  # fmt: skip


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["analyze", "--user", "demo"]])
def test_a_model_id_no_provider_answers_to_stops_the_start(
    monkeypatch: MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("ALEX_MODEL", "openai/gpt-4.1-mini")
    monkeypatch.setenv("ALEX_MODEL_TAGGER", "nonsense/model")
    get_settings.cache_clear()

    result = runner.invoke(app, command)

    assert result.exit_code == 2
    assert "error: ALEX_MODEL_TAGGER: 'nonsense/model' names no provider" in result.output
    assert "Provider List" not in result.output
    get_settings.cache_clear()


def test_costs_sum_the_recorded_usage_per_agent(engine: Engine) -> None:
    import uuid as uuid_module
    from decimal import Decimal

    from alex.db import repository as repo
    from alex.db.seed import seed
    from alex.db.session import session_scope
    from alex.schemas import JobEventCreate

    seed(engine)
    with session_scope(engine) as session:
        job = repo.create_job(session, "demo", "portfolio_analysis", {})
        for agent, tokens, cost, known in (
            ("reporter", 1000, "0.002", True),
            ("reporter", 500, "0.001", True),
            ("tagger", 200, "0", False),
        ):
            repo.append_event(
                session,
                job.id,
                JobEventCreate(
                    agent=agent,
                    kind="completed",
                    message="done",
                    data={"usage": {"requests": 1, "cost_known": known}},
                    tokens_in=tokens,
                    tokens_out=tokens // 10,
                    cost_usd=Decimal(cost),
                ),
            )
    assert isinstance(job.id, uuid_module.UUID)

    everyone = runner.invoke(app, ["costs"])
    nobody = runner.invoke(app, ["costs", "--user", "someone-else"])
    later = runner.invoke(app, ["costs", "--since", "2999-01-01"])

    assert everyone.exit_code == 0, everyone.output
    lines = everyone.output.splitlines()
    assert lines[0] == "Model usage, all users:"
    assert lines[2].split() == ["reporter", "2", "1,500", "150", "$0.003000"]
    assert lines[3].split() == ["tagger", "1", "200", "20", "unknown"]
    assert lines[4].split() == ["all", "3", "1,700", "170", "unknown"]
    assert "No model usage recorded for user someone-else" in nobody.output
    assert "since 2999-01-01" in later.output


def test_plan_takes_retirement_flags_and_prints_models_and_levers(engine: Engine) -> None:
    assert runner.invoke(app, ["db", "reset", "--demo", "--yes"]).exit_code == 0
    command = ["plan", "--user", "demo", "--paths", "2000"]
    result = runner.invoke(
        app, [*command, "--model", "historical", "--social-security", "24000@67"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Success by return model (same plan)" in out
    for label in ("Normal (parametric)", "Fat tails (Student-t)", "Historical since 1871"):
        assert label in out
    assert "Historical since 1871" in out.split("<- this projection")[0].splitlines()[-1]
    levers = out.split("Levers, ranked (same market paths as the plan)\n")[1].splitlines()
    assert levers[0].startswith("  1. ")
    assert any(
        "Claim Social Security at 70 ($29,760 a year instead of $24,000)" in line for line in levers
    )
    # The stored plan is untouched by flags: without them there is no Social Security lever.
    plain = runner.invoke(app, command)
    assert plain.exit_code == 0, plain.output
    assert "Claim Social Security" not in plain.output

    bad = runner.invoke(app, [*command, "--social-security", "lots"])
    assert bad.exit_code == 2
    assert "AMOUNT@AGE" in bad.output
    unknown = runner.invoke(app, [*command, "--model", "astrology"])
    assert unknown.exit_code == 2
    assert "return_model" in unknown.output
