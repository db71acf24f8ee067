"""Model ids checked before anything runs: light to import (LiteLLM only when a hosted model
is configured), so `alex serve` and the workers check at start without loading the agent
stack."""

from __future__ import annotations

import os
from typing import Any

from alex.core.config import MODEL_AGENTS, Settings, get_settings, is_offline


def model_problem(model_id: str) -> str | None:
    """Why LiteLLM cannot use `model_id` at all (an unknown provider prefix), or None."""
    if is_offline(model_id):
        return None
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # its provider-list banner is no help here

    try:
        litellm.get_llm_provider(model_id)
    except litellm.exceptions.BadRequestError:
        return (
            f"{model_id!r} names no provider LiteLLM knows; write it as <provider>/<model>, "
            "e.g. bedrock/us.amazon.nova-pro-v1:0, openai/gpt-4.1-mini or ollama/llama3.1"
        )
    return None


def check_models(settings: Settings | None = None) -> list[str]:
    """One line per misconfigured model setting (`ALEX_MODEL`, `ALEX_MODEL_<AGENT>`); the
    server and the workers refuse to start with any, instead of failing every job later."""
    settings = settings or get_settings()
    problems: list[str] = []
    for name in ("model", *(f"model_{agent}" for agent in MODEL_AGENTS)):
        value = str(getattr(settings, name)).strip()
        problem = model_problem(value) if value else None
        if problem:
            problems.append(f"ALEX_{name.upper()}: {problem}")
    return problems


def provider_kwargs(model_id: str, settings: Settings) -> dict[str, Any]:
    """How LiteLLM reaches `model_id`'s provider. Bedrock signs with AWS credentials in its
    region (at its own endpoint, if set): a key would be sent as a bearer token instead of the
    signature. Any other provider gets the configured base URL and key."""
    if model_id.startswith("bedrock/"):
        kwargs: dict[str, Any] = {"aws_region_name": settings.bedrock_region}
        if settings.bedrock_endpoint_url:
            kwargs["aws_bedrock_runtime_endpoint"] = settings.bedrock_endpoint_url
        return kwargs
    kwargs = {}
    if settings.model_base_url:
        kwargs["base_url"] = settings.model_base_url
    if settings.model_api_key:
        kwargs["api_key"] = settings.model_api_key.get_secret_value()
    return kwargs
