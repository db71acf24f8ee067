"""Settings from AWS Secrets Manager, by ARN.

In the AWS profile a function's environment names its secrets (`ALEX_SECRET_ARNS`), never their
values: Terraform creates each secret empty and `scripts/deploy.py` writes its value, so no key
lands in a Lambda's configuration or in Terraform's state. A secret's value is a JSON object of
the same variables a `.env` file would hold (`{"ALEX_LANGFUSE_SECRET_KEY": "…"}`); a key that is
not one of ours is refused by name (a typo would otherwise be a silently missing setting).

pydantic-settings' own `AWSSecretsManagerSettingsSource` does the reading; the client's region is
the one in the ARN, and `ALEX_AWS_ENDPOINT_URL` points it at a stand-in (moto) in tests."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic_settings import PydanticBaseSettingsSource, SettingsError
from pydantic_settings.sources import AWSSecretsManagerSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

ENV_PREFIX = "ALEX_"
# Settings that say where the secrets are cannot themselves come from a secret.
_NOT_FROM_SECRETS = frozenset({"secret_arns"})


class SecretsSettingsError(SettingsError):
    """A secret cannot be used: not an ARN, not a JSON object, or a key that is no setting."""


class _AlexSecretSource(AWSSecretsManagerSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], arn: str) -> None:
        # Set first: the base class loads the secret inside its __init__.
        self._arn = arn
        super().__init__(
            settings_cls,
            secret_id=arn,
            region_name=region_of(arn),
            endpoint_url=os.environ.get("ALEX_AWS_ENDPOINT_URL") or None,
            case_sensitive=False,
            env_prefix=ENV_PREFIX,
            env_nested_delimiter=None,
        )

    def _load_env_vars(self) -> Mapping[str, str | None]:
        response = self._secretsmanager_client.get_secret_value(SecretId=self._arn)
        try:
            value = json.loads(response["SecretString"])
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise SecretsSettingsError(
                f"secret {self._arn} must be a JSON object of ALEX_* variables"
            )
        known = {
            f"{ENV_PREFIX}{name}".lower()
            for name in self.settings_cls.model_fields
            if name not in _NOT_FROM_SECRETS
        }
        unknown = sorted(key for key in value if key.lower() not in known)
        if unknown:
            # Keys only, never values: the values are the secrets.
            raise SecretsSettingsError(
                f"secret {self._arn} holds keys that are not Alex settings: {', '.join(unknown)}"
            )
        strings = {
            key: item if isinstance(item, str) else json.dumps(item) for key, item in value.items()
        }
        return parse_env_vars(
            strings, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def region_of(arn: str) -> str:
    """The region in `arn:aws:secretsmanager:<region>:<account>:secret:<name>`."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "secretsmanager" or not parts[3]:
        raise SecretsSettingsError(
            f"ALEX_SECRET_ARNS: {arn!r} is not a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
        )
    return parts[3]


def secrets_manager_sources(
    settings_cls: type[BaseSettings], arns: Sequence[str]
) -> tuple[PydanticBaseSettingsSource, ...]:
    """One source per ARN, the first listed winning over later ones."""
    return tuple(_AlexSecretSource(settings_cls, arn) for arn in arns)
