"""Which failures of an agent may pass if the job is tried again: timeouts, lost connections,
rate limits and the provider's own server errors, recognised by the exception types the model
clients raise (LiteLLM's errors subclass OpenAI's; Bedrock's come through LiteLLM or botocore).
A section that failed only for such reasons makes the job retry instead of fail."""

from __future__ import annotations

import httpx
import openai
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
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
    }
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    if isinstance(exc, openai.APIStatusError):  # e.g. LiteLLM's 503 ServiceUnavailableError
        return exc.status_code == 429 or exc.status_code >= 500
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in AWS_RETRYABLE_CODES
    return False
