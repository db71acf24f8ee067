"""The one settings object. Every option has a safe local default; secrets come only from the
environment (or a `.env` file), never from code."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def default_var_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`var/` in the project; on AWS Lambda, whose code directory is read-only, `alex/` in the
    system's temporary directory, the only writable place there."""
    if environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return Path(tempfile.gettempdir()) / "alex"
    return PROJECT_ROOT / "var"


DEFAULT_VAR_DIR = default_var_dir()


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# `postgresql+dataapi:///db?resource_arn=…&secret_arn=…` is Aurora through the RDS Data API.
DATABASE_SCHEMES = ("sqlite", "postgresql+psycopg://", "postgresql+dataapi://")


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected value is never echoed, whichever setting it is (a
    # database URL holds a password, an endpoint URL may hold a key).
    model_config = SettingsConfigDict(
        env_prefix="ALEX_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    # --- runtime ---
    env: Literal["local", "production"] = "local"
    # Secrets Manager secrets (ARNs) whose JSON objects hold more of these variables by their
    # environment names (`{"ALEX_LANGFUSE_SECRET_KEY": "…"}`): how the AWS profile gets its keys
    # without putting them in Lambda environment variables. The environment wins over them.
    secret_arns: list[str] = Field(default_factory=list)
    var_dir: Path = DEFAULT_VAR_DIR
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # --- database ---
    database_url: str = ""
    database_echo: bool = False

    # --- agents / model ---
    # A LiteLLM model id (`bedrock/us.amazon.nova-pro-v1:0`, `openai/gpt-4.1-mini`, …) or
    # `offline`; `model_<agent>` overrides it for one agent (a cheap tagger, a strong writer).
    model: str = "offline"
    model_planner: str = ""
    model_tagger: str = ""
    model_reporter: str = ""
    model_charter: str = ""
    model_retirement: str = ""
    model_researcher: str = ""
    # An OpenAI-compatible server (vLLM, llama.cpp, LM Studio, Ollama, a gateway) and its key.
    model_base_url: str = ""
    model_api_key: SecretStr | None = None
    bedrock_region: str = "us-east-1"
    # A Bedrock Runtime endpoint other than the region's (a VPC endpoint; a local stand-in).
    bedrock_endpoint_url: str = ""
    agent_timeout_seconds: float = Field(default=120.0, gt=0)
    model_max_retries: int = Field(default=4, ge=0, le=10)
    # The first retry's delay; later ones double (30 s at most). A Retry-After header wins.
    model_retry_initial_seconds: float = Field(default=1.0, ge=0, le=60)
    tagger_concurrency: int = Field(default=4, ge=1, le=32)

    # --- prices and reference data ---
    price_provider: Literal["none", "polygon", "tiingo"] = "none"
    polygon_api_key: SecretStr | None = None
    tiingo_api_key: SecretStr | None = None
    # Overrides the provider's base URL (a proxy, or a local stand-in in tests).
    price_base_url: str = ""
    price_timeout_seconds: float = Field(default=10.0, gt=0)
    price_max_retries: int = Field(default=3, ge=0, le=10)
    # Provider calls per minute (free tiers: Polygon 5/min); 0 means no client-side limit.
    price_requests_per_minute: int = Field(default=5, ge=0)
    # A price older than this (by its own date: the provider's or the file's) is stale.
    price_max_age_days: int = Field(default=7, ge=1, le=3650)
    # `alex serve` refreshes held symbols this often when a provider is configured; 0 = never.
    price_refresh_minutes: float = Field(default=0.0, ge=0)
    # Symbols no shared source knows that one user may create (each is private to them).
    max_private_symbols: int = Field(default=200, ge=0)

    # --- auth ---
    auth: Literal["local", "clerk"] = "local"
    jwt_issuer: str = "alex-local"
    jwt_ttl_minutes: int = Field(default=720, gt=0)
    revocation_poll_seconds: float = Field(default=2.0, gt=0)
    clerk_jwks_url: str = ""
    clerk_issuer: str = ""
    clerk_authorized_parties: list[str] = Field(default_factory=list)
    demo_login_enabled: bool = True
    clerk_publishable_key: str = ""
    jwks_cache_seconds: float = Field(default=3600.0, gt=0)

    # --- queue ---
    queue: Literal["local", "postgres", "sqs"] = "local"
    local_workers: int = Field(default=2, ge=0, le=32)
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_timeout_seconds: float = Field(default=900.0, gt=0)
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    sqs_queue_url: str = ""
    aws_region: str = "us-east-1"
    aws_endpoint_url: str = ""
    # Diagnostic/test aid: a worker holds each claimed job (lease heartbeating) this long before
    # running it, so crash-recovery tests can kill a worker mid-job. Keep 0 in real use.
    worker_job_delay_seconds: float = Field(default=0.0, ge=0, le=3600)

    # --- API ---
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])
    analysis_rate_per_hour: int = Field(default=10, ge=1)
    write_rate_per_minute: int = Field(default=300, ge=1)
    signin_rate_per_minute: int = Field(default=10, ge=1)
    # Proxies whose X-Forwarded-For is believed: the client address rate limits and logs use.
    forwarded_allow_ips: str = "127.0.0.1"
    frontend_dir: Path = PROJECT_ROOT / "frontend" / "out"

    # --- knowledge base ---
    # `e5` (bundled multilingual-e5-small: the best measured), `wordllama` (bundled, ~50x
    # faster to ingest, a little less accurate) or any LiteLLM embedding model id
    # (`bedrock/amazon.titan-embed-text-v2:0`, `openai/text-embedding-3-small`, …).
    embedding_model: str = "e5"
    # An OpenAI-compatible embeddings server for a hosted id (defaults to ALEX_MODEL_BASE_URL).
    embedding_base_url: str = ""
    embedding_api_key: SecretStr | None = None
    # Titan v2 and OpenAI's text-embedding-3 models take a size; 0 means the model's own.
    embedding_dimensions: int = Field(default=0, ge=0, le=4096)
    # `flat` (NumPy over vectors kept in the app's database), `pgvector`, `s3vectors`.
    vector_store: Literal["flat", "pgvector", "s3vectors"] = "flat"
    # The pgvector database; defaults to ALEX_DATABASE_URL (it needs the `vector` extension).
    pgvector_url: str = ""
    s3_vectors_bucket: str = ""
    s3_vectors_index: str = "alex-knowledge"
    # Who may add to or delete from the knowledge base over the API: a service key (sent as
    # X-Alex-Service-Key) and/or signed-in users whose ids are listed here.
    knowledge_service_key: SecretStr | None = None
    operator_user_ids: list[str] = Field(default_factory=list)
    knowledge_max_upload_bytes: int = Field(default=5_000_000, ge=1)
    # --- researcher ---
    # Files dropped here are sources the researcher reads (and files a note from).
    research_inbox_dir: Path = DEFAULT_VAR_DIR / "research-inbox"
    # The researcher's `fetch_page` tool exists only when this is on, and only for these hosts.
    research_web: bool = False
    research_allowed_hosts: list[str] = Field(
        default_factory=lambda: [
            "www.sec.gov",
            "www.investor.gov",
            "www.finra.org",
            "www.federalreserve.gov",
            "www.bls.gov",
            "fred.stlouisfed.org",
        ]
    )
    research_fetch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    research_fetch_max_bytes: int = Field(default=2_000_000, ge=1)

    # --- observability ---
    langfuse_public_key: SecretStr | None = None
    langfuse_secret_key: SecretStr | None = None
    langfuse_host: str = "https://cloud.langfuse.com"
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from alex.core.secrets import secrets_manager_sources

        arns = {**dotenv_settings(), **env_settings()}.get("secret_arns", [])
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            *secrets_manager_sources(settings_cls, arns),
            file_secret_settings,
        )

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(DATABASE_SCHEMES):
            # Only the scheme is named: the rest of the URL may carry a password.
            scheme = _SCHEME.match(value)
            found = f" (got a {scheme.group(1)}:// URL)" if scheme else ""
            raise ValueError(
                "must be a sqlite:///, a postgresql+psycopg:// or a postgresql+dataapi:// URL"
                f"{found}"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'alex.db'}"

    @property
    def is_data_api(self) -> bool:
        return self.resolved_database_url.startswith("postgresql+dataapi://")

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")

    @property
    def offline_model(self) -> bool:
        """True when no agent uses a hosted model."""
        return all(is_offline(self.model_for(agent)) for agent in MODEL_AGENTS)

    def model_for(self, agent: str) -> str:
        """The model id `agent` uses: its own override, else `ALEX_MODEL`."""
        override: str = getattr(self, f"model_{agent}", "")
        return (override or self.model).strip()


MODEL_AGENTS = ("planner", "tagger", "reporter", "charter", "retirement", "researcher")


def is_offline(model_id: str) -> bool:
    return model_id.strip().lower() in {"", "offline"}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
