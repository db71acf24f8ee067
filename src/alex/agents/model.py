"""The model factory: one place that turns `ALEX_MODEL` into an Agents SDK `Model`.

`offline` (the default) selects the offline analyst, a deterministic writer that never touches
the network. Anything else is a LiteLLM model id (`bedrock/amazon.nova-pro-v1:0`,
`openai/gpt-4.1-mini`, `ollama/llama3.1`, …) used through `LitellmModel`, with runner-managed
retries and exponential backoff on rate limits and transient errors."""

from __future__ import annotations

import logging
import os
import uuid
from decimal import Decimal

from agents import (
    Model,
    ModelRetrySettings,
    ModelSettings,
    RetryPolicyContext,
    Usage,
    retry_policies,
)

from alex.agents.events import UsageReport
from alex.agents.model_ids import check_models, model_problem, provider_kwargs
from alex.agents.observability import configure_tracing
from alex.agents.offline import OfflineAnalyst, OfflinePlan, OfflineWrite
from alex.agents.transient import is_garbled, is_permanent
from alex.core.config import Settings, get_settings, is_offline
from alex.schemas import AgentName

logger = logging.getLogger(__name__)

__all__ = [
    "build_model",
    "build_model_settings",
    "check_models",
    "describe",
    "model_problem",
    "request_settings",
    "usage_report",
]

RETRYABLE_STATUSES = (408, 409, 429, 500, 502, 503, 504, 529)
JOB_HEADER = "X-Alex-Job-Id"


def build_model(
    agent: AgentName,
    *,
    write: OfflineWrite,
    plan: OfflinePlan | None = None,
    settings: Settings | None = None,
) -> Model:
    """The configured model for `agent` (its `ALEX_MODEL_<AGENT>` override, else `ALEX_MODEL`).
    `write`/`plan` are that agent's offline analyst templates, used when it has no model."""
    settings = settings or get_settings()
    configure_tracing(settings)
    model_id = settings.model_for(agent)
    if is_offline(model_id):
        return OfflineAnalyst(write=write, plan=plan)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.extensions.models.litellm_model import LitellmModel

    # Bedrock's region and endpoint travel in the model settings (`build_model_settings`).
    connection = provider_kwargs(model_id, settings)
    return LitellmModel(
        model=model_id, base_url=connection.get("base_url"), api_key=connection.get("api_key")
    )


def build_model_settings(agent: AgentName, settings: Settings | None = None) -> ModelSettings:
    """Retries with exponential backoff (and the provider's Retry-After when it sends one);
    the Bedrock region and endpoint for `bedrock/…` ids."""
    settings = settings or get_settings()
    model_id = settings.model_for(agent)
    extra_args = provider_kwargs(model_id, settings) if model_id.startswith("bedrock/") else None
    return ModelSettings(
        extra_args=extra_args,
        retry=ModelRetrySettings(
            max_retries=settings.model_max_retries,
            backoff={
                "initial_delay": settings.model_retry_initial_seconds,
                "max_delay": 30.0,
                "multiplier": 2.0,
                "jitter": True,
            },
            # A refusal the provider would repeat (a wrong key, a model not enabled, a request
            # it rejects) is never sent again, whatever the client reports it as.
            policy=retry_policies.all(
                _not_permanent,
                retry_policies.any(
                    _unreadable_answer,
                    retry_policies.provider_suggested(),
                    retry_policies.retry_after(),
                    retry_policies.http_status(RETRYABLE_STATUSES),
                    retry_policies.network_error(),
                ),
            ),
        ),
    )


def _not_permanent(context: RetryPolicyContext) -> bool:
    return not is_permanent(context.error)


def _unreadable_answer(context: RetryPolicyContext) -> bool:
    """A truncated or garbled body (LiteLLM calls it a bad request): ask again."""
    return is_garbled(context.error)


def request_settings(job_id: uuid.UUID) -> ModelSettings:
    """Per-request settings for one job's model calls: the job id travels with every request
    (a header gateways and provider logs can show, and LiteLLM's callback metadata), so one
    analysis can be traced from Alex's job page to the provider's records."""
    return ModelSettings(
        extra_headers={JOB_HEADER: str(job_id)},
        metadata={"job_id": str(job_id)},
    )


def usage_report(usage: Usage, model: Model | str | None) -> UsageReport:
    """Tokens as `model` reported them, priced with LiteLLM's bundled cost map. The offline
    analyst costs nothing; a model LiteLLM cannot price is recorded with `cost_usd=None`."""
    tokens_in, tokens_out = int(usage.input_tokens), int(usage.output_tokens)
    model_id = describe(model)
    cost: Decimal | None = Decimal("0")
    if not is_offline(model_id) and (tokens_in or tokens_out):
        cost = _litellm_cost(model_id, tokens_in, tokens_out)
    return UsageReport(
        requests=int(usage.requests),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=cost,
        model=model_id,
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
    if model is None or isinstance(model, OfflineAnalyst):
        return "offline"
    if isinstance(model, str):
        return model
    name = getattr(model, "model", None)
    return str(name) if isinstance(name, str) else type(model).__name__
