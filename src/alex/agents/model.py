"""The model factory: one place that turns `ALEX_MODEL` into an Agents SDK `Model`.

`offline` (the default) selects the offline analyst, a deterministic writer that never touches
the network. Anything else is a LiteLLM model id (`bedrock/amazon.nova-pro-v1:0`,
`openai/gpt-4.1-mini`, `ollama/llama3.1`, …) used through `LitellmModel`, with runner-managed
retries and exponential backoff on rate limits and transient errors."""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import Any

from agents import Model, ModelRetrySettings, ModelSettings, Usage, retry_policies

from alex.agents.events import UsageReport
from alex.agents.observability import configure_tracing
from alex.agents.offline import OfflineAnalyst, OfflinePlan, OfflineWrite
from alex.core.config import Settings, get_settings

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = (408, 409, 429, 500, 502, 503, 504, 529)


def build_model(
    *, write: OfflineWrite, plan: OfflinePlan | None = None, settings: Settings | None = None
) -> Model:
    """The configured model for one agent. `write`/`plan` are that agent's offline analyst
    templates, used only when no model is configured."""
    settings = settings or get_settings()
    configure_tracing(settings)
    if settings.offline_model:
        return OfflineAnalyst(write=write, plan=plan)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.extensions.models.litellm_model import LitellmModel

    return LitellmModel(model=settings.model.strip())


def build_model_settings(settings: Settings | None = None) -> ModelSettings:
    """Retries with exponential backoff (and the provider's Retry-After when it sends one);
    the Bedrock region for `bedrock/…` ids."""
    settings = settings or get_settings()
    extra_args: dict[str, Any] | None = None
    if settings.model.strip().startswith("bedrock/"):
        extra_args = {"aws_region_name": settings.bedrock_region}
    return ModelSettings(
        extra_args=extra_args,
        retry=ModelRetrySettings(
            max_retries=settings.model_max_retries,
            backoff={"initial_delay": 1.0, "max_delay": 30.0, "multiplier": 2.0, "jitter": True},
            policy=retry_policies.any(
                retry_policies.provider_suggested(),
                retry_policies.retry_after(),
                retry_policies.http_status(RETRYABLE_STATUSES),
                retry_policies.network_error(),
            ),
        ),
    )


def usage_report(usage: Usage, settings: Settings | None = None) -> UsageReport:
    """Tokens as the model reported them, priced with LiteLLM's bundled cost map. The offline
    analyst costs nothing; a model LiteLLM cannot price is recorded with `cost_usd=None`."""
    settings = settings or get_settings()
    tokens_in, tokens_out = int(usage.input_tokens), int(usage.output_tokens)
    cost: Decimal | None = Decimal("0")
    if not settings.offline_model and (tokens_in or tokens_out):
        cost = _litellm_cost(settings.model.strip(), tokens_in, tokens_out)
    return UsageReport(
        requests=int(usage.requests), tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost
    )


def _litellm_cost(model: str, tokens_in: int, tokens_out: int) -> Decimal | None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=tokens_in, completion_tokens=tokens_out
        )
    except Exception as exc:  # litellm raises bare Exception for unmapped models
        logger.info("no price for model %s: %s", model, exc)
        return None
    return Decimal(str(prompt_cost + completion_cost)).quantize(Decimal("0.000001"))


def describe(model: Model | str | None) -> str:
    """A short label for the model that wrote a section (stored with it)."""
    if isinstance(model, OfflineAnalyst):
        return "offline"
    if isinstance(model, str):
        return model
    name = getattr(model, "model", None)
    return str(name) if isinstance(name, str) else type(model).__name__
