"""An RDS Data API stand-in that runs the SQL it receives on the local PostgreSQL.

It speaks the service's REST-JSON protocol as botocore's model for `rds-data` (2018-08-01)
defines it: `POST /Execute`, `/BatchExecute`, `/BeginTransaction`, `/CommitTransaction`,
`/RollbackTransaction`; request members `resourceArn`, `secretArn`, `database`, `sql`,
`parameters` (`{name, value: Field, typeHint}`), `parameterSets`, `transactionId`,
`includeResultMetadata`, `continueAfterTimeout`, `resultSetOptions`; response members
`records` (lists of `Field` unions), `columnMetadata`, `numberOfRecordsUpdated`,
`generatedFields`, `updateResults`, `transactionId`, `transactionStatus`; errors as a 4xx/5xx
status with `x-amzn-ErrorType` and `{"__type", "message"}`.

What it reproduces of the service's behaviour, because the client must cope with it:
- Parameters are typed as the service types them: a `stringValue` is VARCHAR (so it will not
  go into a NUMERIC, UUID or JSON column without a cast or a `typeHint`), `longValue` BIGINT,
  `doubleValue` DOUBLE PRECISION, `blobValue` BYTEA; a `typeHint` makes the string a NUMERIC,
  TIMESTAMP, DATE, TIME, JSON or UUID, and a TIMESTAMP/DATE/TIME string in another format is
  refused. `:name` placeholders are found outside string literals, quoted identifiers,
  comments and dollar quotes, and `::` casts are left alone.
- Results: booleans, integers and floats typed; NUMERIC, dates, times, UUIDs and JSON as
  strings (TIMESTAMPTZ rendered in UTC without an offset, the fraction trimmed); BYTEA as a
  blob; one-dimensional arrays as `arrayValue`. Types outside the documented list for Aurora
  PostgreSQL (the internal "char", oid, regclass, interval, void …) are refused with
  UnsupportedResultException, as the service refuses them.
- Limits: more than 1 MiB of result data, or a row over 64 KB, is refused; a statement running
  past `statement_timeout` (45 s by default) gets StatementTimeoutException and is cancelled
  unless `continueAfterTimeout`; a transaction unused for `transaction_timeout` (3 minutes) is
  rolled back and its id forgotten; a statement over 65,536 characters is refused.
- A `transactionId` is one held PostgreSQL connection; statements outside a transaction run in
  autocommit on pooled connections, and a batch outside a transaction is atomic. Sessions run
  with TimeZone UTC, Aurora's default.
- Requests without SigV4 signing, with missing ARNs, or with ARNs other than the configured
  cluster and secret are refused; `paused_requests` answers that many requests with
  DatabaseResumingException, as a paused Serverless cluster does.
The wording of error messages is ours except where client libraries match on it (`SQLState:`
at the end of database errors, the response-size message)."""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.string import TextLoader

from tests.standins.server import Recorded, Reply, StandIn

CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:alex-test"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alex-test-db-AbCdEf"

MAX_RESPONSE_BYTES = 1024 * 1024
MAX_ROW_BYTES = 64 * 1024
MAX_SQL_CHARS = 65_536

_OPERATIONS = {
    "/Execute": "ExecuteStatement",
    "/BatchExecute": "BatchExecuteStatement",
    "/BeginTransaction": "BeginTransaction",
    "/CommitTransaction": "CommitTransaction",
    "/RollbackTransaction": "RollbackTransaction",
}
# Members each request may carry (botocore's model), and those it must.
_MEMBERS = {
    "ExecuteStatement": {
        "resourceArn",
        "secretArn",
        "sql",
        "database",
        "schema",
        "parameters",
        "transactionId",
        "includeResultMetadata",
        "continueAfterTimeout",
        "resultSetOptions",
        "formatRecordsAs",
    },
    "BatchExecuteStatement": {
        "resourceArn",
        "secretArn",
        "sql",
        "database",
        "schema",
        "parameterSets",
        "transactionId",
    },
    "BeginTransaction": {"resourceArn", "secretArn", "database", "schema"},
    "CommitTransaction": {"resourceArn", "secretArn", "transactionId"},
    "RollbackTransaction": {"resourceArn", "secretArn", "transactionId"},
}
_REQUIRED = {
    "ExecuteStatement": ("resourceArn", "secretArn", "sql"),
    "BatchExecuteStatement": ("resourceArn", "secretArn", "sql"),
    "BeginTransaction": ("resourceArn", "secretArn"),
    "CommitTransaction": ("resourceArn", "secretArn", "transactionId"),
    "RollbackTransaction": ("resourceArn", "secretArn", "transactionId"),
}

_FIELD_KINDS = ("isNull", "booleanValue", "longValue", "doubleValue", "stringValue", "blobValue")
# The SQL type a parameter has in the database, by its Field member or typeHint.
_PARAMETER_TYPES = {
    "booleanValue": "boolean",
    "longValue": "bigint",
    "doubleValue": "double precision",
    "stringValue": "varchar",
    "blobValue": "bytea",
    "DECIMAL": "numeric",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "TIME": "time",
    "JSON": "json",
    "UUID": "uuid",
}
_HINT_FORMATS = {
    "TIMESTAMP": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?"),
    "DATE": re.compile(r"\d{4}-\d\d-\d\d"),
    "TIME": re.compile(r"\d\d:\d\d:\d\d(\.\d{1,9})?"),
}

# Aurora PostgreSQL types the Data API returns (its documentation's list), and their arrays.
_SCALARS = {
    "bool",
    "bytea",
    "date",
    "cidr",
    "numeric",
    "float8",
    "inet",
    "int2",
    "int4",
    "int8",
    "json",
    "jsonb",
    "float4",
    "text",
    "bpchar",
    "varchar",
    "name",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "vector",
}
_ARRAYS = {
    f"_{t}"
    for t in (
        "bool",
        "bit",
        "date",
        "numeric",
        "float8",
        "int2",
        "int4",
        "int8",
        "json",
        "float4",
        "text",
        "bpchar",
        "varchar",
        "name",
        "time",
        "timestamp",
        "timestamptz",
        "uuid",
    )
}
# java.sql.Types codes, which the service reports as columnMetadata's `type`.
_JDBC_TYPES = {
    "bool": -7,
    "int2": 5,
    "int4": 4,
    "int8": -5,
    "float4": 7,
    "float8": 8,
    "numeric": 2,
    "bpchar": 1,
    "varchar": 12,
    "text": 12,
    "name": 12,
    "date": 91,
    "time": 92,
    "timestamp": 93,
    "timestamptz": 93,
    "bytea": -2,
}
# Loaded as PostgreSQL's own text, which is what the service sends for them.
_AS_TEXT = (
    "numeric",
    "json",
    "jsonb",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "inet",
    "cidr",
)


class ServiceError(Exception):
    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.extra = status, kind, message, extra

    def reply(self) -> Reply:
        body = {"__type": self.kind, "message": self.message, **self.extra}
        return Reply(
            self.status,
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": f"{self.kind}:http://internal.amazon.com/coral/com.amazon.rdsdataservice/",
            },
        )


def bad_request(message: str) -> ServiceError:
    return ServiceError(400, "BadRequestException", message)


@dataclass
class _Transaction:
    connection: psycopg.Connection[Any]
    database: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)


class DataApiStandIn(StandIn):
    """Serves the Data API on 127.0.0.1:<free port>, running statements on `server_url`'s
    PostgreSQL (a URL without a database name; `database` picks it per request)."""

    def __init__(
        self,
        server_url: str,
        *,
        default_database: str = "postgres",
        resource_arn: str = CLUSTER_ARN,
        secret_arn: str = SECRET_ARN,
        statement_timeout: float = 45.0,
        transaction_timeout: float = 180.0,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.default_database = default_database
        self.resource_arn = resource_arn
        self.secret_arn = secret_arn
        self.statement_timeout = statement_timeout
        self.transaction_timeout = transaction_timeout
        self.paused_requests = 0
        self._state = threading.Lock()
        self._transactions: dict[str, _Transaction] = {}
        self._idle: dict[str, list[psycopg.Connection[Any]]] = {}
        self._type_names: dict[int, str] = {}
        super().__init__(self._handle)
        # The handler writes headers and body in two sends; with Nagle's algorithm on, the
        # body waits for the client's delayed ACK (~40 ms a call), which would swamp every
        # figure measured through this stand-in.
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]

    # --- test controls ---

    def open_transactions(self) -> int:
        with self._state:
            return len(self._transactions)

    def reset(self) -> None:
        """Roll back every open transaction (a test's leftovers would hold locks) and forget
        the recorded requests."""
        with self._state:
            transactions, self._transactions = list(self._transactions.values()), {}
            self.paused_requests = 0
        for transaction in transactions:
            with transaction.lock:
                transaction.connection.rollback()
                self._release(transaction.database, transaction.connection)
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self.reset()
        super().close()
        with self._state:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # --- protocol ---

    def _handle(self, recorded: Recorded) -> Reply:
        try:
            operation = _OPERATIONS.get(recorded.path.split("?")[0])
            if recorded.method != "POST" or operation is None:
                raise ServiceError(
                    404, "UnknownOperationException", f"no operation at {recorded.path}"
                )
            if not recorded.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 "):
                raise ServiceError(
                    403,
                    "MissingAuthenticationTokenException",
                    "Missing Authentication Token",
                )
            body = recorded.json() if recorded.body else {}
            self._check_request(operation, body)
            self._expire_transactions()
            with self._state:
                if self.paused_requests > 0:
                    self.paused_requests -= 1
                    raise ServiceError(
                        400,
                        "DatabaseResumingException",
                        "The Aurora DB instance is resuming after being auto-paused. Please "
                        "wait a few seconds and try again.",
                    )
            answer = {
                "ExecuteStatement": self._execute,
                "BatchExecuteStatement": self._batch_execute,
                "BeginTransaction": self._begin,
                "CommitTransaction": self._commit,
                "RollbackTransaction": self._rollback,
            }[operation](body)
        except ServiceError as error:
            return error.reply()
        return Reply.of_json(answer)

    def _check_request(self, operation: str, body: dict[str, Any]) -> None:
        unknown = sorted(set(body) - _MEMBERS[operation])
        if unknown:
            raise bad_request(f"Unknown request member(s): {', '.join(unknown)}")
        for member in _REQUIRED[operation]:
            if not body.get(member):
                raise bad_request(f"{member} is required")
        if "schema" in body:
            raise bad_request("The schema parameter isn't supported.")
        if body["resourceArn"] != self.resource_arn:
            raise bad_request(f"Database cluster not found: {body['resourceArn']}")
        if body["secretArn"] != self.secret_arn:
            raise ServiceError(
                400,
                "InvalidSecretException",
                "The secret provided isn't valid for this cluster.",
            )
        if len(body.get("sql", "")) > MAX_SQL_CHARS:
            raise bad_request(f"The SQL statement is longer than {MAX_SQL_CHARS} characters.")

    def _execute(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("formatRecordsAs", "NONE") != "NONE":
            raise bad_request("This stand-in returns typed records only (formatRecordsAs NONE).")
        options = body.get("resultSetOptions") or {}
        query, values = _bind(body["sql"], body.get("parameters") or [])
        with self._session(body) as connection:
            rows, description, updated = self._run(
                connection, query, [values], bool(body.get("continueAfterTimeout"))
            )
            if description is None:
                return {"numberOfRecordsUpdated": updated, "generatedFields": []}
            type_names = [self._type_name(connection, c.type_code) for c in description]
        records = _records(rows, type_names, options)
        answer: dict[str, Any] = {"records": records, "numberOfRecordsUpdated": updated}
        if body.get("includeResultMetadata"):
            answer["columnMetadata"] = [
                _column_metadata(column, type_name)
                for column, type_name in zip(description, type_names, strict=True)
            ]
        return answer

    def _batch_execute(self, body: dict[str, Any]) -> dict[str, Any]:
        parameter_sets = body.get("parameterSets")
        if not parameter_sets:
            raise bad_request("parameterSets must hold at least one (possibly empty) set")
        bound = [_bind(body["sql"], parameters) for parameters in parameter_sets]
        # In order, each run of sets typed alike (a NULL changes a cast) as one executemany.
        runs: list[tuple[str, list[list[Any] | None]]] = []
        for query, values in bound:
            if runs and runs[-1][0] == query:
                runs[-1][1].append(values)
            else:
                runs.append((query, [values]))
        with self._session(body, atomic=True) as connection:
            for query, sets in runs:
                self._run(connection, query, sets, False)
        return {"updateResults": [{"generatedFields": []} for _ in bound]}

    def _begin(self, body: dict[str, Any]) -> dict[str, Any]:
        database = body.get("database") or self.default_database
        connection = self._acquire(database)
        connection.autocommit = False
        transaction_id = secrets.token_urlsafe(96)
        with self._state:
            self._transactions[transaction_id] = _Transaction(connection, database)
        return {"transactionId": transaction_id}

    def _commit(self, body: dict[str, Any]) -> dict[str, Any]:
        transaction = self._end(body["transactionId"])
        failed = (
            transaction.connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        )
        try:
            if failed:
                transaction.connection.rollback()
                raise ServiceError(
                    400,
                    "DatabaseErrorException",
                    "ERROR: current transaction is aborted, it was rolled back; SQLState: 25P02",
                )
            transaction.connection.commit()
        except psycopg.Error as error:
            transaction.connection.rollback()
            raise _database_error(error) from error
        finally:
            self._release(transaction.database, transaction.connection)
        return {"transactionStatus": "Transaction Committed"}

    def _rollback(self, body: dict[str, Any]) -> dict[str, Any]:
        transaction = self._end(body["transactionId"])
        try:
            transaction.connection.rollback()
        finally:
            self._release(transaction.database, transaction.connection)
        return {"transactionStatus": "Rollback Complete"}

    # --- sessions ---

    @contextmanager
    def _session(
        self, body: dict[str, Any], *, atomic: bool = False
    ) -> Iterator[psycopg.Connection[Any]]:
        transaction_id = body.get("transactionId")
        if transaction_id:
            transaction = self._transaction(transaction_id)
            with transaction.lock:
                yield transaction.connection
                transaction.last_used = time.monotonic()
            return
        database = body.get("database") or self.default_database
        connection = self._acquire(database)
        try:
            if atomic:
                with connection.transaction():
                    yield connection
            else:
                yield connection
        finally:
            self._release(database, connection)

    def _transaction(self, transaction_id: str) -> _Transaction:
        with self._state:
            transaction = self._transactions.get(transaction_id)
        if transaction is None:
            raise ServiceError(
                404, "TransactionNotFoundException", f"Transaction {transaction_id} is not found"
            )
        return transaction

    def _end(self, transaction_id: str) -> _Transaction:
        with self._state:
            transaction = self._transactions.pop(transaction_id, None)
        if transaction is None:
            raise ServiceError(
                404, "TransactionNotFoundException", f"Transaction {transaction_id} is not found"
            )
        # Wait for a statement still running in it.
        with transaction.lock:
            return transaction

    def _expire_transactions(self) -> None:
        now = time.monotonic()
        with self._state:
            expired = [
                key
                for key, transaction in self._transactions.items()
                if now - transaction.last_used > self.transaction_timeout
                and not transaction.lock.locked()
            ]
            dropped = [self._transactions.pop(key) for key in expired]
        for transaction in dropped:
            transaction.connection.rollback()
            self._release(transaction.database, transaction.connection)

    def _acquire(self, database: str) -> psycopg.Connection[Any]:
        with self._state:
            idle = self._idle.setdefault(database, [])
            if idle:
                return idle.pop()
        try:
            connection = psycopg.connect(
                f"{self.server_url}/{database}",
                autocommit=True,
                options="-c TimeZone=UTC -c DateStyle=ISO",
            )
        except psycopg.OperationalError as error:
            raise ServiceError(
                404, "DatabaseNotFoundException", f"Database {database} not reachable: {error}"
            ) from error
        for name in _AS_TEXT:
            connection.adapters.register_loader(name, TextLoader)
        return connection

    def _release(self, database: str, connection: psycopg.Connection[Any]) -> None:
        if (
            connection.closed
            or connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        ):
            connection.close()
            return
        connection.autocommit = True
        with self._state:
            self._idle.setdefault(database, []).append(connection)

    # --- statements ---

    def _run(
        self,
        connection: psycopg.Connection[Any],
        query: str,
        values: list[list[Any] | None],
        continue_after_timeout: bool,
    ) -> tuple[list[tuple[Any, ...]], Any, int]:
        """Run a statement once per set of values, as the service does: cancelled after
        `statement_timeout` unless `continueAfterTimeout`, in which case the call fails and the
        statement goes on."""
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def work() -> None:
            try:
                with connection.cursor() as cursor:
                    if len(values) == 1:
                        cursor.execute(query, values[0])  # type: ignore[arg-type]
                    else:
                        cursor.executemany(query, values)  # type: ignore[arg-type]
                    rows = cursor.fetchall() if cursor.description is not None else []
                    status = cursor.statusmessage or ""
                    updated = cursor.rowcount if status.split(" ")[0] in _DML else 0
                    outcome["result"] = (rows, cursor.description, max(updated, 0))
            except psycopg.Error as error:
                outcome["error"] = error
            finally:
                finished.set()

        threading.Thread(target=work, daemon=True).start()
        if not finished.wait(self.statement_timeout):
            if continue_after_timeout:
                raise ServiceError(
                    400,
                    "StatementTimeoutException",
                    "Request timed out; the statement continues to run",
                    dbConnectionId=connection.info.backend_pid,
                )
            connection.cancel_safe()
            finished.wait()
            raise ServiceError(
                400,
                "StatementTimeoutException",
                "Request timed out",
                dbConnectionId=connection.info.backend_pid,
            )
        if "error" in outcome:
            raise _database_error(outcome["error"])
        return outcome["result"]  # type: ignore[no-any-return]

    def _type_name(self, connection: psycopg.Connection[Any], oid: int) -> str:
        name = self._type_names.get(oid)
        if name is None:
            info = connection.adapters.types.get(oid)
            if info is not None:
                # psycopg files an array type under its element's info.
                name = f"_{info.name}" if oid == info.array_oid else info.name
            else:
                # An extension's or a user's type: ask the catalogue (outside any transaction
                # state the statement left, on a connection of its own).
                with psycopg.connect(f"{self.server_url}/{connection.info.dbname}") as own:
                    row = own.execute(
                        "SELECT typname FROM pg_type WHERE oid = %s", [oid]
                    ).fetchone()
                name = row[0] if row else str(oid)
            self._type_names[oid] = name
        return name


_DML = {"INSERT", "UPDATE", "DELETE", "MERGE"}


def _database_error(error: psycopg.Error) -> ServiceError:
    diag = error.diag
    message = f"ERROR: {diag.message_primary or str(error).strip()}"
    if diag.message_detail:
        message += f"\n  Detail: {diag.message_detail}"
    if diag.message_hint:
        message += f"\n  Hint: {diag.message_hint}"
    if diag.statement_position:
        message += f"\n  Position: {diag.statement_position}"
    return ServiceError(400, "DatabaseErrorException", f"{message}; SQLState: {diag.sqlstate}")


# --- parameters ---


def _bind(sql: str, parameters: list[dict[str, Any]]) -> tuple[str, list[Any] | None]:
    """psycopg's query and values for `sql` with the Data API's named parameters."""
    typed: dict[str, tuple[str | None, Any]] = {}
    for parameter in parameters:
        name = parameter.get("name")
        if not name:
            raise bad_request("Every parameter needs a name")
        typed[name] = _parameter(name, parameter.get("value") or {}, parameter.get("typeHint"))
    pieces, names = _placeholders(sql)
    if not names:
        return sql, None
    missing = [n for n in dict.fromkeys(names) if n not in typed]
    if missing:
        raise ServiceError(
            400,
            "DatabaseErrorException",
            f"ERROR: No value specified for parameter {missing[0]}; SQLState: 22023",
        )
    query: list[str] = []
    for index, piece in enumerate(pieces):
        query.append(piece.replace("%", "%%"))
        if index < len(names):
            sql_type = typed[names[index]][0]
            query.append(f"CAST(%s AS {sql_type})" if sql_type else "%s")
    return "".join(query), [typed[n][1] for n in names]


def _parameter(name: str, value: dict[str, Any], hint: str | None) -> tuple[str | None, Any]:
    kinds = [k for k in value if k in _FIELD_KINDS or k == "arrayValue"]
    if len(kinds) != 1 or len(value) != 1:
        raise bad_request(f"Parameter {name} must set exactly one value member")
    kind = kinds[0]
    if kind == "arrayValue":
        raise bad_request("Array parameters are not supported.")
    raw = value[kind]
    if hint is not None:
        if hint not in ("DECIMAL", "TIMESTAMP", "DATE", "TIME", "JSON", "UUID"):
            raise bad_request(f"Invalid typeHint {hint} for parameter {name}")
        if kind != "stringValue":
            raise bad_request(f"typeHint {hint} applies to a stringValue (parameter {name})")
        pattern = _HINT_FORMATS.get(hint)
        if pattern is not None and not pattern.fullmatch(raw):
            raise bad_request(f"Parse error for {hint} parameter {name}: {raw!r}")
        return _PARAMETER_TYPES[hint], raw
    if kind == "isNull":
        # An untyped NULL: PostgreSQL infers its type from where it is used.
        return None, None
    if kind == "blobValue":
        return "bytea", base64.b64decode(raw)
    return _PARAMETER_TYPES[kind], raw


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@functools.lru_cache(maxsize=256)
def _placeholders(sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text between `:name` placeholders, and the names in order, skipping literals,
    quoted identifiers, comments, dollar quotes and `::` casts."""
    pieces: list[str] = []
    names: list[str] = []
    start = i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _word(sql[i - 2]))
            i = _end_of_string(sql, i + 1, escaped)
        elif c == '"':
            i = _end_of_quoted(sql, i + 1, '"')
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            i = _end_of_comment(sql, i)
        elif c == "$" and (i == 0 or not _word(sql[i - 1])):
            tag = _DOLLAR_TAG.match(sql, i)
            if tag is None:
                i += 1
            else:
                end = sql.find(tag.group(0), tag.end())
                i = n if end < 0 else end + len(tag.group(0))
        elif c == ":" and sql.startswith("::", i):
            i += 2
        elif c == ":" and (name := _IDENTIFIER.match(sql, i + 1)) is not None:
            pieces.append(sql[start:i])
            names.append(name.group(0))
            i = start = name.end()
        else:
            i += 1
    pieces.append(sql[start:])
    return tuple(pieces), tuple(names)


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _end_of_string(sql: str, i: int, escaped: bool) -> int:
    n = len(sql)
    while i < n:
        if escaped and sql[i] == "\\":
            i += 2
        elif sql[i] == "'":
            if sql.startswith("''", i):
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return n


def _end_of_quoted(sql: str, i: int, quote: str) -> int:
    while (end := sql.find(quote, i)) >= 0:
        if sql.startswith(quote * 2, end):
            i = end + 2
            continue
        return end + 1
    return len(sql)


def _end_of_comment(sql: str, i: int) -> int:
    depth, i, n = 0, i, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


# --- results ---


def _records(
    rows: list[tuple[Any, ...]], type_names: list[str], options: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    for type_name in type_names:
        if type_name not in _SCALARS and type_name not in _ARRAYS:
            raise ServiceError(
                400,
                "UnsupportedResultException",
                f'The result contains the unsupported data type "{type_name.upper()}".',
            )
    records: list[list[dict[str, Any]]] = []
    total = 0
    for row in rows:
        record: list[dict[str, Any]] = []
        size = 0
        for value, type_name in zip(row, type_names, strict=True):
            field, field_size = _field(value, type_name, options)
            record.append(field)
            size += field_size
        if size > MAX_ROW_BYTES:
            raise ServiceError(
                400,
                "UnsupportedResultException",
                f"A row of the result holds {size} bytes; the Data API returns 64 KB a row.",
            )
        total += size
        if total > MAX_RESPONSE_BYTES:
            raise ServiceError(
                400,
                "UnsupportedResultException",
                "Database returned more than the allowed response size limit",
            )
        records.append(record)
    return records


def _field(value: Any, type_name: str, options: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """One `Field` and the bytes it stands for in the database's answer."""
    if value is None:
        return {"isNull": True}, 0
    if type_name.startswith("_"):
        return {"arrayValue": _array(value, type_name)}, len(str(value))
    if type_name == "bool":
        return {"booleanValue": value}, 1
    if type_name in ("int2", "int4", "int8"):
        if options.get("longReturnType") == "STRING":
            return {"stringValue": str(value)}, 8
        return {"longValue": value}, 8
    if type_name in ("float4", "float8"):
        return {"doubleValue": value}, 8
    if type_name == "bytea":
        return {"blobValue": base64.b64encode(bytes(value)).decode()}, len(value)
    text = str(value)
    if type_name == "numeric" and options.get("decimalReturnType") == "DOUBLE_OR_LONG":
        if re.fullmatch(r"-?\d+", text):
            return {"longValue": int(text)}, len(text)
        return {"doubleValue": float(text)}, len(text)
    if type_name == "timestamptz":
        text = _utc_text(text)
    elif type_name in ("timestamp", "time"):
        text = _trim_fraction(text)
    return {"stringValue": text}, len(text.encode())


def _array(values: list[Any], type_name: str) -> dict[str, Any]:
    if any(isinstance(v, list) for v in values):
        raise ServiceError(
            400,
            "UnsupportedResultException",
            "The result contains a multidimensional array.",
        )
    element = type_name[1:]
    if element in ("bool", "bit"):
        return {"booleanValues": values}
    if element in ("int2", "int4", "int8"):
        return {"longValues": values}
    if element in ("float4", "float8"):
        return {"doubleValues": values}
    return {"stringValues": [None if v is None else _array_text(v, element) for v in values]}


def _array_text(value: Any, element: str) -> str:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _utc_text(text: str) -> str:
    # Sessions run in UTC, so PostgreSQL's text ends in +00; the service drops the offset.
    return _trim_fraction(re.sub(r"\+00(:00)?$", "", text))


def _trim_fraction(text: str) -> str:
    if "." not in text:
        return text
    head, fraction = text.split(".", 1)
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}" if fraction else head


def _column_metadata(column: Any, type_name: str) -> dict[str, Any]:
    return {
        "name": column.name,
        "label": column.name,
        "typeName": type_name,
        "type": 2003 if type_name.startswith("_") else _JDBC_TYPES.get(type_name, 1111),
        "schemaName": "",
        "tableName": "",
        "isAutoIncrement": False,
        "isSigned": type_name in ("int2", "int4", "int8", "float4", "float8", "numeric"),
        "isCurrency": False,
        "isCaseSensitive": type_name in ("text", "varchar", "bpchar", "name"),
        "nullable": 2,
        "precision": column.precision or column.internal_size or 0,
        "scale": column.scale or 0,
        "arrayBaseColumnType": 0,
    }
