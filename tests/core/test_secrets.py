"""Settings from Secrets Manager by ARN (`ALEX_SECRET_ARNS`), against moto's Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from alex.core.config import Settings
from alex.core.secrets import SecretsSettingsError, region_of


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def _secret(client: Any, name: str, value: object) -> str:
    body = value if isinstance(value, str) else json.dumps(value)
    arn: str = client.create_secret(Name=name, SecretString=body)["ARN"]
    return arn


def _settings(monkeypatch: pytest.MonkeyPatch, *arns: str) -> Settings:
    monkeypatch.setenv("ALEX_SECRET_ARNS", json.dumps(list(arns)))
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_secret_fills_settings_by_their_environment_names(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret(
        secrets,
        "alex/app",
        {
            "ALEX_CLERK_ISSUER": "https://clerk.example.com",
            "alex_polygon_api_key": "pk-123",
            "ALEX_CORS_ORIGINS": ["https://d1.cloudfront.net"],
            "ALEX_ANALYSIS_RATE_PER_HOUR": 3,
        },
    )
    settings = _settings(monkeypatch, arn)
    assert settings.clerk_issuer == "https://clerk.example.com"
    assert settings.polygon_api_key is not None
    assert settings.polygon_api_key.get_secret_value() == "pk-123"
    assert settings.cors_origins == ["https://d1.cloudfront.net"]
    assert settings.analysis_rate_per_hour == 3


def test_the_environment_wins_and_the_first_secret_wins_over_later_ones(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _secret(secrets, "alex/a", {"ALEX_CLERK_ISSUER": "a", "ALEX_MODEL": "a"})
    second = _secret(secrets, "alex/b", {"ALEX_CLERK_ISSUER": "b", "ALEX_TIINGO_API_KEY": "t"})
    monkeypatch.setenv("ALEX_MODEL", "from-env")
    settings = _settings(monkeypatch, first, second)
    assert settings.model == "from-env"
    assert settings.clerk_issuer == "a"
    assert settings.tiingo_api_key is not None
    assert settings.tiingo_api_key.get_secret_value() == "t"


def test_an_unknown_key_is_refused_by_name_without_its_value(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret(secrets, "alex/typo", {"ALEX_CLERK_SECRETKEY": "sk-very-secret"})
    with pytest.raises(SecretsSettingsError) as caught:
        _settings(monkeypatch, arn)
    assert "ALEX_CLERK_SECRETKEY" in str(caught.value)
    assert "sk-very-secret" not in str(caught.value)


def test_the_arn_list_cannot_come_from_a_secret(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret(secrets, "alex/loop", {"ALEX_SECRET_ARNS": "[]"})
    with pytest.raises(SecretsSettingsError, match="ALEX_SECRET_ARNS"):
        _settings(monkeypatch, arn)


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"'])
def test_a_secret_that_is_not_a_json_object_is_refused(
    secrets: Any, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    arn = _secret(secrets, "alex/bad", body)
    with pytest.raises(SecretsSettingsError, match="must be a JSON object"):
        _settings(monkeypatch, arn)


def test_a_bad_value_in_a_secret_names_the_setting_and_hides_the_value(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret(secrets, "alex/val", {"ALEX_DATABASE_URL": "mysql://root:hunter2@db/x"})
    with pytest.raises(ValidationError) as caught:
        _settings(monkeypatch, arn)
    assert "database_url" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_missing_secret_fails_loudly(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:alex/none-AbCdEf"
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        _settings(monkeypatch, missing)


def test_no_arns_means_no_call_to_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # No moto here and no credentials: any call would fail.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    assert Settings(_env_file=None).secret_arns == []  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:secretsmanager:us-west-2:123456789012:secret:alex/app-AbCdEf", "us-west-2"),
        ("arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x", "us-gov-west-1"),
    ],
)
def test_the_client_region_comes_from_the_arn(arn: str, region: str) -> None:
    assert region_of(arn) == region


@pytest.mark.parametrize(
    "arn",
    ["alex/app", "arn:aws:s3:::bucket", "arn:aws:secretsmanager::123:secret:x", ""],
)
def test_a_value_that_is_not_a_secret_arn_is_refused(arn: str) -> None:
    with pytest.raises(SecretsSettingsError, match="ALEX_SECRET_ARNS"):
        region_of(arn)


def test_the_cli_names_a_bad_secret_and_exits_2(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from alex.cli import app
    from alex.core.config import get_settings

    arn = _secret(secrets, "alex/cli", {"ALEX_NOT_A_SETTING": "x"})
    monkeypatch.setenv("ALEX_SECRET_ARNS", json.dumps([arn]))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert f"error: secret {arn} holds keys that are not Alex settings: ALEX_NOT_A_SETTING" in (
        result.output
    )
