"""Domain errors: values the caller can act on. The API maps each to one HTTP status in a
single handler; the worker lets them propagate so the queue can retry."""

from __future__ import annotations


class AlexError(Exception):
    """Base for every error Alex raises on purpose."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(AlexError):
    status_code = 404


class ForbiddenError(AlexError):
    status_code = 403


class ConflictError(AlexError):
    status_code = 409


class ValidationFailedError(AlexError):
    status_code = 422


class AuthenticationError(AlexError):
    status_code = 401


class RateLimitedError(AlexError):
    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
