"""A PEP 249 driver for Aurora PostgreSQL through the RDS Data API (boto3's `rds-data`).

Why not `sqlalchemy-aurora-data-api` 0.5.0 (with `aurora-data-api` 0.5.0; read from their
wheels and run against tests/standins/rds_data.py): it loads under SQLAlchemy 2, and simple
repository reads and writes work, but it does not fit our errors or our columns:
- a unique violation comes back as a plain DatabaseError (its PostgreSQL error parser only
  matches messages that carry a `Position:`), so the repository's IntegrityError handling
  never fires; StatementTimeoutException, UnsupportedResultException and every error of
  Begin/Commit/Rollback escape as raw botocore exceptions SQLAlchemy cannot wrap;
- timestamps are bound without their zone and truncated to milliseconds (12:00:00.123456+05:00
  is stored as 12:00:00.123), and `timestamptz` is read back naive;
- a paused Serverless cluster's DatabaseResumingException is not waited out (we run at
  minimum capacity 0), the ARNs come from connect_args or environment variables rather than
  the URL, and it declares threadsafety 0 with a boto3 client created per connection.
The driver here is small, typed, and tested against the stand-in.

Module globals, connect() and the exception classes are PEP 249's; paramstyle is `named`
(`:name`), the Data API's own. `Json` marks a parameter as a JSON document (typeHint JSON)."""

from __future__ import annotations

import datetime as _datetime

from alex.db.dataapi.connection import Connection, Cursor, connect
from alex.db.dataapi.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from alex.db.dataapi.values import Json

apilevel = "2.0"
# Threads may share the module and its boto3 clients, not connections.
threadsafety = 1
paramstyle = "named"

Date = _datetime.date
Time = _datetime.time
Timestamp = _datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _datetime.date:  # noqa: N802 (PEP 249's name)
    return _datetime.date.fromtimestamp(ticks)


def TimeFromTicks(ticks: float) -> _datetime.time:  # noqa: N802
    return _datetime.datetime.fromtimestamp(ticks).time()


def TimestampFromTicks(ticks: float) -> _datetime.datetime:  # noqa: N802
    return _datetime.datetime.fromtimestamp(ticks)


class _TypeObject:
    """Compares equal to the `typeName`s (cursor.description's type codes) of one family."""

    def __init__(self, *names: str) -> None:
        self.names = frozenset(names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.lower() in self.names

    def __hash__(self) -> int:
        return hash(self.names)


STRING = _TypeObject("text", "varchar", "bpchar", "char", "name", "json", "jsonb", "uuid")
BINARY = _TypeObject("bytea")
NUMBER = _TypeObject("int2", "int4", "int8", "serial", "bigserial", "float4", "float8", "numeric")
DATETIME = _TypeObject("date", "time", "timestamp", "timestamptz")
ROWID = _TypeObject("oid")

__all__: list[str] = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "Json",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]
