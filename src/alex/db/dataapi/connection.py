"""Connection and Cursor over boto3's `rds-data` client.

A connection holds no socket of its own: every statement is one HTTPS call. Outside
autocommit, the first statement after a commit or rollback calls BeginTransaction and every
statement until then carries its `transactionId`, so a SQLAlchemy transaction is a database
transaction (savepoints included: they are plain SQL inside it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from alex.db.dataapi import errors
from alex.db.dataapi.errors import (
    Error,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from alex.db.dataapi.values import from_field, to_parameters

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient
    from mypy_boto3_rds_data.type_defs import (
        BatchExecuteStatementRequestTypeDef,
        BeginTransactionRequestTypeDef,
        ColumnMetadataTypeDef,
        ExecuteStatementRequestTypeDef,
        ExecuteStatementResponseTypeDef,
        SqlParameterTypeDef,
    )

T = TypeVar("T")
# PEP 249's column description: name, type code (the PostgreSQL type name), display size,
# internal size, precision, scale, null_ok.
Column = tuple[str, str, None, None, int | None, int | None, bool | None]

# The service refuses a statement longer than this (SqlStatement's maximum in its model).
MAX_SQL_CHARS = 65_536
# BatchExecuteStatement takes at most 4 MiB of request; parameter sets are sent in chunks
# that leave room for the statement, the headers and the JSON around them.
BATCH_PAYLOAD_BYTES = 3 * 1024 * 1024
# A paused Aurora Serverless cluster answers DatabaseResumingException while it starts
# (typically 15-30 s); the request was not run, so it is safe to send again.
DEFAULT_RESUME_TIMEOUT = 60.0

_ISOLATION_STATEMENTS = {
    "READ UNCOMMITTED": "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
    "READ COMMITTED": "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "REPEATABLE READ": "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
    "SERIALIZABLE": "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
}

_clients: dict[tuple[str | None, str | None], RDSDataServiceClient] = {}
_clients_lock = threading.Lock()


def client_for(region_name: str | None, endpoint_url: str | None) -> RDSDataServiceClient:
    """One boto3 client per region and endpoint, shared by every connection (boto3 clients are
    thread-safe; creating one costs tens of milliseconds and its own connection pool)."""
    key = (region_name, endpoint_url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                # No automatic retries: a statement whose answer was lost may have run, and
                # sending it again would run it twice. Resuming clusters are retried below.
                retries={"total_max_attempts": 1, "mode": "standard"},
                # Above the service's 45 s statement limit, so its timeout error arrives first.
                read_timeout=70,
                connect_timeout=10,
                # As many HTTP connections as the engine's pool may hand out connections.
                max_pool_connections=32,
                # The service validates every request itself; checking each parameter here too
                # cost half the client's time on a 33k-row reference load.
                parameter_validation=False,
            )
            client = boto3.session.Session().client(
                "rds-data", region_name=region_name, endpoint_url=endpoint_url, config=config
            )
            _clients[key] = client
        return client


def region_of(arn: str) -> str | None:
    """The region field of an ARN (`arn:aws:rds:<region>:<account>:cluster:<name>`)."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def connect(
    *,
    resource_arn: str,
    secret_arn: str,
    database: str | None = None,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    continue_after_timeout: bool = False,
    resume_timeout: float = DEFAULT_RESUME_TIMEOUT,
    client: RDSDataServiceClient | None = None,
) -> Connection:
    """A connection to the Aurora cluster `resource_arn` as the user in `secret_arn`. The region
    defaults to the cluster ARN's; `endpoint_url` points boto3 elsewhere (a stand-in)."""
    if not resource_arn or not secret_arn:
        raise InterfaceError("the Data API needs both the cluster ARN and the secret ARN")
    if client is None:
        client = client_for(region_name or region_of(resource_arn), endpoint_url or None)
    return Connection(
        client,
        resource_arn=resource_arn,
        secret_arn=secret_arn,
        database=database or None,
        continue_after_timeout=continue_after_timeout,
        resume_timeout=resume_timeout,
    )


class Connection:
    def __init__(
        self,
        client: RDSDataServiceClient,
        *,
        resource_arn: str,
        secret_arn: str,
        database: str | None,
        continue_after_timeout: bool,
        resume_timeout: float,
    ) -> None:
        self.client = client
        self.resource_arn = resource_arn
        self.secret_arn = secret_arn
        self.database = database
        self.continue_after_timeout = continue_after_timeout
        self.resume_timeout = resume_timeout
        # One of _ISOLATION_STATEMENTS' keys, set as each transaction begins; None keeps the
        # cluster's default (and costs no statement).
        self.isolation_level: str | None = None
        self._autocommit = False
        self._transaction_id: str | None = None
        self._closed = False

    # --- PEP 249 ---

    def cursor(self) -> Cursor:
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        self._check_open()
        transaction_id, self._transaction_id = self._transaction_id, None
        if transaction_id is not None:
            self.call(
                lambda: self.client.commit_transaction(
                    resourceArn=self.resource_arn,
                    secretArn=self.secret_arn,
                    transactionId=transaction_id,
                )
            )

    def rollback(self) -> None:
        self._check_open()
        transaction_id, self._transaction_id = self._transaction_id, None
        if transaction_id is None:
            return
        try:
            self.call(
                lambda: self.client.rollback_transaction(
                    resourceArn=self.resource_arn,
                    secretArn=self.secret_arn,
                    transactionId=transaction_id,
                )
            )
        except OperationalError as exc:
            # A transaction the service has already dropped was rolled back by it.
            if exc.code != "TransactionNotFoundException":
                raise

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.rollback()
        finally:
            self._closed = True

    # --- extensions ---

    @property
    def autocommit(self) -> bool:
        """True: each statement commits on its own (no BeginTransaction)."""
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        if self._transaction_id is not None:
            raise ProgrammingError("cannot change autocommit inside a transaction")
        self._autocommit = value

    @property
    def transaction_id(self) -> str | None:
        return self._transaction_id

    @property
    def closed(self) -> bool:
        return self._closed

    def set_isolation_level(self, level: str | None) -> None:
        if level is not None and level not in _ISOLATION_STATEMENTS:
            raise ProgrammingError(f"unknown isolation level {level!r}")
        if self._transaction_id is not None:
            raise ProgrammingError("cannot change the isolation level inside a transaction")
        self.isolation_level = level

    def transaction(self) -> str | None:
        """The transaction the next statement belongs to, begun now if needed (None when in
        autocommit)."""
        self._check_open()
        if self._autocommit or self._transaction_id is not None:
            return self._transaction_id
        request: BeginTransactionRequestTypeDef = {
            "resourceArn": self.resource_arn,
            "secretArn": self.secret_arn,
        }
        if self.database:
            request["database"] = self.database
        response = self.call(partial(self.client.begin_transaction, **request))
        self._transaction_id = response["transactionId"]
        if self.isolation_level is not None:
            self.cursor().execute(_ISOLATION_STATEMENTS[self.isolation_level])
        return self._transaction_id

    def call(self, send: Callable[[], T]) -> T:
        """Send one request; map the service's errors to PEP 249's and wait out a resume."""
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + self.resume_timeout
        delay = 0.5
        while True:
            try:
                return send()
            except ClientError as exc:
                code, message = errors.describe(exc)
                if code == "DatabaseResumingException" and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                raise errors.from_service_error(code, message) from exc
            except BotoCoreError as exc:
                raise OperationalError(f"could not reach the Data API: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the connection is closed")


class Cursor:
    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: tuple[Column, ...] | None = None
        self.rowcount = -1
        self.lastrowid = None
        self._rows: list[tuple[Any, ...]] = []
        self._position = 0
        self._closed = False

    def execute(self, operation: str, parameters: Mapping[str, Any] | None = None) -> Cursor:
        self._start(operation)
        connection = self.connection
        request: ExecuteStatementRequestTypeDef = {
            "resourceArn": connection.resource_arn,
            "secretArn": connection.secret_arn,
            "sql": operation,
            # Column types are what turn NUMERIC, timestamp and UUID strings back into values.
            "includeResultMetadata": True,
            # Exact decimals and 64-bit integers, whatever the service's defaults become. Records
            # stay typed (formatRecordsAs NONE): the JSON form drops the column types.
            "resultSetOptions": {"decimalReturnType": "STRING", "longReturnType": "LONG"},
        }
        if connection.database:
            request["database"] = connection.database
        if parameters:
            request["parameters"] = to_parameters(parameters)
        if connection.continue_after_timeout:
            request["continueAfterTimeout"] = True
        transaction_id = connection.transaction()
        if transaction_id is not None:
            request["transactionId"] = transaction_id
        response = connection.call(partial(connection.client.execute_statement, **request))
        self._load(response)
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Mapping[str, Any]]) -> Cursor:
        """BatchExecuteStatement: one call per ~3 MiB of parameter sets. The service reports no
        row counts for a batch, so `rowcount` is -1."""
        self._start(operation)
        sets = [to_parameters(parameters) for parameters in seq_of_parameters]
        if not sets:
            self.rowcount = 0
            return self
        connection = self.connection
        transaction_id = connection.transaction()
        for chunk in _chunks(sets, BATCH_PAYLOAD_BYTES):
            request: BatchExecuteStatementRequestTypeDef = {
                "resourceArn": connection.resource_arn,
                "secretArn": connection.secret_arn,
                "sql": operation,
                "parameterSets": chunk,
            }
            if connection.database:
                request["database"] = connection.database
            if transaction_id is not None:
                request["transactionId"] = transaction_id
            connection.call(partial(connection.client.batch_execute_statement, **request))
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        self._check_result()
        if self._position >= len(self._rows):
            return None
        self._position += 1
        return self._rows[self._position - 1]

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        self._check_result()
        end = self._position + (self.arraysize if size is None else size)
        rows = self._rows[self._position : end]
        self._position += len(rows)
        return rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        self._check_result()
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        self._closed = True
        self._rows = []

    def setinputsizes(self, sizes: object) -> None:
        pass

    def setoutputsize(self, size: object, column: object = None) -> None:
        pass

    # --- internals ---

    def _start(self, operation: str) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if len(operation) > MAX_SQL_CHARS:
            raise ProgrammingError(
                f"the statement is {len(operation):,} characters; the Data API takes at most "
                f"{MAX_SQL_CHARS:,}"
            )
        self.description = None
        self.rowcount = -1
        self._rows = []
        self._position = 0

    def _load(self, response: ExecuteStatementResponseTypeDef) -> None:
        if "formattedRecords" in response:
            raise NotSupportedError("the Data API answered with JSON-formatted records")
        metadata: list[ColumnMetadataTypeDef] | None = response.get("columnMetadata")
        updated = response.get("numberOfRecordsUpdated", 0)
        # A statement without a result set (an INSERT, DDL) has no columns to describe.
        if not metadata and not response.get("records"):
            self.rowcount = updated
            return
        columns = metadata or []
        types = [column.get("typeName", "") for column in columns]
        self.description = tuple(
            (
                column.get("label") or column.get("name", ""),
                column.get("typeName", ""),
                None,
                None,
                column.get("precision"),
                column.get("scale"),
                # JDBC's isNullable: 0 no nulls, 1 nullable, 2 unknown.
                {0: False, 1: True}.get(column.get("nullable", 2)),
            )
            for column in columns
        )
        self._rows = [
            tuple(from_field(field, kind) for field, kind in zip(record, types, strict=True))
            for record in response.get("records", [])
        ]
        # A SELECT reports 0 updated; an UPDATE … RETURNING reports what it changed.
        self.rowcount = updated or len(self._rows)

    def _check_result(self) -> None:
        if self.description is None:
            raise ProgrammingError("the last statement returned no rows to fetch")


def _chunks(
    sets: list[list[SqlParameterTypeDef]], limit: int
) -> Iterator[list[list[SqlParameterTypeDef]]]:
    chunk: list[list[SqlParameterTypeDef]] = []
    size = 0
    for parameter_set in sets:
        cost = sum(_size(parameter) for parameter in parameter_set)
        if chunk and size + cost > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(parameter_set)
        size += cost
    if chunk:
        yield chunk


def _size(parameter: SqlParameterTypeDef) -> int:
    """The bytes one parameter takes in the request's JSON, give or take its punctuation
    (the chunk budget leaves a quarter of the limit for that)."""
    value = next(iter(parameter.get("value", {}).values()), None)
    if isinstance(value, bytes):
        encoded = len(value) * 4 // 3  # base64
    elif isinstance(value, str):
        # botocore writes ASCII JSON: anything else becomes a six-character \uXXXX escape.
        encoded = len(value) if value.isascii() else 6 * len(value)
        encoded += value.count('"') + value.count("\\")
    else:
        encoded = 24
    return encoded + len(parameter.get("name", "")) + 40


__all__ = ["Connection", "Cursor", "Error", "client_for", "connect", "region_of"]
