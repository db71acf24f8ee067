"""The reference universe shipped in `alex/db/reference/` (sources and licences in its
NOTICE.md), and the bulk upsert that loads it and the curated set into `instruments`.

- The fund list (33k US ETFs and mutual funds) gives a symbol its name and type only
  (origin 'fund_list'): a fund known from it stays unclassified until a curated entry, the
  tagger or the user classifies it. Nothing is derived from a name or fund family.
- The S&P 500 list classifies each stock exactly (origin 'sp500', source 'reference'):
  equity 100 %, its GICS sector 100 %, the region of its headquarters 100 %.

Precedence: curated > sp500 > fund_list > a user's private stub, which a shared source
promotes (its origin changes; the symbol is then everyone's). Loading never touches prices,
`user_instruments` or a user's prices, and keeps a tagger's classification of a fund-list
row. Rows are written in bulk, INSERT ... ON CONFLICT DO UPDATE (one statement on
PostgreSQL, an executemany per batch on SQLite), skipping rows that would not change, so a
re-seed writes nothing it does not have to."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from alex.db.models import Base, Instrument
from alex.db.types import utcnow
from alex.schemas import InstrumentCreate, Region, Sector, ShortText, Symbol

FUND_LIST_FILE = "us_funds_and_etfs.csv.gz"
SP500_FILE = "sp500_constituents.csv"
BATCH_SIZE = 2000

# GICS sector names (as the S&P 500 file spells them) in our sector vocabulary.
GICS_SECTORS: dict[str, Sector] = {
    "Information Technology": "technology",
    "Health Care": "healthcare",
    "Financials": "financials",
    "Consumer Discretionary": "consumer_discretionary",
    "Consumer Staples": "consumer_staples",
    "Industrials": "industrials",
    "Energy": "energy",
    "Utilities": "utilities",
    "Real Estate": "real_estate",
    "Materials": "materials",
    "Communication Services": "communication",
}
US_STATES = frozenset(
    {
        "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
        "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
        "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
        "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
        "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina",
        "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
        "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
        "Washington", "West Virginia", "Wisconsin", "Wyoming", "D.C.", "Puerto Rico",
    }
)  # fmt: skip
# Headquarters outside the US that the list holds. Bermuda is in the UN's "Northern America"
# region (with Canada and the US); Ireland, the UK, Switzerland and the Netherlands are Europe.
COUNTRY_REGIONS: dict[str, Region] = {
    "Canada": "north_america",
    "Bermuda": "north_america",
    "Ireland": "europe",
    "United Kingdom": "europe",
    "Switzerland": "europe",
    "Netherlands": "europe",
}
# Rows whose headquarters column cannot be mapped, decided one by one (see NOTICE.md).
HEADQUARTERS_OVERRIDES: dict[str, tuple[Region, str]] = {
    "XYZ": (
        "north_america",
        "no headquarters listed (a remote-first company); incorporated and listed in the US",
    ),
}
_FOOTNOTE = re.compile(r"\[\d+\]")

# Which origins each shared source may overwrite: a higher-precedence row is left alone.
_REPLACEABLE: dict[str, tuple[str, ...]] = {
    "curated": ("curated", "sp500", "fund_list", "user"),
    "sp500": ("sp500", "fund_list", "user"),
    "fund_list": ("fund_list", "user"),
}


# --------------------------------------------------------------------------- reading


def _single_spaced(value: object) -> object:
    # A few names hold non-breaking spaces; one plain space keeps word search working.
    return " ".join(value.split()) if isinstance(value, str) else value


class FundListEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    symbol: Symbol
    name: Annotated[ShortText, BeforeValidator(_single_spaced)]
    instrument_type: Literal["etf", "mutual_fund"]


class Sp500Entry(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    symbol: Symbol = Field(alias="Symbol")
    name: ShortText = Field(alias="Security")
    gics_sector: str = Field(alias="GICS Sector")
    headquarters: str = Field(alias="Headquarters Location")
    date_added: date = Field(alias="Date added")


@dataclass(frozen=True)
class FundList:
    entries: tuple[FundListEntry, ...]
    skipped: tuple[str, ...]
    """Rows whose symbol, name or type is invalid, as 'line N (symbol): reason'."""


@dataclass(frozen=True)
class Sp500List:
    entries: tuple[Sp500Entry, ...]
    skipped: tuple[str, ...]
    as_of: date
    """The latest 'Date added' in the file: the list is at least this recent."""


def _reference_text(name: str) -> str:
    data = (resources.files("alex.db") / "reference" / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, row


def _reason(exc: ValidationError) -> str:
    return "invalid " + ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())


@cache
def read_fund_list() -> FundList:
    entries: list[FundListEntry] = []
    skipped: list[str] = []
    for line, row in _rows(_reference_text(FUND_LIST_FILE)):
        try:
            entries.append(FundListEntry.model_validate(row))
        except ValidationError as exc:
            skipped.append(f"line {line} ({row.get('symbol')}): {_reason(exc)}")
    return FundList(tuple(entries), tuple(skipped))


@cache
def read_sp500() -> Sp500List:
    entries: list[Sp500Entry] = []
    skipped: list[str] = []
    for line, row in _rows(_reference_text(SP500_FILE)):
        try:
            entries.append(Sp500Entry.model_validate(row))
        except ValidationError as exc:
            skipped.append(f"line {line} ({row.get('Symbol')}): {_reason(exc)}")
    as_of = max(e.date_added for e in entries)
    return Sp500List(tuple(entries), tuple(skipped), as_of)


def headquarters_region(entry: Sp500Entry) -> tuple[Region, str] | None:
    """The region of a company's headquarters, and how it was decided; None if the column
    names a place no rule covers (the stock is then left unclassified, not guessed)."""
    if entry.symbol in HEADQUARTERS_OVERRIDES:
        return HEADQUARTERS_OVERRIDES[entry.symbol]
    place = _FOOTNOTE.sub("", entry.headquarters).rsplit(",", 1)[-1].strip()
    if place in US_STATES:
        return "north_america", f"headquarters {_FOOTNOTE.sub('', entry.headquarters)}"
    if place in COUNTRY_REGIONS:
        return COUNTRY_REGIONS[place], f"headquarters {entry.headquarters}"
    return None


# --------------------------------------------------------------------------- rows


def fund_list_rows(fund_list: FundList) -> list[dict[str, Any]]:
    return [
        {"symbol": e.symbol, "name": e.name, "instrument_type": e.instrument_type}
        for e in fund_list.entries
    ]


def sp500_rows(sp500: Sp500List) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The S&P 500 rows: those classified from the file, and those it cannot classify (a
    sector or headquarters no rule maps), which are loaded by name and type only."""
    classified: list[dict[str, Any]] = []
    unclassified: list[dict[str, Any]] = []
    for entry in sp500.entries:
        row: dict[str, Any] = {
            "symbol": entry.symbol,
            "name": entry.name,
            "instrument_type": "stock",
        }
        sector = GICS_SECTORS.get(entry.gics_sector)
        region = headquarters_region(entry)
        if sector is None or region is None:
            unclassified.append(row)
            continue
        checked = InstrumentCreate(
            symbol=entry.symbol,
            name=entry.name,
            instrument_type="stock",
            allocation_asset_class={"equity": 100.0},
            allocation_regions={region[0]: 100.0},
            allocation_sectors={sector: 100.0},
            classification_source="reference",
        )
        classified.append(
            row
            | checked.model_dump(
                include={
                    "allocation_asset_class",
                    "allocation_regions",
                    "allocation_sectors",
                    "classification_source",
                }
            )
            | {
                "classification_note": (
                    f"{SP500_FILE} (S&P 500 list, {sp500.as_of:%Y-%m}): GICS sector "
                    f"{entry.gics_sector}; {region[1]}"
                ),
                "classified_as_of": sp500.as_of,
            }
        )
    return classified, unclassified


# --------------------------------------------------------------------------- writing


def upsert_instruments(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    *,
    origin: Literal["curated", "sp500", "fund_list"],
    keep_when_classified: Sequence[str] = (),
) -> None:
    """Insert `rows` (dicts of instrument columns, all with the same keys), or update the
    existing row of a symbol when `origin` may replace it. Columns in `keep_when_classified`
    keep their value on a row that already has a classification (e.g. a tagger's). Rows
    that would not change are not written."""
    if not rows:
        return
    table = Base.metadata.tables[Instrument.__tablename__]
    # One row per symbol: a single statement may not update the same row twice.
    unique = list({row["symbol"]: row for row in rows}.values())
    # `origin` and the timestamps are this function's to set.
    columns = [c for c in unique[0] if c not in {"symbol", "origin", "created_at", "updated_at"}]
    now = utcnow()
    dialect = session.get_bind().dialect
    # The RDS Data API takes no array parameters: through it the rows go in batches, each one
    # BatchExecuteStatement call.
    unnest = dialect.name == "postgresql" and dialect.driver != "dataapi"
    stmt: postgresql.Insert | sqlite.Insert
    if unnest:
        # psycopg runs an executemany row by row, and its Python side (~35 us a row) was the
        # whole cost; instead the rows travel as one array per column, unnested server-side.
        names = ["symbol", *columns]
        source = (
            func.unnest(
                *(
                    bindparam(
                        f"rows_{name}",
                        [row[name] for row in unique],
                        type_=postgresql.ARRAY(table.c[name].type),
                    )
                    for name in names
                )
            )
            .table_valued(*(column(name, table.c[name].type) for name in names))
            .render_derived()
        )
        stamp = literal(now, table.c.created_at.type)
        stmt = postgresql.insert(table).from_select(
            [*names, "origin", "created_at", "updated_at"],
            select(*(source.c[name] for name in names), literal(origin), stamp, stamp),
        )
    else:
        stmt = dialect_insert(session, table)
    new: dict[str, ColumnElement[Any]] = {"origin": stmt.excluded.origin}
    for name in columns:
        proposed: ColumnElement[Any] = stmt.excluded[name]
        if name in keep_when_classified:
            proposed = case(
                (table.c.classification_source.is_(None), proposed), else_=table.c[name]
            )
        new[name] = proposed
    changed = or_(*(table.c[c].is_distinct_from(value) for c, value in new.items()))
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.symbol],
        set_={**new, "updated_at": stmt.excluded.updated_at},
        # Plain comparisons, not IN: an expanding IN cannot run as executemany.
        where=or_(*(table.c.origin == o for o in _REPLACEABLE[origin])) & changed,
    )
    if unnest:
        session.execute(upsert)
    else:
        for start in range(0, len(unique), BATCH_SIZE):
            batch = [
                {**row, "origin": origin, "created_at": now, "updated_at": now}
                for row in unique[start : start + BATCH_SIZE]
            ]
            session.execute(upsert, batch)
    expire_instruments(session)


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the dialect's ON CONFLICT clauses (both databases have them)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"no upsert for the {dialect} dialect")


def expire_instruments(session: Session) -> None:
    """Bulk statements change `instruments` behind the ORM: reload any instrument this
    session has already loaded when it is next read."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Instrument):
            session.expire(obj)


def load_sp500(session: Session) -> tuple[Sp500List, list[str]]:
    """Load the S&P 500 list; returns it and the symbols it could not classify."""
    sp500 = read_sp500()
    classified, unclassified = sp500_rows(sp500)
    upsert_instruments(session, classified, origin="sp500")
    # Without an exact classification, one the tagger made is kept.
    upsert_instruments(session, unclassified, origin="sp500")
    return sp500, [row["symbol"] for row in unclassified]


def load_fund_list(session: Session) -> FundList:
    fund_list = read_fund_list()
    upsert_instruments(
        session,
        fund_list_rows(fund_list),
        origin="fund_list",
        # The file's type is generic (etf or mutual_fund); a classifier's type, e.g.
        # bond_fund, is more specific and belongs with its allocations.
        keep_when_classified=("instrument_type",),
    )
    return fund_list
