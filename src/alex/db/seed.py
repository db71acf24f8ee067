"""Idempotent seeding: the reference universe, the curated fund set and the demo user."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated

from pydantic import Field, model_validator
from sqlalchemy import Engine, and_, bindparam, func, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.models import UNMAPPED_TABLES, Account, Base, Instrument, Position, Price
from alex.db.reference_data import (
    dialect_insert,
    expire_instruments,
    load_fund_list,
    load_sp500,
    upsert_instruments,
)
from alex.db.repository import SEED_PRICE_SOURCE
from alex.db.seed_data import (
    DEMO_ACCOUNTS,
    DEMO_UNCLASSIFIED,
    DEMO_USER,
    DEMO_USER_ID,
    PRICE_AS_OF,
    SEED_INSTRUMENTS,
    SEED_STOCK_PRICES,
)
from alex.db.session import session_scope
from alex.db.types import utcnow
from alex.schemas import AccountCreate, InstrumentCreate, PositionCreate, UserCreate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedCounts:
    instruments: int
    classified_instruments: int
    demo_accounts: int
    demo_positions: int
    skipped_reference_rows: int = 0
    """Rows of the shipped files not loaded (a symbol that is not a ticker, a missing name)."""


class CuratedInstrument(InstrumentCreate):
    """A curated entry: fully classified, with where its breakdown comes from."""

    classification_note: Annotated[str, Field(min_length=1, max_length=500)]
    classified_as_of: date

    @model_validator(mode="after")
    def _classified(self) -> CuratedInstrument:
        if not (
            self.allocation_asset_class and self.allocation_regions and self.allocation_sectors
        ):
            raise ValueError(f"curated {self.symbol} needs all three breakdowns")
        if self.current_price is None or self.price_as_of is None:
            raise ValueError(f"curated {self.symbol} needs a price and its date")
        return self


@cache
def curated_instruments() -> tuple[CuratedInstrument, ...]:
    return tuple(CuratedInstrument.model_validate(row) for row in SEED_INSTRUMENTS)


_PRICE_COLUMNS = {"current_price", "price_as_of"}


def seed_instruments(session: Session) -> int:
    """Insert or refresh the curated funds and the S&P 500 stocks, and record the seed
    prices. Quick (a few hundred rows, a handful of statements): the demo sign-in runs it. The
    33k-fund list is loaded by `seed_reference`."""
    curated = curated_instruments()
    upsert_instruments(
        session,
        [c.model_dump(exclude=_PRICE_COLUMNS) for c in curated],
        origin="curated",
    )
    load_sp500(session)
    # The demo's unclassified fund, by the name and type the fund list gives it, in case the
    # list itself is not loaded (the fund list never replaces a higher-precedence row).
    arkk = InstrumentCreate.model_validate(DEMO_UNCLASSIFIED)
    upsert_instruments(
        session,
        [arkk.model_dump(include={"symbol", "name", "instrument_type"})],
        origin="fund_list",
        keep_when_classified=("instrument_type",),
    )
    prices = {c.symbol: c.current_price for c in curated}
    prices |= {s: Decimal(p) for s, p in SEED_STOCK_PRICES.items()}
    prices[arkk.symbol] = arkk.current_price
    record_seed_prices(session, {s: p for s, p in prices.items() if p is not None})
    return len(curated)


def record_seed_prices(session: Session, prices: dict[str, Decimal]) -> None:
    """Record the approximate seed prices, dated `PRICE_AS_OF`, in the shared price history
    and as the current price, in bulk (the demo sign-in seeds). The rule is
    `repo.replaces_current_price`'s: a seed price becomes current only where there is no price
    or only a seed one; an approximation never replaces a real (provider's) price, whatever its
    date. Re-seeding writes nothing unless a price changed."""
    history = Base.metadata.tables[Price.__tablename__]
    instruments = Base.metadata.tables[Instrument.__tablename__]
    recorded: dict[str, Decimal] = {
        symbol: price
        for symbol, price in session.execute(
            select(history.c.symbol, history.c.price).where(
                history.c.user_id.is_(None),
                history.c.source == "seed",
                history.c.as_of == PRICE_AS_OF,
                history.c.symbol.in_(prices),
            )
        )
    }
    new = [s for s in prices if s not in recorded]
    changed = [s for s in prices if s in recorded and recorded[s] != prices[s]]
    now = utcnow()
    if new:
        # A concurrent seed (two demo sign-ins at once) may have stored the same row first.
        session.execute(
            dialect_insert(session, history).on_conflict_do_nothing(),
            [
                {"symbol": s, "user_id": None, "price": prices[s], "as_of": PRICE_AS_OF,
                 "source": "seed", "created_at": now}
                for s in new
            ],
        )  # fmt: skip
    if changed:
        session.execute(
            update(history)
            .where(
                history.c.user_id.is_(None),
                history.c.source == "seed",
                history.c.as_of == PRICE_AS_OF,
                history.c.symbol == bindparam("b_symbol"),
            )
            .values(price=bindparam("b_price")),
            [{"b_symbol": s, "b_price": prices[s]} for s in changed],
        )
    session.execute(
        update(instruments)
        .where(
            instruments.c.symbol == bindparam("b_symbol"),
            or_(
                instruments.c.price_as_of.is_(None),
                and_(
                    instruments.c.price_source == SEED_PRICE_SOURCE,
                    or_(
                        instruments.c.price_as_of != PRICE_AS_OF,
                        instruments.c.current_price != bindparam("b_price"),
                    ),
                ),
            ),
        )
        # Unlike a provider's price, a seed price is no refresh: a refresh error stays.
        .values(
            current_price=bindparam("b_price"),
            price_as_of=PRICE_AS_OF,
            price_source="seed",
            updated_at=now,
        ),
        [{"b_symbol": s, "b_price": p} for s, p in prices.items()],
    )
    expire_instruments(session)


def seed_reference(session: Session) -> int:
    """Everything shared: the curated set, the S&P 500 and the fund list. Returns the number
    of rows of the shipped files that were skipped."""
    seed_instruments(session)
    fund_list = load_fund_list(session)
    if fund_list.skipped:
        # Expected (the snapshot lists a few index values, e.g. ^ARB-IV); counted, not fatal.
        log.info(
            "fund list rows skipped",
            extra={"count": len(fund_list.skipped), "first": "; ".join(fund_list.skipped[:5])},
        )
    return len(fund_list.skipped)


def ensure_demo_user(session: Session) -> bool:
    """Create the demo user and portfolio unless it exists. Returns True when created."""
    if repo.get_user(session, DEMO_USER_ID) is not None:
        return False
    user = repo.create_user(session, UserCreate.model_validate(DEMO_USER))
    # The demo's figures are a worked example to show, not placeholders to replace first.
    user.profile_completed_at = utcnow()
    populate_demo_portfolio(session, user.id)
    return True


def populate_demo_portfolio(session: Session, user_id: str) -> None:
    """Give `user_id` the demo accounts and positions (used for the demo user and for the
    'load demo data' action of an empty profile)."""
    for spec in DEMO_ACCOUNTS:
        account = repo.create_account(
            session,
            user_id,
            AccountCreate(
                account_name=spec["account_name"],
                account_type=spec["account_type"],
                account_purpose=spec["account_purpose"],
                cash_balance=Decimal(spec["cash_balance"]),
                cash_interest=Decimal(spec["cash_interest"]),
            ),
        )
        for symbol, quantity in spec["positions"]:
            repo.add_position(
                session, account, PositionCreate(symbol=symbol, quantity=Decimal(quantity))
            )


def seed(engine: Engine) -> SeedCounts:
    with session_scope(engine) as session:
        skipped = seed_reference(session)
        ensure_demo_user(session)
    refresh_statistics(engine)
    return counts(engine, skipped)


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load, let PostgreSQL's planner see the new rows at once: until autovacuum
    gets to it, it would not know the trigram index beats a scan for name search (measured:
    ~22 ms a query before, a few ms after). SQLite's planner needs no statistics for this."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE instruments"))


def counts(engine: Engine, skipped_reference_rows: int = 0) -> SeedCounts:
    with session_scope(engine) as session:
        instruments = session.scalar(select(func.count()).select_from(Instrument)) or 0
        classified = (
            session.scalar(
                select(func.count())
                .select_from(Instrument)
                .where(Instrument.allocation_asset_class.is_not(None))
            )
            or 0
        )
        accounts = (
            session.scalar(
                select(func.count()).select_from(Account).where(Account.user_id == DEMO_USER_ID)
            )
            or 0
        )
        positions = (
            session.scalar(
                select(func.count())
                .select_from(Position)
                .join(Account)
                .where(Account.user_id == DEMO_USER_ID)
            )
            or 0
        )
    return SeedCounts(instruments, classified, accounts, positions, skipped_reference_rows)


def drop_everything(engine: Engine) -> None:
    """Drop every Alex table and Alembic's bookkeeping, whatever revision the database is at."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        existing = set(inspect(conn).get_table_names())
        for name in UNMAPPED_TABLES:
            if name in existing:
                conn.execute(text(f"DROP TABLE {name}"))
        if inspect(conn).has_table("alembic_version"):
            conn.execute(text("DROP TABLE alembic_version"))


def reset(engine: Engine, *, demo: bool) -> SeedCounts:
    drop_everything(engine)
    upgrade(engine.url.render_as_string(hide_password=False))
    with session_scope(engine) as session:
        skipped = seed_reference(session)
        if demo:
            ensure_demo_user(session)
    refresh_statistics(engine)
    return counts(engine, skipped)
