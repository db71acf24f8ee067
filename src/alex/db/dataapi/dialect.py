"""SQLAlchemy's `postgresql+dataapi` dialect: PostgreSQL's, over the Data API driver.

    postgresql+dataapi:///<database>?resource_arn=<cluster ARN>&secret_arn=<secret ARN>
        [&region=<region>][&endpoint_url=<url>][&continue_after_timeout=true]

Credentials come from the secret (the URL has no user, password or host); the region defaults
to the cluster ARN's. The dialect's name stays `postgresql`, so every PostgreSQL branch in the
app and the migrations applies unchanged. `register()` makes the URL known to SQLAlchemy."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.dialects.postgresql.base import PGCompiler, PGDialect
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.engine.interfaces import IsolationLevel
from sqlalchemy.exc import ArgumentError
from sqlalchemy.sql.type_api import TypeEngine

_QUERY_KEYS = ("resource_arn", "secret_arn", "region", "endpoint_url", "continue_after_timeout")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def register() -> None:
    """Make `postgresql+dataapi://` URLs resolve to this dialect (idempotent, imports nothing)."""
    registry.register("postgresql.dataapi", __name__, "DataAPIDialect")


# Types whose parameters carry a cast in the SQL, as psycopg's dialect does for its own: the
# Data API types every string parameter VARCHAR, which PostgreSQL will not assign to a NUMERIC
# or DATE column, so a value given as text ("60000", "2026-01-02") still lands; typed values
# carry their typeHint as well.


class _Numeric(sqltypes.Numeric[Any]):
    render_bind_cast = True


class _Float(sqltypes.Float[Any]):
    render_bind_cast = True


class _Integer(sqltypes.Integer):
    render_bind_cast = True


class _SmallInteger(sqltypes.SmallInteger):
    render_bind_cast = True


class _BigInteger(sqltypes.BigInteger):
    render_bind_cast = True


class _Date(sqltypes.Date):
    render_bind_cast = True


class _DateTime(sqltypes.DateTime):
    render_bind_cast = True


class _Time(sqltypes.Time):
    render_bind_cast = True


class _JSONMixin:
    """Sends the serialised document as a `Json` parameter (typeHint JSON)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        serialise = super().bind_processor(dialect)  # type: ignore[misc]
        json_type = dialect.loaded_dbapi.Json

        def process(value: Any) -> Any:
            text = serialise(value) if serialise is not None else value
            return None if text is None else json_type(text)

        return process


class _JSON(_JSONMixin, JSON):
    pass


class _JSONB(_JSONMixin, JSONB):
    pass


class DataAPICompiler(PGCompiler):
    def render_bind_cast(
        self, type_: TypeEngine[Any], dbapi_type: TypeEngine[Any], sqltext: str
    ) -> str:
        # CAST(:p AS t), not `:p::t`: the service finds `:name` placeholders in the text itself,
        # and a name followed by `::` is the spelling most likely to confuse that scan.
        if isinstance(dbapi_type, sqltypes.String):
            # No length: a cast to VARCHAR(n) would cut a compared value short.
            dbapi_type = sqltypes.String()
        elif isinstance(dbapi_type, sqltypes.Numeric) and not isinstance(
            dbapi_type, sqltypes.Float
        ):
            # No precision or scale: the cast would round a compared value.
            dbapi_type = sqltypes.Numeric()
        compiled = self.dialect.type_compiler_instance.process(
            dbapi_type, identifier_preparer=self.preparer
        )
        return f"CAST({sqltext} AS {compiled})"


class DataAPIDialect(PGDialect):
    driver = "dataapi"
    supports_statement_cache = True
    default_paramstyle = "named"
    statement_compiler = DataAPICompiler
    # BatchExecuteStatement returns no row counts.
    supports_sane_multi_rowcount = False
    supports_server_side_cursors = False
    # A multi-row INSERT … RETURNING must stay under the Data API's 65,536-character statement
    # limit; at 50 rows the widest of our tables renders ~40 k (tests/db/test_dataapi.py).
    insertmanyvalues_page_size = 50

    colspecs = {  # noqa: RUF012 (SQLAlchemy reads it from the class)
        **PGDialect.colspecs,
        sqltypes.Numeric: _Numeric,
        sqltypes.Float: _Float,
        sqltypes.Integer: _Integer,
        sqltypes.SmallInteger: _SmallInteger,
        sqltypes.BigInteger: _BigInteger,
        sqltypes.Date: _Date,
        sqltypes.DateTime: _DateTime,
        sqltypes.Time: _Time,
        sqltypes.JSON: _JSON,
        JSON: _JSON,
        JSONB: _JSONB,
    }

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        from alex.db import dataapi

        return dataapi

    def create_connect_args(self, url: URL) -> tuple[list[Any], dict[str, Any]]:
        if url.host or url.username or url.password or url.port:
            raise ArgumentError(
                "a postgresql+dataapi URL names no host or user: the cluster and the secret are "
                "given as resource_arn and secret_arn"
            )
        query = {key: _single(url.query[key], key) for key in url.query}
        unknown = sorted(set(query) - set(_QUERY_KEYS))
        if unknown:
            raise ArgumentError(
                f"unknown postgresql+dataapi URL parameter(s): {', '.join(unknown)}"
            )
        missing = [key for key in ("resource_arn", "secret_arn") if not query.get(key)]
        if missing:
            raise ArgumentError(f"a postgresql+dataapi URL needs {' and '.join(missing)}")
        return [], {
            "resource_arn": query["resource_arn"],
            "secret_arn": query["secret_arn"],
            "database": url.database or None,
            "region_name": query.get("region") or None,
            "endpoint_url": query.get("endpoint_url") or None,
            "continue_after_timeout": _flag(query.get("continue_after_timeout", "")),
        }

    def initialize(self, connection: Any) -> None:
        # The server's version and settings need no transaction: outside one, a cold start
        # (a new Lambda environment) makes four calls instead of six.
        dbapi_connection = connection.connection.dbapi_connection
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            super().initialize(connection)  # type: ignore[no-untyped-call]
        finally:
            dbapi_connection.autocommit = autocommit

    def get_default_isolation_level(self, dbapi_conn: Any) -> IsolationLevel:
        # The server's default, even while initialize() runs in autocommit.
        level: IsolationLevel = PGDialect.get_isolation_level(self, dbapi_conn)  # type: ignore[no-untyped-call]
        return level

    def do_ping(self, dbapi_connection: Any) -> bool:
        # Nothing to go stale: every statement is its own HTTPS request.
        return True

    def get_isolation_level_values(self, dbapi_connection: Any) -> list[IsolationLevel]:
        return [
            "AUTOCOMMIT",
            "READ UNCOMMITTED",
            "READ COMMITTED",
            "REPEATABLE READ",
            "SERIALIZABLE",
        ]

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        if level == "AUTOCOMMIT":
            dbapi_connection.set_isolation_level(None)
            dbapi_connection.autocommit = True
            return
        dbapi_connection.autocommit = False
        # The cluster's default costs no SET TRANSACTION per transaction.
        default = level == self.default_isolation_level
        dbapi_connection.set_isolation_level(None if default else level)

    def get_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        if dbapi_connection.autocommit:
            return "AUTOCOMMIT"
        level: IsolationLevel
        if dbapi_connection.isolation_level is not None:
            level = dbapi_connection.isolation_level
        else:
            level = super().get_isolation_level(dbapi_connection)  # type: ignore[no-untyped-call]
        return level

    def is_disconnect(self, e: Exception, connection: Any, cursor: Any) -> bool:
        return False


def _single(value: str | tuple[str, ...], key: str) -> str:
    if isinstance(value, tuple):
        raise ArgumentError(f"postgresql+dataapi URL parameter {key} is given more than once")
    return value


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ArgumentError("continue_after_timeout must be true or false")
