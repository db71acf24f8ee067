"""Python values to the Data API's typed parameters, and its typed fields back to Python.

A parameter is a `Field` union member plus, for strings that stand for another type, a
`typeHint` (DECIMAL, TIMESTAMP, DATE, TIME, JSON, UUID). A result field is read by its
column's `typeName` from `columnMetadata`: the Data API returns NUMERIC, dates, times, UUIDs
and JSON as strings."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from alex.db.dataapi.errors import DataError, InterfaceError, NotSupportedError

if TYPE_CHECKING:
    from mypy_boto3_rds_data.type_defs import FieldOutputTypeDef, SqlParameterTypeDef

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Json:
    """A JSON document given as its text: sent with typeHint JSON. (A plain `str` is sent as
    VARCHAR, which PostgreSQL will not assign to a json or jsonb column.)"""

    text: str


def to_parameter(name: str, value: object) -> SqlParameterTypeDef:
    """One named `SqlParameter`. Datetimes with a zone are sent in UTC: TIMESTAMP takes none."""
    if value is None:
        return {"name": name, "value": {"isNull": True}}
    # The exact type first (a reference load sends hundreds of thousands of values), then
    # subclasses (bool is an int; a pendulum datetime is a datetime).
    convert = _BY_TYPE.get(type(value))
    if convert is None:
        convert = next((c for t, c in _BY_TYPE.items() if isinstance(value, t)), None)
    if convert is None:
        if isinstance(value, list | tuple | set | dict):
            raise NotSupportedError(
                f"parameter {name!r}: the Data API does not take array or composite parameters"
            )
        raise InterfaceError(f"parameter {name!r}: cannot send a {type(value).__name__}")
    return convert(name, value)


def to_parameters(parameters: object) -> list[SqlParameterTypeDef]:
    if not isinstance(parameters, Mapping):
        raise NotSupportedError("the Data API takes named parameters: pass a mapping")
    return [to_parameter(str(name), value) for name, value in parameters.items()]


def _bool(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"booleanValue": bool(value)}}


def _int(name: str, value: Any) -> SqlParameterTypeDef:
    if _INT64[0] <= value <= _INT64[1]:
        return {"name": name, "value": {"longValue": int(value)}}
    return {"name": name, "value": {"stringValue": str(value)}, "typeHint": "DECIMAL"}


def _float(name: str, value: Any) -> SqlParameterTypeDef:
    if not math.isfinite(value):
        # JSON has no NaN or infinity, and a string would arrive as VARCHAR.
        raise DataError(f"parameter {name!r}: the Data API cannot carry the float {value}")
    return {"name": name, "value": {"doubleValue": float(value)}}


def _decimal(name: str, value: Any) -> SqlParameterTypeDef:
    # Fixed-point text: '1E+3' is valid input, but the plain form is what every reader takes.
    return {"name": name, "value": {"stringValue": format(value, "f")}, "typeHint": "DECIMAL"}


def _str(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"stringValue": str(value)}}


def _json(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"stringValue": value.text}, "typeHint": "JSON"}


def _uuid(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"stringValue": str(value)}, "typeHint": "UUID"}


def _datetime(name: str, value: Any) -> SqlParameterTypeDef:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return {"name": name, "value": {"stringValue": _timestamp_text(value)}, "typeHint": "TIMESTAMP"}


def _date(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"stringValue": value.isoformat()}, "typeHint": "DATE"}


def _time(name: str, value: Any) -> SqlParameterTypeDef:
    if value.tzinfo is not None:
        raise NotSupportedError(f"parameter {name!r}: the Data API's TIME takes no zone")
    return {"name": name, "value": {"stringValue": value.isoformat()}, "typeHint": "TIME"}


def _bytes(name: str, value: Any) -> SqlParameterTypeDef:
    return {"name": name, "value": {"blobValue": bytes(value)}}


def _interval(name: str, value: Any) -> SqlParameterTypeDef:
    raise NotSupportedError(f"parameter {name!r}: the Data API has no interval parameter")


# Checked in this order for subclasses: bool before int, datetime before date.
_BY_TYPE: dict[type, Callable[[str, Any], SqlParameterTypeDef]] = {
    str: _str,
    bool: _bool,
    int: _int,
    float: _float,
    Decimal: _decimal,
    Json: _json,
    uuid.UUID: _uuid,
    datetime: _datetime,
    date: _date,
    time: _time,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
    timedelta: _interval,
}


def _timestamp_text(value: datetime) -> str:
    # Microseconds, not the documented `.FFF`: the service takes six digits, and truncating
    # to milliseconds would reorder events written within the same millisecond.
    return value.isoformat(" ", "microseconds" if value.microsecond else "seconds")


# --- results ---

_NUMERIC = {"numeric", "decimal"}
_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d\d-\d\d)[ T](?P<time>\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>Z|[+-]\d\d(?::?\d\d)?)?"
)
_TIME = re.compile(r"(?P<time>\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d{1,9}))?")


def from_field(field: FieldOutputTypeDef, type_name: str) -> Any:
    """The Python value of one result field of a column of PostgreSQL type `type_name`."""
    if field.get("isNull"):
        return None
    if "stringValue" in field:
        return _from_string(field["stringValue"], type_name.lower())
    if "longValue" in field:
        return field["longValue"]
    if "booleanValue" in field:
        return field["booleanValue"]
    if "doubleValue" in field:
        value = field["doubleValue"]
        # A NUMERIC read as DOUBLE_OR_LONG (never requested here) still comes back exact-typed.
        return Decimal(str(value)) if type_name.lower() in _NUMERIC else value
    if "blobValue" in field:
        return field["blobValue"]
    if "arrayValue" in field:
        return _from_array(field["arrayValue"], type_name.lower().lstrip("_"))
    raise InterfaceError(f"a result field of an unknown kind: {sorted(field)}")


def _from_array(array: Mapping[str, Any], element_type: str) -> list[Any]:
    if "arrayValues" in array:
        return [_from_array(item, element_type) for item in array["arrayValues"]]
    for kind in ("booleanValues", "longValues", "doubleValues"):
        if kind in array:
            return list(array[kind])
    strings = array.get("stringValues", [])
    return [None if s is None else _from_string(s, element_type) for s in strings]


def _from_string(text: str, type_name: str) -> Any:
    if type_name in _NUMERIC:
        return Decimal(text)
    if type_name in ("timestamptz", "timestamp with time zone"):
        return _parse_timestamp(text, utc=True)
    if type_name in ("timestamp", "timestamp without time zone"):
        return _parse_timestamp(text, utc=False)
    if type_name == "date":
        return _parse_date(text)
    if type_name in ("time", "time without time zone"):
        return _parse_time(text)
    if type_name == "uuid":
        return uuid.UUID(text)
    # json and jsonb stay text: SQLAlchemy's JSON type (or the caller) decodes them.
    return text


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(f"cannot read {text!r} as a date (infinite or BC dates are not)") from None


def _parse_timestamp(text: str, *, utc: bool) -> datetime:
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise DataError(f"cannot read {text!r} as a timestamp (infinite or BC ones are not)")
    value = datetime.fromisoformat(f"{match['date']}T{match['time']}").replace(
        microsecond=_microseconds(match["fraction"])
    )
    zone = match["zone"]
    if zone:
        value = value.replace(tzinfo=_zone(zone))
    elif utc:
        # The Data API renders TIMESTAMPTZ in UTC without an offset.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC) if utc else value


def _parse_time(text: str) -> time:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise DataError(f"cannot read {text!r} as a time of day")
    return time.fromisoformat(match["time"]).replace(microsecond=_microseconds(match["fraction"]))


def _microseconds(fraction: str | None) -> int:
    # The service trims trailing zeros and may carry nanoseconds: pad, then cut to six digits.
    return int((fraction or "").ljust(6, "0")[:6])


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))
