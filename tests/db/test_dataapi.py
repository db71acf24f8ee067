"""The Data API driver (alex.db.dataapi) and its dialect, against the stand-in on the local
PostgreSQL: typed values both ways, real transactions, errors by SQLSTATE, batches, the
service's limits, and the wire format botocore's model defines."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from decimal import Decimal
from typing import Any

import boto3
import botocore.loaders
import botocore.model
import pytest
import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, event, func, insert, select, text
from sqlalchemy.exc import ArgumentError

from alex.db import dataapi
from alex.db.dataapi import connection as dataapi_connection
from alex.db.dataapi.dialect import register
from alex.db.models import Instrument
from alex.db.rate_limits import DatabaseStorage
from alex.db.session import make_engine, session_scope
from tests.db.conftest import data_api_url
from tests.standins.rds_data import CLUSTER_ARN, SECRET_ARN, DataApiStandIn

pytestmark = [pytest.mark.postgres, pytest.mark.dataapi]

SERVICE = botocore.model.ServiceModel(
    botocore.loaders.Loader().load_service_model("rds-data", "service-2"), "rds-data"
)

SCRATCH_COLUMNS = """
    id integer PRIMARY KEY,
    small smallint, big bigint, real_number double precision, flag boolean,
    exact numeric(38, 18), whole numeric, label text, code varchar(8),
    day date, at timestamptz, wall timestamp, tod time, ref uuid,
    doc jsonb, raw_doc json, payload bytea
"""


@pytest.fixture
def database(
    aws_dummy_credentials: None, _migrated_data_api: Engine, data_api: DataApiStandIn
) -> Iterator[str]:
    """The Data API test database, with an empty `scratch` table of every column type."""
    data_api.reset()
    with _migrated_data_api.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS scratch"))
        conn.execute(text(f"CREATE TABLE scratch ({SCRATCH_COLUMNS})"))
    yield str(_migrated_data_api.url.database)
    data_api.reset()
    with _migrated_data_api.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS scratch"))


def _connect(stand_in: DataApiStandIn, database: str, **options: Any) -> dataapi.Connection:
    return dataapi.connect(
        resource_arn=CLUSTER_ARN,
        secret_arn=SECRET_ARN,
        database=database,
        endpoint_url=stand_in.url,
        **options,
    )


@pytest.fixture
def connect(data_api: DataApiStandIn, database: str) -> Iterator[Callable[..., dataapi.Connection]]:
    opened: list[dataapi.Connection] = []

    def make(stand_in: DataApiStandIn = data_api, **options: Any) -> dataapi.Connection:
        connection = _connect(stand_in, database, **options)
        opened.append(connection)
        return connection

    yield make
    for connection in opened:
        connection.close()


def _operations(stand_in: DataApiStandIn) -> list[str]:
    return [r.path for r in stand_in.recorded()]


def _scratch_rows(conn: dataapi.Connection, columns: str = "*") -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    cursor.execute(f"SELECT {columns} FROM scratch ORDER BY id")
    rows = cursor.fetchall()
    conn.commit()
    return rows


# --------------------------------------------------------------------------- values


def test_every_column_type_round_trips_with_nulls(connect: Callable[..., Any]) -> None:
    conn = connect()
    values = {
        "id": 1,
        "small": -7,
        "big": 2**62,
        "real_number": 0.1,
        "flag": True,
        "exact": Decimal("12345678901234567890.123456789012345678"),
        "whole": 10**30,  # past 64 bits: sent as a DECIMAL string
        "label": "it's :not_a_param — ünïcode",
        "code": "ab",
        "day": date(2026, 2, 28),
        "at": datetime(
            2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))
        ),
        "wall": datetime(2026, 3, 1, 9, 30, 15, 7),
        "tod": clock(23, 59, 58, 999999),
        "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "doc": dataapi.Json(json.dumps({"a": [1, 2.5, None], "b": {"c": "d"}})),
        "raw_doc": dataapi.Json('{"z": 1, "a": 2}'),
        "payload": bytes(range(256)),
    }
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    cursor = conn.cursor()
    cursor.execute(f"INSERT INTO scratch ({columns}) VALUES ({placeholders})", values)
    assert cursor.rowcount == 1 and cursor.description is None
    cursor.execute(
        f"INSERT INTO scratch ({columns}) VALUES ({placeholders})",
        {name: (2 if name == "id" else None) for name in values},
    )
    conn.commit()

    first, second = _scratch_rows(conn, columns)
    expected = dict(values)
    expected["at"] = values["at"].astimezone(UTC)  # type: ignore[attr-defined]
    expected["whole"] = Decimal(10**30)
    expected["doc"] = {"a": [1, 2.5, None], "b": {"c": "d"}}
    expected["raw_doc"] = {"z": 1, "a": 2}
    got = dict(zip(values, first, strict=True))
    got["doc"], got["raw_doc"] = json.loads(got["doc"]), json.loads(got["raw_doc"])
    assert got == expected
    assert got["at"].tzinfo is not None and got["at"].utcoffset() == timedelta(0)
    assert got["wall"].tzinfo is None
    assert type(got["exact"]) is Decimal and type(got["ref"]) is uuid.UUID
    assert second == (2, *([None] * (len(values) - 1)))


def test_description_names_the_postgresql_types(connect: Callable[..., Any]) -> None:
    cursor = connect().cursor()
    cursor.execute("SELECT id AS key, exact, at, ref FROM scratch")
    assert cursor.description is not None
    assert [(d[0], d[1]) for d in cursor.description] == [
        ("key", "int4"),
        ("exact", "numeric"),
        ("at", "timestamptz"),
        ("ref", "uuid"),
    ]
    assert cursor.description[1][1] == dataapi.NUMBER
    assert cursor.description[2][1] == dataapi.DATETIME
    assert cursor.fetchall() == [] and cursor.rowcount == 0


def test_arrays_come_back_as_lists_and_cannot_be_sent(connect: Callable[..., Any]) -> None:
    cursor = connect().cursor()
    cursor.execute("SELECT ARRAY[1, 2, 3]::int4[], ARRAY['a', NULL]::text[], ARRAY[1.5]::numeric[]")
    assert cursor.fetchone() == ([1, 2, 3], ["a", None], [Decimal("1.5")])
    with pytest.raises(dataapi.NotSupportedError, match="array"):
        cursor.execute("SELECT :values", {"values": [1, 2]})


def test_placeholders_in_literals_comments_and_casts_are_left_alone(
    connect: Callable[..., Any],
) -> None:
    cursor = connect().cursor()
    cursor.execute(
        "SELECT ':quoted' AS a, $tag$:dollar$tag$ AS b, -- :comment\n"
        ":v::int + 1 AS c, CAST(:v AS text) AS d, E'\\':escaped' AS e, 'it''s' AS f",
        {"v": 41},
    )
    assert cursor.fetchone() == (":quoted", ":dollar", 42, "41", "':escaped", "it's")


def test_a_plain_string_is_varchar_as_the_service_sends_it(
    connect: Callable[..., Any], data_api: DataApiStandIn, database: str
) -> None:
    """The service types a stringValue VARCHAR, which PostgreSQL will not assign to NUMERIC:
    through the driver alone a string needs a typeHint; the dialect casts its parameters."""
    cursor = connect().cursor()
    with pytest.raises(dataapi.ProgrammingError) as refused:
        cursor.execute("INSERT INTO scratch (id, exact) VALUES (1, :v)", {"v": "1.5"})
    assert refused.value.sqlstate == "42804"

    engine = make_engine(data_api_url(database, data_api.url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO scratch (id, exact, day) VALUES (1, :exact, :day)").bindparams(
                    exact=Decimal("1.5"), day=date(2026, 1, 2)
                )
            )
        scratch = sqlalchemy.Table(
            "scratch",
            sqlalchemy.MetaData(),
            sqlalchemy.Column("id"),
            sqlalchemy.Column("exact", sqlalchemy.Numeric),
            sqlalchemy.Column("day", sqlalchemy.Date),
        )
        with engine.begin() as conn:
            conn.execute(insert(scratch).values(id=2, exact="60000", day="2026-01-03"))
            rows = conn.execute(select(scratch.c.exact, scratch.c.day).order_by(scratch.c.id)).all()
    finally:
        engine.dispose()
    assert rows == [(Decimal("1.5"), date(2026, 1, 2)), (Decimal("60000"), date(2026, 1, 3))]


# --------------------------------------------------------------------------- transactions


def test_a_rolled_back_transaction_leaves_nothing(
    connect: Callable[..., Any], data_api: DataApiStandIn
) -> None:
    conn = connect()
    cursor = conn.cursor()
    cursor.execute("INSERT INTO scratch (id, label) VALUES (:id, :label)", {"id": 1, "label": "x"})
    cursor.execute("SELECT count(*) FROM scratch")
    assert cursor.fetchone() == (1,)
    transaction_id = conn.transaction_id
    assert transaction_id is not None
    conn.rollback()
    assert conn.transaction_id is None

    assert _scratch_rows(connect()) == []
    recorded = data_api.recorded()
    assert [r.path for r in recorded[:4]] == [
        "/BeginTransaction",
        "/Execute",
        "/Execute",
        "/RollbackTransaction",
    ]
    assert all(r.json()["transactionId"] == transaction_id for r in recorded[1:4])
    assert data_api.open_transactions() == 0


def test_uncommitted_writes_are_invisible_to_other_connections(
    connect: Callable[..., Any],
) -> None:
    writer, reader = connect(), connect()
    writer.cursor().execute("INSERT INTO scratch (id) VALUES (1)")
    assert _scratch_rows(reader) == []
    writer.commit()
    assert _scratch_rows(reader) == [(1, *([None] * 16))]


def test_autocommit_sends_no_transaction(
    connect: Callable[..., Any], data_api: DataApiStandIn
) -> None:
    conn = connect()
    conn.autocommit = True
    conn.cursor().execute("INSERT INTO scratch (id) VALUES (1)")
    conn.rollback()  # nothing to roll back: the statement committed itself
    assert _operations(data_api) == ["/Execute"]
    assert "transactionId" not in data_api.recorded()[0].json()
    assert len(_scratch_rows(connect())) == 1


def test_savepoints_work_inside_the_transaction(
    connect: Callable[..., Any],
) -> None:
    conn = connect()
    cursor = conn.cursor()
    cursor.execute("INSERT INTO scratch (id) VALUES (1)")
    cursor.execute("SAVEPOINT s")
    with pytest.raises(dataapi.IntegrityError):
        cursor.execute("INSERT INTO scratch (id) VALUES (1)")
    cursor.execute("ROLLBACK TO SAVEPOINT s")
    cursor.execute("INSERT INTO scratch (id) VALUES (2)")
    conn.commit()
    assert [row[0] for row in _scratch_rows(connect())] == [1, 2]


def test_the_dialect_maps_isolation_levels_and_autocommit(
    data_api: DataApiStandIn, database: str
) -> None:
    url = data_api_url(database, data_api.url)
    serializable = make_engine(url).execution_options(isolation_level="SERIALIZABLE")
    autocommit = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with serializable.connect() as conn:
            data_api.reset()
            level = conn.execute(text("SHOW transaction_isolation")).scalar()
            conn.rollback()
        sent = [r.json().get("sql") for r in data_api.recorded()]
        with autocommit.connect() as conn:
            data_api.reset()
            conn.execute(text("INSERT INTO scratch (id) VALUES (7)"))
        autocommitted = _operations(data_api)
    finally:
        serializable.engine.dispose()
        autocommit.engine.dispose()
    assert level == "serializable"
    assert sent[:3] == [
        None,
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SHOW transaction_isolation",
    ]
    assert autocommitted == ["/Execute"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("sqlstate", "kind"),
    [
        ("23505", dataapi.IntegrityError),
        ("23503", dataapi.IntegrityError),
        ("40001", dataapi.OperationalError),
        ("40P01", dataapi.OperationalError),
        ("22003", dataapi.DataError),
        ("42P01", dataapi.ProgrammingError),
        ("0A000", dataapi.NotSupportedError),
        ("XX000", dataapi.InternalError),
    ],
)
def test_database_errors_map_by_sqlstate(
    connect: Callable[..., Any], sqlstate: str, kind: type[dataapi.Error]
) -> None:
    cursor = connect().cursor()
    with pytest.raises(kind) as raised:
        cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '{sqlstate}'; END $$")
    assert raised.value.sqlstate == sqlstate
    assert raised.value.code == "DatabaseErrorException"


def test_a_unique_violation_is_an_integrity_error_through_sqlalchemy(
    data_api: DataApiStandIn, database: str
) -> None:
    engine = make_engine(data_api_url(database, data_api.url))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO scratch (id) VALUES (1)"))
        with pytest.raises(sqlalchemy.exc.IntegrityError) as raised, engine.begin() as conn:
            conn.execute(text("INSERT INTO scratch (id) VALUES (1)"))
    finally:
        engine.dispose()
    assert isinstance(raised.value.orig, dataapi.IntegrityError)
    assert "duplicate key" in str(raised.value.orig) and raised.value.orig.sqlstate == "23505"
    assert data_api.open_transactions() == 0


def test_a_statement_past_the_timeout_is_cancelled_unless_asked_to_continue(
    connect: Callable[..., Any], database: str, data_api: DataApiStandIn
) -> None:
    slow = DataApiStandIn(data_api.server_url, default_database=database, statement_timeout=0.5)
    try:
        cancelled = connect(slow)
        with pytest.raises(dataapi.OperationalError, match="45 s limit") as raised:
            cancelled.cursor().execute("INSERT INTO scratch (id) SELECT 1 FROM pg_sleep(1.5)")
        assert raised.value.code == "StatementTimeoutException"
        cancelled.rollback()

        continued = connect(slow, continue_after_timeout=True)
        continued.autocommit = True
        with pytest.raises(dataapi.OperationalError):
            continued.cursor().execute("INSERT INTO scratch (id) SELECT 2 FROM pg_sleep(1.5)")
        assert json.loads(slow.recorded()[-1].body)["continueAfterTimeout"] is True
        deadline = time.monotonic() + 10
        while not _scratch_rows(connect()) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        slow.close()
    assert [row[0] for row in _scratch_rows(connect())] == [2]


def test_a_transaction_the_service_dropped_is_an_operational_error(
    connect: Callable[..., Any], database: str, data_api: DataApiStandIn
) -> None:
    short = DataApiStandIn(data_api.server_url, default_database=database, transaction_timeout=0.2)
    try:
        conn = connect(short)
        cursor = conn.cursor()
        cursor.execute("INSERT INTO scratch (id) VALUES (1)")
        time.sleep(0.4)
        with pytest.raises(dataapi.OperationalError, match="3 minutes") as raised:
            cursor.execute("INSERT INTO scratch (id) VALUES (2)")
        assert raised.value.code == "TransactionNotFoundException"
        conn.rollback()  # the service already rolled it back
        cursor.execute("INSERT INTO scratch (id) VALUES (3)")
        conn.commit()
    finally:
        short.close()
    assert [row[0] for row in _scratch_rows(connect())] == [3]


def test_a_resuming_cluster_is_waited_for_then_reported(
    connect: Callable[..., Any], data_api: DataApiStandIn
) -> None:
    data_api.paused_requests = 2
    cursor = connect(resume_timeout=10).cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)
    assert _operations(data_api)[:3] == ["/BeginTransaction"] * 3

    data_api.paused_requests = 1
    with pytest.raises(dataapi.OperationalError, match="resuming") as raised:
        connect(resume_timeout=0).cursor().execute("SELECT 1")
    assert raised.value.code == "DatabaseResumingException"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 'r'::\"char\"", "unsupported data type"),
        ("SELECT 1::oid", "unsupported data type"),
        ("SELECT repeat('x', 60000) FROM generate_series(1, 20)", "response size limit"),
        ("SELECT repeat('x', 70000)", "64 KB"),
    ],
)
def test_results_the_service_cannot_return_are_not_supported_errors(
    connect: Callable[..., Any], sql: str, message: str
) -> None:
    with pytest.raises(dataapi.NotSupportedError, match="1 MiB") as raised:
        connect().cursor().execute(sql)
    assert message in str(raised.value)
    assert raised.value.code == "UnsupportedResultException"


def test_a_statement_over_the_size_limit_is_refused_before_sending(
    connect: Callable[..., Any], data_api: DataApiStandIn
) -> None:
    with pytest.raises(dataapi.ProgrammingError, match="65,536"):
        connect().cursor().execute("SELECT " + " + ".join(["1"] * 30_000))
    assert _operations(data_api) == []


# --------------------------------------------------------------------------- batches


def test_executemany_is_one_batch_call_in_the_transaction(
    connect: Callable[..., Any], data_api: DataApiStandIn
) -> None:
    conn = connect()
    cursor = conn.cursor()
    cursor.executemany(
        "INSERT INTO scratch (id, exact, at) VALUES (:id, :exact, :at)",
        [
            {"id": n, "exact": Decimal(n) / 3, "at": datetime(2026, 1, n, tzinfo=UTC)}
            for n in (1, 2, 3)
        ],
    )
    assert cursor.rowcount == -1
    conn.commit()

    begin, batch, commit = data_api.recorded()[:3]
    body = batch.json()
    assert (begin.path, batch.path, commit.path) == (
        "/BeginTransaction",
        "/BatchExecute",
        "/CommitTransaction",
    )
    assert len(body["parameterSets"]) == 3 and body["transactionId"]
    assert body["parameterSets"][0] == [
        {"name": "id", "value": {"longValue": 1}},
        {
            "name": "exact",
            "value": {"stringValue": format(Decimal(1) / 3, "f")},
            "typeHint": "DECIMAL",
        },
        {"name": "at", "value": {"stringValue": "2026-01-01 00:00:00"}, "typeHint": "TIMESTAMP"},
    ]
    assert [row[0] for row in _scratch_rows(connect())] == [1, 2, 3]


def test_a_large_batch_is_split_but_stays_one_transaction(
    connect: Callable[..., Any], data_api: DataApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataapi_connection, "BATCH_PAYLOAD_BYTES", 2_000)
    conn = connect()
    conn.cursor().executemany(
        "INSERT INTO scratch (id, label) VALUES (:id, :label)",
        [{"id": n, "label": "x" * 100} for n in range(40)],
    )
    batches = [r.json() for r in data_api.recorded() if r.path == "/BatchExecute"]
    assert len(batches) > 1
    assert sum(len(b["parameterSets"]) for b in batches) == 40
    assert len({b["transactionId"] for b in batches}) == 1
    conn.rollback()
    assert _scratch_rows(connect()) == []


def test_a_bulk_orm_insert_stays_under_the_statement_limit(
    data_api: DataApiStandIn, database: str
) -> None:
    """SQLAlchemy's "insertmanyvalues" puts many rows in one INSERT … RETURNING: the
    dialect's page size keeps the widest of our bulk inserts under 65,536 characters."""
    engine = make_engine(data_api_url(database, data_api.url))
    statements: list[tuple[str, int]] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append((statement, len(statement))),
    )
    long = "Long Fund Name With Many Words Inc. " * 5
    try:
        with session_scope(engine) as session:
            session.add_all(
                Instrument(
                    symbol=f"ZZ{n:04d}",
                    name=long[:200],
                    instrument_type="etf",
                    current_price=Decimal("12.345678"),
                    price_as_of=date(2026, 1, 2),
                    allocation_asset_class={"equity": 60.0, "fixed_income": 40.0},
                    allocation_regions={"north_america": 100.0},
                    allocation_sectors={"technology": 50.0, "healthcare": 50.0},
                    classification_source="seed",
                    expense_ratio=Decimal("0.0003"),
                    classification_note=long,
                    classified_as_of=date(2026, 1, 2),
                )
                for n in range(120)
            )
        with session_scope(engine) as session:
            stored = session.scalar(select(func.count()).select_from(Instrument))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM instruments"))
        engine.dispose()
    assert stored == 120
    inserts = [n for sql, n in statements if sql.startswith("INSERT INTO instruments")]
    # 120 rows in pages of 50: three statements, each under the service's limit.
    assert len(inserts) == 3
    assert max(inserts) < dataapi_connection.MAX_SQL_CHARS


# --------------------------------------------------------------------------- the wire


def _conforms(value: Any, shape: botocore.model.Shape, path: str = "") -> list[str]:
    """Where `value` (JSON as sent on the wire) departs from botocore's `shape`."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        problems = [f"{path}.{k}: not a member" for k in value if k not in shape.members]
        problems += [f"{path}.{k}: required" for k in shape.required_members if k not in value]
        if shape.is_tagged_union and len(value) != 1:
            problems.append(f"{path}: a union with {len(value)} members set")
        for key, item in value.items():
            if key in shape.members:
                problems += _conforms(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [
            p for i, item in enumerate(value) for p in _conforms(item, shape.member, f"{path}[{i}]")
        ]
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "blob": (str,),
        "boolean": (bool,),
        "integer": (int,),
        "long": (int,),
        "float": (float, int),
        "double": (float, int),
    }
    if value is None and kind == "string":
        return []  # a NULL element of an array's stringValues
    ok = isinstance(value, expected[kind]) and not (
        kind in ("integer", "long") and isinstance(value, bool)
    )
    return [] if ok else [f"{path}: {type(value).__name__} is not a {kind}"]


def test_requests_and_responses_have_the_shapes_of_the_service_model(
    data_api: DataApiStandIn, database: str
) -> None:
    client = boto3.session.Session().client(
        "rds-data", region_name="us-east-1", endpoint_url=data_api.url
    )
    responses: list[tuple[str, int, dict[str, str], Any]] = []

    def capture(http_response: Any, model: Any, **_: Any) -> None:
        responses.append(
            (
                model.name,
                http_response.status_code,
                dict(http_response.headers),
                json.loads(http_response.content),
            )
        )

    client.meta.events.register("after-call.rds-data", capture)
    conn = dataapi.connect(
        resource_arn=CLUSTER_ARN, secret_arn=SECRET_ARN, database=database, client=client
    )
    cursor = conn.cursor()
    cursor.execute(
        "INSERT INTO scratch (id, exact, at, ref, doc, payload, flag, real_number, day, tod) "
        "VALUES (1, :exact, :at, :ref, :doc, :payload, :flag, :real, :day, :tod)",
        {
            "exact": Decimal("1.25"),
            "at": datetime(2026, 1, 1, tzinfo=UTC),
            "ref": uuid.uuid4(),
            "doc": dataapi.Json("[1]"),
            "payload": b"\x00\x01",
            "flag": None,
            "real": 2.5,
            "day": date(2026, 1, 1),
            "tod": clock(12, 0),
        },
    )
    cursor.executemany("INSERT INTO scratch (id) VALUES (:id)", [{"id": 2}, {"id": 3}])
    cursor.execute("SELECT *, ARRAY[1, 2] AS numbers, ARRAY['a'] AS words FROM scratch")
    conn.rollback()
    with pytest.raises(dataapi.IntegrityError):
        cursor.execute("INSERT INTO scratch (id) VALUES (1), (1)")
    conn.rollback()

    requests = data_api.recorded()
    operations = {
        "/BeginTransaction": "BeginTransaction",
        "/Execute": "ExecuteStatement",
        "/BatchExecute": "BatchExecuteStatement",
        "/CommitTransaction": "CommitTransaction",
        "/RollbackTransaction": "RollbackTransaction",
    }
    assert [operations[r.path] for r in requests] == [
        "BeginTransaction",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteStatement",
        "RollbackTransaction",
        "BeginTransaction",
        "ExecuteStatement",
        "RollbackTransaction",
    ]
    for request in requests:
        operation = SERVICE.operation_model(operations[request.path])
        body = request.json()
        assert _conforms(body, operation.input_shape) == [], request.path
        assert request.headers["content-type"].startswith("application/json")
        assert "/us-east-1/rds-data/aws4_request" in request.headers["authorization"]
        assert body["resourceArn"] == CLUSTER_ARN and body["secretArn"] == SECRET_ARN
    insert_body = requests[1].json()
    assert insert_body["database"] == database
    assert insert_body["includeResultMetadata"] is True
    assert {p["name"]: p.get("typeHint") for p in insert_body["parameters"]} == {
        "exact": "DECIMAL",
        "at": "TIMESTAMP",
        "ref": "UUID",
        "doc": "JSON",
        "payload": None,
        "flag": None,
        "real": None,
        "day": "DATE",
        "tod": "TIME",
    }
    by_name = {p["name"]: p["value"] for p in insert_body["parameters"]}
    assert by_name["payload"] == {"blobValue": "AAE="} and by_name["flag"] == {"isNull": True}

    for name, status, headers, body in responses:
        output = SERVICE.operation_model(name).output_shape
        if status == 200:
            assert _conforms(body, output) == [], name
        else:
            error_type = headers["x-amzn-ErrorType"].split(":")[0]
            assert error_type == body["__type"] == "DatabaseErrorException"
            error_shape = SERVICE.shape_for(error_type)
            assert _conforms({k: v for k, v in body.items() if k != "__type"}, error_shape) == []
            assert body["message"].endswith("SQLState: 23505")
    select_body = next(b for n, _, _, b in responses if n == "ExecuteStatement" and "records" in b)
    assert {c["typeName"] for c in select_body["columnMetadata"]} >= {
        "int4",
        "numeric",
        "timestamptz",
        "_int4",
        "_text",
    }
    assert next(b for n, _, _, b in responses if n == "RollbackTransaction") == {
        "transactionStatus": "Rollback Complete"
    }


def test_missing_or_foreign_arns_are_refused_like_the_service(
    data_api: DataApiStandIn, database: str
) -> None:
    client = boto3.session.Session().client(
        "rds-data", region_name="us-east-1", endpoint_url=data_api.url
    )
    with pytest.raises(dataapi.InterfaceError, match="ARN"):
        dataapi.connect(resource_arn="", secret_arn=SECRET_ARN, client=client)
    other = CLUSTER_ARN.replace("alex-test", "someone-else")
    with pytest.raises(dataapi.ProgrammingError, match="not found"):
        dataapi.connect(resource_arn=other, secret_arn=SECRET_ARN, client=client).cursor().execute(
            "SELECT 1"
        )
    wrong_secret = SECRET_ARN.replace("AbCdEf", "XyZ123")
    with pytest.raises(dataapi.OperationalError, match="secret") as raised:
        dataapi.connect(
            resource_arn=CLUSTER_ARN, secret_arn=wrong_secret, client=client
        ).cursor().execute("SELECT 1")
    assert raised.value.code == "InvalidSecretException"


# --------------------------------------------------------------------------- the dialect


def test_the_url_alone_makes_an_engine(data_api: DataApiStandIn, database: str) -> None:
    register()
    engine = create_engine(data_api_url(database, data_api.url))
    try:
        with engine.connect() as conn:
            # The dialect's first-connect reads run outside a transaction.
            assert _operations(data_api) == ["/Execute"] * 4
            assert conn.execute(text("SELECT current_database()")).scalar() == database
            assert engine.dialect.default_isolation_level == "READ COMMITTED"
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "dataapi")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("postgresql+dataapi:///alex?secret_arn=s", "needs resource_arn"),
        ("postgresql+dataapi://user:pw@host/alex?resource_arn=r&secret_arn=s", "no host"),
        ("postgresql+dataapi:///alex?resource_arn=r&secret_arn=s&colour=blue", "colour"),
        (
            "postgresql+dataapi:///alex?resource_arn=r&secret_arn=s&continue_after_timeout=maybe",
            "true or false",
        ),
    ],
)
def test_a_malformed_url_is_refused_by_name(url: str, complaint: str) -> None:
    register()
    with pytest.raises(ArgumentError, match=complaint):
        create_engine(url)


def test_the_region_comes_from_the_cluster_arn() -> None:
    assert dataapi_connection.region_of(CLUSTER_ARN) == "us-east-1"
    assert dataapi_connection.region_of("not an arn") is None


def test_alex_aws_endpoint_url_applies_unless_the_url_names_one(
    data_api: DataApiStandIn, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alex.core.config import get_settings

    monkeypatch.setenv("ALEX_AWS_ENDPOINT_URL", data_api.url)
    get_settings.cache_clear()
    without_endpoint = data_api_url(database, data_api.url).split("&endpoint_url=")[0]
    engine = make_engine(without_endpoint)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert data_api.recorded(), "the requests went to ALEX_AWS_ENDPOINT_URL"


def test_the_rate_limiters_lock_runs_through_the_data_api(
    data_api: DataApiStandIn, database: str
) -> None:
    """Its advisory lock returns `void`, a type the service will not return: selected from
    FROM, the statement returns a number instead."""
    engine = make_engine(data_api_url(database, data_api.url))
    storage = DatabaseStorage(engine, clock=lambda: 1_000.0)
    try:
        assert [storage.acquire_entry("k", 2, 60) for _ in range(3)] == [True, True, False]
        assert storage.get_moving_window("k", 2, 60) == (1_000.0, 2)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM rate_limit_hits"))
        engine.dispose()
    sent = [r.json().get("sql", "") for r in data_api.recorded()]
    assert any("pg_advisory_xact_lock" in sql for sql in sent)


def test_concurrent_sessions_do_not_share_transactions(
    data_api: DataApiStandIn, database: str
) -> None:
    engine = make_engine(data_api_url(database, data_api.url))
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(5):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO scratch (id) VALUES (:id)"), {"id": n * 100 + k})
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM scratch")).scalar()
    finally:
        engine.dispose()
    assert errors == [] and count == 20
    assert data_api.open_transactions() == 0
