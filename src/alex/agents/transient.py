"""What an agent's failure means: may it pass if tried again, and what do we tell the user.

Transient: timeouts, lost connections, rate limits and the provider's own server errors,
recognised by the exception types the model clients raise (LiteLLM's errors subclass
OpenAI's; Bedrock's come through LiteLLM or botocore). A section that failed only for such
reasons makes the job retry instead of fail.

Permanent: anything the provider answered with a 4xx other than 408/409/429 — a wrong key, a
model the account may not use, a request it rejects — however the client wrapped it (LiteLLM
reports a Bedrock 403 as an `APIConnectionError`; the provider's own status is found in the
exception's cause chain). Such an error is never retried, by the runner or by the queue.

Users see a plain sentence (`plain_reason`); operators get the provider's text in the log
(`detail`)."""

from __future__ import annotations

import json

import httpx
import openai
from agents.exceptions import ModelBehaviorError
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from sqlalchemy.exc import OperationalError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,  # asyncio's deadline on an agent run, and socket timeouts
    ConnectionError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    openai.RateLimitError,
    openai.InternalServerError,
    httpx.TimeoutException,
    httpx.NetworkError,
    BotoConnectionError,
    HTTPClientError,
    OperationalError,  # the database went away mid-call
)
# Error codes AWS answers with when it is busy rather than when the request is wrong.
AWS_RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ModelTimeoutException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
    }
)
RETRYABLE_4XX = frozenset({408, 409, 429})
_AWS_STATUS = {
    "AccessDeniedException": 403,
    "UnrecognizedClientException": 403,
    "ValidationException": 400,
    "ResourceNotFoundException": 404,
}


def error_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or while handling, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def provider_status(exc: BaseException) -> int | None:
    """The HTTP status the provider itself answered with: the innermost one in the cause
    chain (a client's wrapper may carry a status of its own choosing)."""
    found: int | None = None
    for error in error_chain(exc):
        status: int | None = None
        if isinstance(error, httpx.HTTPStatusError):
            status = error.response.status_code
        elif isinstance(error, openai.APIStatusError):
            status = error.status_code
        elif isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            status = _AWS_STATUS.get(code) or error.response.get("ResponseMetadata", {}).get(
                "HTTPStatusCode"
            )
        elif isinstance(getattr(error, "status_code", None), int) and type(
            error
        ).__module__.startswith("litellm.llms"):
            status = error.status_code  # type: ignore[attr-defined]
        if status is not None:
            found = status
    return found


def is_garbled(exc: BaseException) -> bool:
    """The provider's answer could not be read (a truncated body): LiteLLM reports it as a
    4xx of its own, but asking again is the remedy."""
    return any(isinstance(error, json.JSONDecodeError) for error in error_chain(exc))


def _aws_retryable(exc: BaseException) -> bool:
    """AWS says "busy" with an error code, whatever HTTP status carries it (often 400)."""
    return is_garbled(exc) or any(
        isinstance(error, ClientError)
        and error.response.get("Error", {}).get("Code") in AWS_RETRYABLE_CODES
        for error in error_chain(exc)
    )


def is_permanent(exc: BaseException) -> bool:
    """True for a request the provider refused and would refuse again."""
    if _aws_retryable(exc):
        return False
    status = provider_status(exc)
    return status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX


def is_transient(exc: BaseException) -> bool:
    if _aws_retryable(exc):
        return True
    if is_permanent(exc):
        return False
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    if isinstance(exc, openai.APIStatusError):  # e.g. LiteLLM's 503 ServiceUnavailableError
        return exc.status_code == 429 or exc.status_code >= 500
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in AWS_RETRYABLE_CODES
    return False


def _provider_text(exc: BaseException) -> str:
    return " ".join(str(error) for error in error_chain(exc)).lower()


def plain_reason(exc: BaseException) -> str:
    """What a user is told about an agent that failed: no client names, no provider text (it
    may quote a key or an account id)."""
    if isinstance(exc, TimeoutError | openai.APITimeoutError | httpx.TimeoutException):
        return "the agent did not finish within its time limit"
    if isinstance(exc, ModelBehaviorError):
        return "the AI model's answer was not in the form Alex asked for"
    status = provider_status(exc)
    if status == 401:
        return (
            "the AI model provider did not accept Alex's credentials; an operator needs to "
            "check the model's API key or AWS access"
        )
    if status == 403:
        return (
            "the AI model provider refused access to the configured model; an operator needs "
            "to enable the model for this account and region"
        )
    if status == 404:
        return "the configured AI model was not found; an operator needs to check the model id"
    if status is not None and status in (400, 422) and "inference profile" in _provider_text(exc):
        return (
            "this Bedrock model can only be called through a cross-region inference profile; "
            "an operator needs to use its geography-prefixed id (e.g. us.amazon.nova-pro-v1:0)"
        )
    if status == 429 or isinstance(exc, openai.RateLimitError) or _aws_retryable(exc):
        return "the AI model provider was too busy and did not answer after several retries"
    if status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
        return (
            "the AI model provider rejected the request; an operator needs to check the model "
            "settings (`alex doctor` tells what is wrong)"
        )
    if is_transient(exc):
        return "the AI model provider could not be reached or failed; try again later"
    return "an unexpected error stopped this agent (the details are in the server log)"


def detail(exc: BaseException) -> str:
    """The error as an operator needs it (first line of each exception in the chain)."""
    parts = []
    for error in error_chain(exc)[:3]:
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        parts.append(f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__)
    return " <- ".join(parts)
