"""Idempotent seeding of reference instruments and the demo user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.models import Account, Base, Instrument, Position
from alex.db.seed_data import (
    DEMO_ACCOUNTS,
    DEMO_UNCLASSIFIED,
    DEMO_USER,
    DEMO_USER_ID,
    SEED_INSTRUMENTS,
)
from alex.db.session import session_scope
from alex.schemas import AccountCreate, InstrumentCreate, PositionCreate, UserCreate


@dataclass(frozen=True)
class SeedCounts:
    instruments: int
    classified_instruments: int
    demo_accounts: int
    demo_positions: int


def seed_instruments(session: Session) -> int:
    """Insert or refresh the reference instruments. Rows a user or the tagger classified are
    other symbols, so refreshing seed rows never overwrites their work."""
    for row in SEED_INSTRUMENTS:
        repo.upsert_instrument(session, InstrumentCreate.model_validate(row))
    if repo.get_instrument(session, DEMO_UNCLASSIFIED["symbol"]) is None:
        repo.upsert_instrument(session, InstrumentCreate.model_validate(DEMO_UNCLASSIFIED))
    return len(SEED_INSTRUMENTS)


def ensure_demo_user(session: Session) -> bool:
    """Create the demo user and portfolio unless it exists. Returns True when created."""
    if repo.get_user(session, DEMO_USER_ID) is not None:
        return False
    user = repo.create_user(session, UserCreate.model_validate(DEMO_USER))
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
        seed_instruments(session)
        ensure_demo_user(session)
    return counts(engine)


def counts(engine: Engine) -> SeedCounts:
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
    return SeedCounts(instruments, classified, accounts, positions)


def drop_everything(engine: Engine) -> None:
    """Drop every Alex table and Alembic's bookkeeping, whatever revision the database is at."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        if inspect(conn).has_table("alembic_version"):
            conn.execute(text("DROP TABLE alembic_version"))


def reset(engine: Engine, *, demo: bool) -> SeedCounts:
    drop_everything(engine)
    upgrade(engine.url.render_as_string(hide_password=False))
    with session_scope(engine) as session:
        seed_instruments(session)
        if demo:
            ensure_demo_user(session)
    return counts(engine)
