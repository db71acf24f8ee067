"""`alex doctor`: is this configuration able to run an analysis? One line per check, with the
fix when it fails; exit status 0 only when nothing failed.

Checks, in the order a request meets them: the database (reachable, at the latest migration),
the queue (with SQS: the queue and its dead-letter queue exist), sign-in (with Clerk: the
issuer is set and the key set can be fetched), the price provider (one quote, when one is
configured) and each distinct model: one tiny request, then a probe of what the agents need —
tool calling (reporter, retirement, planner) and structured output (tagger, charter). The known
provider traps get their own fix (a Bedrock model not enabled in the region, a model id that
needs a cross-region inference profile, a model that cannot call tools). What needs a network
and cannot be reached is reported as a failure that says so."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from alex.agents.model_ids import provider_kwargs
from alex.core.config import MODEL_AGENTS, Settings, is_offline

Status = Literal["pass", "fail", "skip"]

TOOL_AGENTS = ("reporter", "retirement", "planner", "researcher")
STRUCTURED_AGENTS = ("tagger", "charter", "researcher")
PROBE_TIMEOUT_SECONDS = 30.0
_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "get_portfolio_total",
        "description": "The portfolio's total value in dollars.",
        "parameters": {"type": "object", "properties": {}, "required": []},
    },
}
_PROBE_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "probe",
        "schema": {
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str
    fix: str = ""

    def line(self) -> str:
        mark = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[self.status]
        text = f"{mark}  {self.name}: {self.message}"
        return text + (f"\n      fix: {self.fix}" if self.fix else "")


# --------------------------------------------------------------------------- database, queue


def check_database(settings: Settings) -> Check:
    from alex.api.routes.health import database_status
    from alex.db.session import engine_for

    engine = engine_for(settings.resolved_database_url)
    where = engine.url.render_as_string(hide_password=True)
    status = database_status(engine)
    if status.ready:
        return Check("database", "pass", f"{where} is reachable and at the latest migration")
    fix = (
        "run `alex db upgrade` (`alex serve` does it for the embedded default)"
        if status.state in ("missing", "empty", "behind")
        else "check ALEX_DATABASE_URL and that the server is up"
    )
    reason = f" ({status.reason})" if status.reason else ""
    return Check("database", "fail", f"{where}: {status.detail}{reason}", fix)


def check_queue(settings: Settings) -> Check:
    if settings.queue != "sqs":
        where = "in this process" if settings.queue == "local" else "in the database"
        return Check("queue", "pass", f"ALEX_QUEUE={settings.queue}: jobs are queued {where}")
    from botocore.exceptions import BotoCoreError, ClientError

    from alex.jobs.sqs import SqsConfigError, check_consumer_config, sqs_client

    try:
        check_consumer_config(settings)
    except SqsConfigError as exc:
        return Check("queue", "fail", str(exc), "set what it names")
    client = sqs_client(settings)
    try:
        # SQS leaves out an attribute the queue does not have (and the map, if none is set).
        attributes = client.get_queue_attributes(
            QueueUrl=settings.sqs_queue_url, AttributeNames=["RedrivePolicy"]
        ).get("Attributes", {})
    except (BotoCoreError, ClientError) as exc:
        return Check(
            "queue",
            "fail",
            f"cannot read the SQS queue: {_first_line(exc)}",
            "check ALEX_SQS_QUEUE_URL, ALEX_AWS_REGION and the role's sqs:GetQueueAttributes",
        )
    policy = attributes.get("RedrivePolicy")
    if not policy:
        return Check(
            "queue",
            "fail",
            "the SQS queue has no dead-letter queue: a job that keeps failing is received forever",
            "give it a redrive policy (terraform/agents does)",
        )
    dlq_name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
    try:
        client.get_queue_url(QueueName=dlq_name)
    except (BotoCoreError, ClientError) as exc:
        return Check(
            "queue",
            "fail",
            f"the dead-letter queue {dlq_name} is missing ({_first_line(exc)})",
            "create it, or fix the queue's redrive policy",
        )
    return Check("queue", "pass", f"SQS queue and its dead-letter queue {dlq_name} exist")


# --------------------------------------------------------------------------- auth, prices


def check_auth(settings: Settings) -> Check:
    if settings.auth == "local":
        return Check("sign-in", "pass", "built-in sign-in (ALEX_AUTH=local)")
    if not settings.clerk_issuer or not settings.clerk_jwks_url:
        return Check(
            "sign-in",
            "fail",
            "ALEX_AUTH=clerk needs ALEX_CLERK_ISSUER and ALEX_CLERK_JWKS_URL",
            "copy both from the Clerk dashboard (API keys → Advanced)",
        )
    from jwt import PyJWKClient, PyJWKClientError, PyJWKSetError

    try:
        keys = PyJWKClient(settings.clerk_jwks_url, timeout=10).get_jwk_set().keys
    except (PyJWKClientError, PyJWKSetError, ValueError) as exc:  # unreachable, not a key set
        return Check(
            "sign-in",
            "fail",
            f"cannot fetch Clerk's key set: {_first_line(exc)}",
            "check ALEX_CLERK_JWKS_URL and that this host reaches it",
        )
    return Check("sign-in", "pass", f"Clerk's key set has {len(keys)} key(s)")


def check_prices(settings: Settings) -> Check:
    from alex.prices import ProviderConfigError, make_provider
    from alex.prices.base import Quote, QuoteError

    try:
        provider = make_provider(settings)
    except ProviderConfigError as exc:
        return Check("prices", "fail", exc.message, "set the provider's API key")
    if not provider.configured:
        return Check("prices", "skip", "no price provider configured (ALEX_PRICE_PROVIDER=none)")

    async def one_quote() -> Any:
        async for result in provider.quotes(["SPY"]):
            return result
        return None

    try:
        result = asyncio.run(one_quote())
    except ProviderConfigError as exc:
        return Check("prices", "fail", exc.message, "check the provider's API key")
    if not isinstance(result, Quote):
        detail = result.message if isinstance(result, QuoteError) else "no answer"
        return Check(
            "prices",
            "fail",
            f"{settings.price_provider} did not price SPY: {detail}",
            "check the API key, the plan's limits and that this host reaches the provider",
        )
    return Check("prices", "pass", f"{settings.price_provider} priced SPY")


# --------------------------------------------------------------------------- models


Completion = Callable[..., Any]


def _trap_fix(model_id: str, exc: BaseException, settings: Settings) -> str:
    import httpx
    import openai

    from alex.agents.transient import error_chain, provider_status

    chain = error_chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    status = provider_status(exc)
    unreachable = (httpx.ConnectError, httpx.ConnectTimeout, ConnectionError)
    # The OpenAI SDK's own connection error, not LiteLLM's class of the same name (which it
    # also uses for a Bedrock 403).
    if any(
        isinstance(e, unreachable)
        or (isinstance(e, openai.APIConnectionError) and type(e).__module__.startswith("openai"))
        for e in chain
    ):
        status = None
    if "inference profile" in text:
        bare = model_id.removeprefix("bedrock/")
        return (
            f"use the cross-region inference profile id, e.g. ALEX_MODEL=bedrock/us.{bare} "
            "(eu. or apac. outside the US)"
        )
    if model_id.startswith("bedrock/") and status == 403:
        return (
            f"enable the model in the Bedrock console (Model access) in {settings.bedrock_region}, "
            "and allow bedrock:InvokeModel on it (and its inference profile) for this role"
        )
    if status == 401:
        return "check ALEX_MODEL_API_KEY (or the provider's own key variable)"
    if status == 404:
        return "check the model id: the provider does not know it"
    if status is None:
        return "check that this host reaches the provider (ALEX_MODEL_BASE_URL, network, proxy)"
    return "see the provider's message above; `docs/models.md` lists working examples"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


async def _probe(
    model_id: str, settings: Settings, completion: Completion, **request: Any
) -> tuple[Any, BaseException | None]:
    try:
        response = await asyncio.wait_for(
            completion(
                model=model_id,
                max_tokens=200,
                num_retries=0,
                **provider_kwargs(model_id, settings),
                **request,
            ),
            timeout=PROBE_TIMEOUT_SECONDS,
        )
    except Exception as exc:  # every failure is the answer this probe reports
        return None, exc
    return response, None


async def _check_model(
    model_id: str, agents: list[str], settings: Settings, completion: Completion
) -> list[Check]:
    name = f"model {model_id} ({', '.join(agents)})"
    hello, error = await _probe(
        model_id,
        settings,
        completion,
        messages=[{"role": "user", "content": "Reply with the single word OK."}],
    )
    if error is not None:
        return [Check(name, "fail", _first_line(error), _trap_fix(model_id, error, settings))]
    usage = getattr(hello, "usage", None)
    tokens = getattr(usage, "total_tokens", None)
    checks = [Check(name, "pass", f"answered a tiny request ({tokens or '?'} tokens)")]
    if any(agent in TOOL_AGENTS for agent in agents):
        response, error = await _probe(
            model_id,
            settings,
            completion,
            messages=[
                {"role": "system", "content": "Use the tool to answer."},
                {"role": "user", "content": "What is my portfolio worth?"},
            ],
            tools=[_PROBE_TOOL],
        )
        calls = response.choices[0].message.tool_calls if response is not None else None
        if error is not None or not calls:
            why = _first_line(error) if error is not None else "it answered without calling it"
            checks.append(
                Check(
                    f"{name}: tool calling",
                    "fail",
                    f"cannot call tools ({why})",
                    "the reporter, retirement, planner and researcher agents need tools: choose "
                    "a model that calls them for those agents (ALEX_MODEL_REPORTER, …)",
                )
            )
        else:
            checks.append(Check(f"{name}: tool calling", "pass", "called the probe tool"))
    if any(agent in STRUCTURED_AGENTS for agent in agents):
        response, error = await _probe(
            model_id,
            settings,
            completion,
            # The field is named only in the schema: a server that ignores the schema fails.
            messages=[{"role": "user", "content": "How many days are in a week?"}],
            response_format=_PROBE_SCHEMA,
        )
        content = response.choices[0].message.content if response is not None else None
        valid = False
        if content:
            try:
                valid = isinstance(json.loads(content).get("n"), int)
            except (json.JSONDecodeError, AttributeError):
                valid = False
        if error is not None or not valid:
            why = _first_line(error) if error is not None else f"it answered {content!r:.80}"
            checks.append(
                Check(
                    f"{name}: structured output",
                    "fail",
                    f"no valid JSON for a schema ({why})",
                    "the tagger, charter and researcher need JSON answers: choose another model "
                    "for them (ALEX_MODEL_TAGGER, ALEX_MODEL_CHARTER, ALEX_MODEL_RESEARCHER)",
                )
            )
        else:
            checks.append(Check(f"{name}: structured output", "pass", "answered the schema"))
    return checks


def check_models(settings: Settings, completion: Completion | None = None) -> list[Check]:
    from alex.agents.model_ids import check_models as model_id_problems

    problems = model_id_problems(settings)
    if problems:
        return [Check("model", "fail", p, "see docs/models.md for ids") for p in problems]
    by_model: dict[str, list[str]] = {}
    for agent in MODEL_AGENTS:
        by_model.setdefault(settings.model_for(agent), []).append(agent)
    checks: list[Check] = []
    for model_id, agents in by_model.items():
        if is_offline(model_id):
            checks.append(
                Check(
                    f"model offline ({', '.join(agents)})",
                    "pass",
                    "the offline analyst: deterministic, no network needed",
                )
            )
            continue
        if completion is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            completion = litellm.acompletion
        checks.extend(asyncio.run(_check_model(model_id, agents, settings, completion)))
    return checks


def check_knowledge(settings: Settings) -> Check:
    """The embedder answers, the vector store is reachable, and every passage has a vector of
    this embedder (after changing ALEX_EMBEDDING_MODEL they don't until a reindex)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from sqlalchemy.exc import SQLAlchemyError

    from alex.db.session import engine_for
    from alex.knowledge.base import EmbeddingError
    from alex.knowledge.factory import knowledge_base

    where = f"{settings.embedding_model} embeddings, {settings.vector_store} store"
    try:
        kb = knowledge_base(settings, engine_for(settings.resolved_database_url))
        kb.embedder.embed_query("bond duration")
        stats = kb.stats()
    except EmbeddingError as exc:
        return Check("knowledge", "fail", f"{where}: {exc}", "see docs/knowledge.md")
    except (SQLAlchemyError, BotoCoreError, ClientError, RuntimeError, ValueError) as exc:
        return Check("knowledge", "fail", f"{where}: {_first_line(exc)}", "see docs/knowledge.md")
    if stats["documents"] == 0:
        return Check(
            "knowledge",
            "fail",
            f"{where}: the knowledge base is empty, so reports cite nothing",
            "run `alex db seed` (it adds the starter notes)",
        )
    if stats["vectors"] < stats["passages"]:
        missing = stats["passages"] - stats["vectors"]
        return Check(
            "knowledge",
            "fail",
            f"{where}: {missing} of {stats['passages']} passages have no {kb.embedder.name} vector",
            "run `alex knowledge reindex`",
        )
    return Check(
        "knowledge",
        "pass",
        f"{where}: {stats['documents']} documents, {stats['passages']} passages, all embedded",
    )


def run_checks(settings: Settings) -> list[Check]:
    return [
        check_database(settings),
        check_queue(settings),
        check_auth(settings),
        check_prices(settings),
        check_knowledge(settings),
        *check_models(settings),
    ]
