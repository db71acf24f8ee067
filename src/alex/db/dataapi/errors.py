"""PEP 249's exception classes, and the Data API's errors mapped onto them.

A SQL error reaches us as a `DatabaseErrorException` (or, from older clusters, a
`BadRequestException`) whose message ends with `SQLState: <code>`: the class follows the
SQLSTATE as psycopg's does, so `23505` is an IntegrityError (the repository's conflict
handling keys on it) and `40001`/`40P01` are OperationalErrors a caller may retry. The
service's own refusals (limits, a lost transaction, a paused cluster, credentials) become
OperationalError or NotSupportedError with a message that says which limit was hit."""

from __future__ import annotations

import re
from typing import Any


class Warning(Exception):  # noqa: N818 (PEP 249's name)
    pass


class Error(Exception):
    """Every error this module raises. `sqlstate` is PostgreSQL's code when the database raised
    it; `code` is the Data API's error type when the service did."""

    def __init__(self, message: str, *, sqlstate: str | None = None, code: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate
        self.code = code


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


# PostgreSQL's SQLSTATE classes (the first two characters, else the first) to PEP 249 classes.
_BY_SQLSTATE_CLASS: dict[str, type[DatabaseError]] = {
    "08": OperationalError,
    "0A": NotSupportedError,
    "20": ProgrammingError,
    "21": ProgrammingError,
    "22": DataError,
    "23": IntegrityError,
    "24": InternalError,
    "25": InternalError,
    "26": ProgrammingError,
    "27": OperationalError,
    "28": OperationalError,
    "2B": InternalError,
    "2D": InternalError,
    "2F": OperationalError,
    "34": ProgrammingError,
    "38": OperationalError,
    "39": OperationalError,
    "3B": OperationalError,
    "3D": ProgrammingError,
    "3F": ProgrammingError,
    "40": OperationalError,
    "42": ProgrammingError,
    "44": ProgrammingError,
    "53": OperationalError,
    "54": OperationalError,
    "55": OperationalError,
    "57": OperationalError,
    "58": OperationalError,
    "F": OperationalError,
    "H": OperationalError,
    "P": ProgrammingError,
    "X": InternalError,
}

_SQLSTATE = re.compile(r"SQLState: ([0-9A-Z]{5})")
_TOO_LARGE = re.compile(r"response size limit|size limit|too large", re.IGNORECASE)

# The service's own error types: what the caller can do about each.
_SERVICE_ERRORS: dict[str, tuple[type[DatabaseError], str]] = {
    "StatementTimeoutException": (
        OperationalError,
        "the statement ran past the Data API's 45 s limit (continue_after_timeout=true lets a "
        "statement outside a transaction finish on the server)",
    ),
    "TransactionNotFoundException": (
        OperationalError,
        "the Data API no longer knows the transaction: it was idle for more than 3 minutes, "
        "ran for more than 24 hours, or was ended; it was rolled back",
    ),
    "DatabaseResumingException": (
        OperationalError,
        "the Aurora cluster is resuming from a pause and did not come up in time",
    ),
    "DatabaseUnavailableException": (OperationalError, "the database is unavailable"),
    "ServiceUnavailableError": (OperationalError, "the Data API is unavailable"),
    "InternalServerErrorException": (OperationalError, "the Data API failed internally"),
    "ThrottlingException": (OperationalError, "the Data API throttled the request"),
    "UnsupportedResultException": (
        NotSupportedError,
        "the Data API cannot return this result: a column of a type it does not support "
        "(cast it to text), a multidimensional array, or more than 1 MiB (64 KB per row); "
        "select fewer rows or columns",
    ),
    "AccessDeniedException": (OperationalError, "access to the Data API was denied"),
    "ForbiddenException": (OperationalError, "the Data API refused the credentials"),
    "InvalidSecretException": (OperationalError, "the database secret is not valid"),
    "SecretsErrorException": (OperationalError, "the database secret could not be read"),
    "HttpEndpointNotEnabledException": (
        OperationalError,
        "the Data API is not enabled on this cluster",
    ),
    "DatabaseNotFoundException": (OperationalError, "the cluster or database was not found"),
    "InvalidResourceStateException": (OperationalError, "the cluster is not available"),
    "NotFoundException": (OperationalError, "the resource was not found"),
}


def from_service_error(code: str, message: str) -> DatabaseError:
    """The PEP 249 error for a Data API error response (`code` is its `__type`)."""
    found = _SQLSTATE.search(message)
    if found is not None:
        sqlstate = found.group(1)
        kind = (
            _BY_SQLSTATE_CLASS.get(sqlstate[:2])
            or _BY_SQLSTATE_CLASS.get(sqlstate[:1])
            or DatabaseError
        )
        return kind(message, sqlstate=sqlstate, code=code)
    if code in _SERVICE_ERRORS:
        kind, meaning = _SERVICE_ERRORS[code]
        return kind(f"{meaning} ({code}: {message})", code=code)
    if _TOO_LARGE.search(message):
        kind, meaning = _SERVICE_ERRORS["UnsupportedResultException"]
        return kind(f"{meaning} ({code}: {message})", code=code)
    if code in ("DatabaseErrorException", "BadRequestException", "ValidationException"):
        return ProgrammingError(f"{code}: {message}", code=code)
    return DatabaseError(f"{code}: {message}", code=code)


def describe(error: Any) -> tuple[str, str]:
    """The error type and message of a botocore ClientError."""
    details = error.response.get("Error", {})
    return str(details.get("Code", "")), str(details.get("Message", ""))
