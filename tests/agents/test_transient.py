"""Which agent failures make the job retry (transient) and which fail it: by exception type,
so an error whose class name merely contains 'Timeout' or 'RateLimit' is not mistaken."""

from __future__ import annotations

import httpx
import openai
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from sqlalchemy.exc import IntegrityError, OperationalError

from alex.agents.transient import is_transient

REQUEST = httpx.Request("POST", "https://api.example/v1/chat/completions")


def status(code: int) -> httpx.Response:
    return httpx.Response(code, request=REQUEST)


def aws(code: str, http_status: int = 400) -> ClientError:
    # With the HTTP status AWS sends them with: busy errors often come as a 400.
    return ClientError(
        {
            "Error": {"Code": code, "Message": "..."},
            "ResponseMetadata": {"HTTPStatusCode": http_status},
        },
        "InvokeModel",
    )


class RateLimitTableError(Exception):
    """A bug in our own code that happens to have a suggestive name."""


TRANSIENT = {
    "asyncio deadline": TimeoutError(),
    "connection refused": ConnectionRefusedError(),
    "OpenAI timeout": openai.APITimeoutError(request=REQUEST),
    "OpenAI connection": openai.APIConnectionError(request=REQUEST),
    "OpenAI 429": openai.RateLimitError("slow down", response=status(429), body=None),
    "OpenAI 500": openai.InternalServerError("oops", response=status(500), body=None),
    "a 503 (LiteLLM's ServiceUnavailableError)": openai.APIStatusError(
        "unavailable", response=status(503), body=None
    ),
    "httpx read timeout": httpx.ReadTimeout("slow", request=REQUEST),
    "httpx connect error": httpx.ConnectError("refused", request=REQUEST),
    "botocore endpoint": EndpointConnectionError(endpoint_url="https://bedrock.example"),
    "botocore read timeout": ReadTimeoutError(endpoint_url="https://bedrock.example"),
    "Bedrock throttling": aws("ThrottlingException"),
    "Bedrock model timeout": aws("ModelTimeoutException", 408),
    "Bedrock not ready": aws("ModelNotReadyException", 429),
    "database gone": OperationalError("SELECT 1", {}, Exception("server closed")),
}
DEFINITIVE = {
    "our own bug": ValueError("bad"),
    "a suggestive name": RateLimitTableError(),
    "OpenAI 400": openai.BadRequestError("bad request", response=status(400), body=None),
    "OpenAI 401": openai.AuthenticationError("bad key", response=status(401), body=None),
    "Bedrock validation": aws("ValidationException"),
    "Bedrock access denied": aws("AccessDeniedException", 403),
    "a constraint": IntegrityError("INSERT", {}, Exception("duplicate")),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", DEFINITIVE.values(), ids=DEFINITIVE.keys())
def test_definitive(error: BaseException) -> None:
    assert not is_transient(error)


def test_litellm_errors_are_recognised_through_openai_classes() -> None:
    litellm = pytest.importorskip("litellm")
    assert is_transient(litellm.RateLimitError("slow down", "openai", "gpt-x"))
    assert is_transient(litellm.Timeout("late", "gpt-x", "openai"))
    assert not is_transient(litellm.BadRequestError("bad", "gpt-x", "openai"))


def test_a_permanent_refusal_reads_plainly_and_a_busy_provider_too() -> None:
    from alex.agents.transient import is_permanent, plain_reason

    denied = aws("AccessDeniedException", 403)
    assert is_permanent(denied) and "enable the model" in plain_reason(denied)
    throttled = aws("ThrottlingException", 400)
    assert not is_permanent(throttled) and "too busy" in plain_reason(throttled)
    conflict = openai.APIStatusError("conflict", response=status(409), body=None)
    assert not is_permanent(conflict) and "check the model" not in plain_reason(conflict)
