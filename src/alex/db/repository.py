"""Data access shared by the API, the agents and the workers.

Functions take a `Session` and never commit: the caller owns the transaction, so a multi-row
change is one unit of work. Ownership is checked here, once, by the `get_owned_*` functions."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, tuple_, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from alex.core.config import get_settings
from alex.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from alex.db.models import (
    Account,
    Instrument,
    Job,
    JobEvent,
    Position,
    Price,
    TokenRevocation,
    User,
    UserInstrument,
)
from alex.db.types import utcnow
from alex.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    AccountWithPositions,
    ClassificationSource,
    InstrumentClassification,
    InstrumentCreate,
    InstrumentRead,
    JobEventCreate,
    PortfolioSnapshot,
    PositionCreate,
    PositionRead,
    PositionUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- users


def get_user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def require_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user '{user_id}' not found")
    return user


def create_user(session: Session, data: UserCreate) -> User:
    user = User(**data.model_dump(mode="python"))
    session.add(user)
    session.flush()
    return user


def get_or_create_user(session: Session, user_id: str, display_name: str | None = None) -> User:
    user = session.get(User, user_id)
    if user is not None:
        return user
    data = UserCreate(id=user_id, display_name=display_name or "Investor")
    return create_user(session, data)


def update_user(session: Session, user: User, data: UserUpdate) -> User:
    for field, value in data.model_dump(exclude_unset=True, mode="python").items():
        if value is None:
            # Every profile field is required in storage; an explicit null means "leave as is".
            continue
        setattr(user, field, value)
    session.flush()
    return user


def delete_user(session: Session, user_id: str) -> None:
    """Remove the user and, through cascades, every account, position and job they own."""
    session.execute(delete(User).where(User.id == user_id))
    delete_orphan_private_instruments(session)


# --------------------------------------------------------------------------- token revocations


def revoke_token(session: Session, jti: str, expires_at: datetime) -> TokenRevocation:
    """Refuse one token (sign-out) until it would have expired anyway."""
    return _add_revocation(session, TokenRevocation(jti=jti, expires_at=expires_at))


def revoke_user_tokens(
    session: Session, user_id: str, issued_before: datetime, expires_at: datetime
) -> TokenRevocation:
    """Refuse every token of `user_id` issued up to `issued_before`."""
    row = TokenRevocation(user_id=user_id, issued_before=issued_before, expires_at=expires_at)
    return _add_revocation(session, row)


def _add_revocation(session: Session, row: TokenRevocation) -> TokenRevocation:
    session.execute(delete(TokenRevocation).where(TokenRevocation.expires_at <= utcnow()))
    session.add(row)
    session.flush()
    return row


def user_tokens_revoked(session: Session, user_id: str, issued_at: datetime) -> bool:
    """Whether a deletion refuses `user_id`'s tokens issued at `issued_at` (a process that has
    not polled yet must still not recreate the deleted profile)."""
    stmt = (
        select(TokenRevocation.id)
        .where(
            TokenRevocation.user_id == user_id,
            TokenRevocation.issued_before >= issued_at,
            TokenRevocation.expires_at > utcnow(),
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None


def token_revocations(
    session: Session, *, created_since: datetime | None = None
) -> Sequence[TokenRevocation]:
    """Unexpired revocations, optionally only those created since a time."""
    stmt = select(TokenRevocation).where(TokenRevocation.expires_at > utcnow())
    if created_since is not None:
        stmt = stmt.where(TokenRevocation.created_at >= created_since)
    return session.scalars(stmt.order_by(TokenRevocation.id)).all()


# --------------------------------------------------------------------------- instruments


def get_instrument(session: Session, symbol: str) -> Instrument | None:
    return session.get(Instrument, symbol.upper())


def require_instrument(session: Session, symbol: str) -> Instrument:
    instrument = get_instrument(session, symbol)
    if instrument is None:
        raise NotFoundError(f"instrument '{symbol.upper()}' not found")
    return instrument


_SYMBOL_PREFIX = re.compile(r"[A-Z0-9.\-]+")


def _like_pattern(text: str, *, prefix: str = "", suffix: str = "%") -> str:
    """A LIKE pattern matching `text` literally (backslash is the escape character)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{prefix}{escaped}{suffix}"


def search_instruments(
    session: Session,
    user_id: str,
    query: str = "",
    *,
    limit: int = 20,
    unclassified_only: bool = False,
) -> Sequence[Instrument]:
    """Symbol autocomplete: instruments whose symbol or name matches `query`, best first.

    Ranks: the exact symbol, then symbols starting with the query (shorter first, then curated,
    then classified); then names: starting with it as a whole word, holding it as a whole
    word, starting with it, with a word starting with it, in which every word of the query
    starts a word, containing it anywhere (within each: curated, classified, then shorter
    symbols first). An empty query lists the user's own instruments first.

    Shared rows are visible to everyone; a symbol a user created (origin 'user') only to users
    who hold it or have their own view of it. Returns the shared rows: the caller lays the
    user's overlay over them."""
    held = (
        select(Position.symbol)
        .join(Account, Account.id == Position.account_id)
        .where(Account.user_id == user_id)
    )
    own_view = select(UserInstrument.symbol).where(UserInstrument.user_id == user_id)
    users = or_(Instrument.symbol.in_(held), Instrument.symbol.in_(own_view))
    stmt = select(Instrument).where(or_(Instrument.origin != "user", users))
    if unclassified_only:
        stmt = stmt.where(Instrument.allocation_asset_class.is_(None))
    text = " ".join(query.upper().split())
    # Within a rank: the curated funds (the ones savers hold most), then other classified
    # rows, then the rest.
    preference = case(
        (Instrument.origin == "curated", 0),
        (Instrument.allocation_asset_class.is_not(None), 1),
        else_=2,
    )
    if not text:
        # Nothing typed yet: the user's own instruments (held, or with their own view), then
        # the first symbols in primary-key order; ranking all 33k rows would cost a full sort.
        # (Their symbols are read first: filtering the table by the subqueries would scan it.)
        mine = session.scalars(union(held, own_view)).all()
        own = list(
            session.scalars(
                stmt.where(Instrument.symbol.in_(mine)).order_by(Instrument.symbol).limit(limit)
            )
        )
        if len(own) == limit:
            return own
        if own:
            stmt = stmt.where(Instrument.symbol.not_in([i.symbol for i in own]))
        rest = stmt.order_by(Instrument.symbol).limit(limit - len(own))
        return [*own, *session.scalars(rest)]
    postgres = session.get_bind().dialect.name == "postgresql"

    # First the symbols starting with the query: they outrank every name match, so when they
    # fill the page (one or two letters typed) no name is read at all.
    found: list[Instrument] = []
    if _SYMBOL_PREFIX.fullmatch(text):
        # Symbols are stored upper-case: a case-sensitive prefix match, which SQLite serves
        # from the primary key with GLOB (its LIKE ignores case, so it cannot).
        symbol_prefix = (
            Instrument.symbol.like(f"{text}%")
            if postgres
            else Instrument.symbol.op("GLOB")(f"{text}*")
        )
        found = list(
            session.scalars(
                stmt.where(symbol_prefix)
                .order_by(
                    (Instrument.symbol != text),
                    func.length(Instrument.symbol),
                    preference,
                    Instrument.symbol,
                )
                .limit(limit)
            )
        )
        if len(found) == limit:
            return found

    # Then names: a case-insensitive LIKE. On PostgreSQL the trigram index on the name serves
    # ILIKE (substrings included); SQLite's LIKE ignores ASCII case and scans the names.
    if postgres:

        def name_like(pattern: str) -> ColumnElement[bool]:
            return Instrument.name.ilike(pattern, escape="\\")
    else:

        def name_like(pattern: str) -> ColumnElement[bool]:
            return Instrument.name.like(pattern, escape="\\")

    def starts_word(word: str) -> ColumnElement[bool]:
        return or_(name_like(_like_pattern(word)), name_like(_like_pattern(word, prefix="% ")))

    words = text.split(" ")
    every_word = and_(*(starts_word(word) for word in words))
    rank = case(
        # A whole word typed ("gold") first matches whole words: SPDR Gold Shares before the
        # pages of Goldman Sachs funds that merely start with it.
        (
            or_(
                name_like(_like_pattern(text, suffix="")),
                name_like(_like_pattern(text, suffix=" %")),
            ),
            2,
        ),
        (
            or_(
                name_like(_like_pattern(text, prefix="% ", suffix=" %")),
                name_like(_like_pattern(text, prefix="% ", suffix="")),
            ),
            3,
        ),
        (name_like(_like_pattern(text)), 4),
        (name_like(_like_pattern(text, prefix="% ")), 5),
        (every_word, 6),
        else_=7,
    )
    # Every word of the query is in any matching name; the longest is the cheapest filter.
    longest = max(words, key=len)
    if found:
        stmt = stmt.where(Instrument.symbol.not_in([i.symbol for i in found]))
    by_name = (
        stmt.where(
            name_like(_like_pattern(longest, prefix="%")),
            or_(name_like(_like_pattern(text, prefix="%")), every_word),
        )
        .order_by(rank, preference, func.length(Instrument.symbol), Instrument.symbol)
        .limit(limit - len(found))
    )
    return [*found, *session.scalars(by_name)]


def upsert_instrument(session: Session, data: InstrumentCreate) -> Instrument:
    instrument = session.get(Instrument, data.symbol)
    values = data.model_dump(mode="python")
    if instrument is None:
        instrument = Instrument(**values)
        session.add(instrument)
    else:
        for field, value in values.items():
            setattr(instrument, field, value)
    session.flush()
    return instrument


def count_private_symbols(session: Session, user_id: str) -> int:
    """Symbols no shared source knows that `user_id` holds (each one they created)."""
    stmt = (
        select(func.count(func.distinct(Position.symbol)))
        .join(Account, Account.id == Position.account_id)
        .join(Instrument, Instrument.symbol == Position.symbol)
        .where(Account.user_id == user_id, Instrument.origin == "user")
    )
    return int(session.scalar(stmt) or 0)


def ensure_instrument(session: Session, symbol: str, user_id: str) -> Instrument:
    """The instrument for `symbol`. A symbol no shared source knows gets a bare private row
    (its symbol only: no name, type, price or allocations invented), visible only to users who
    hold it, and counted against `user_id`'s limit of private symbols."""
    instrument = session.get(Instrument, symbol)
    if instrument is not None and (
        instrument.origin != "user" or user_holds(session, user_id, symbol)
    ):
        return instrument
    # Another user's private symbol counts as new for this user too: answering otherwise would
    # reveal that it exists, and let the limit be passed with other users' symbols.
    limit = get_settings().max_private_symbols
    if count_private_symbols(session, user_id) >= limit:
        raise ValidationFailedError(
            f"{symbol} is not a symbol Alex knows, and you already hold {limit} such symbols "
            "(the limit per user); remove some or check the symbol",
            field="symbol",
        )
    if instrument is not None:
        return instrument
    instrument = Instrument(symbol=symbol, name=symbol, origin="user")
    try:
        with session.begin_nested():
            session.add(instrument)
            session.flush()
    except IntegrityError:
        # Another request created the same symbol first; theirs is as bare as ours.
        instrument = session.get(Instrument, symbol)
        if instrument is None:
            raise
    return instrument


def is_visible(session: Session, user_id: str, instrument: Instrument) -> bool:
    """Shared rows are visible to everyone; a private row only to a user who holds it."""
    return instrument.origin != "user" or user_holds(session, user_id, instrument.symbol)


def visible_symbols(session: Session, user_id: str, instruments: Iterable[Instrument]) -> set[str]:
    """`is_visible` for many instruments, with one query for the user's holdings."""
    rows = list(instruments)
    if not any(i.origin == "user" for i in rows):
        return {i.symbol for i in rows}
    theirs = set(held_symbols(session, user_id))
    return {i.symbol for i in rows if i.origin != "user" or i.symbol in theirs}


def require_visible_instrument(session: Session, user_id: str, symbol: str) -> Instrument:
    instrument = get_instrument(session, symbol)
    if instrument is None or not is_visible(session, user_id, instrument):
        # A private symbol of another user reads as unknown: its existence is theirs.
        raise NotFoundError(f"instrument '{symbol.upper()}' not found")
    return instrument


def classify_instrument(
    session: Session,
    instrument: Instrument,
    classification: InstrumentClassification,
    source: ClassificationSource,
) -> Instrument:
    """Classify the *shared* row: only the seed, reference data and the tagger may."""
    if source == "user":
        raise ValueError("a user's classification goes to their overlay: classify_for_user")
    _write_classification(instrument, classification, source)
    session.flush()
    return instrument


def _write_classification(
    row: Instrument | UserInstrument,
    classification: InstrumentClassification,
    source: ClassificationSource,
) -> None:
    """The shared row and an overlay carry a classification in the same columns."""
    dumped = classification.model_dump(mode="json")
    row.name = classification.name
    row.instrument_type = classification.instrument_type
    row.allocation_asset_class = dumped["allocation_asset_class"]
    row.allocation_regions = dumped["allocation_regions"]
    row.allocation_sectors = dumped["allocation_sectors"]
    row.classification_source = source


def _overlay(session: Session, user_id: str, symbol: str) -> UserInstrument:
    overlay = session.get(UserInstrument, (user_id, symbol))
    if overlay is None:
        overlay = UserInstrument(user_id=user_id, symbol=symbol)
        session.add(overlay)
    return overlay


def classify_for_user(
    session: Session,
    user_id: str,
    symbol: str,
    classification: InstrumentClassification,
    source: ClassificationSource = "user",
) -> UserInstrument:
    """Lay a classification (and name) over `symbol` for `user_id` only."""
    overlay = _overlay(session, user_id, symbol)
    _write_classification(overlay, classification, source)
    session.flush()
    return overlay


def clear_user_classification(session: Session, user_id: str, symbol: str) -> None:
    """Drop `user_id`'s overlay of `symbol`: they see the shared row again."""
    session.execute(
        delete(UserInstrument).where(
            UserInstrument.user_id == user_id, UserInstrument.symbol == symbol
        )
    )


def store_tagger_classification(
    session: Session, user_id: str, symbol: str, classification: InstrumentClassification
) -> None:
    """The tagger classifies a shared, still unclassified row for everyone; a private symbol
    (or a shared row someone classified meanwhile) only for the user whose job asked."""
    instrument = require_instrument(session, symbol)
    if instrument.origin != "user" and instrument.allocation_asset_class is None:
        classify_instrument(session, instrument, classification, "tagger")
    else:
        classify_for_user(session, user_id, symbol, classification, "tagger")


def is_classified(instrument: Instrument) -> bool:
    return bool(
        instrument.allocation_asset_class
        and instrument.allocation_regions
        and instrument.allocation_sectors
    )


def delete_orphan_private_instruments(session: Session) -> int:
    """After a delete: remove private rows nobody holds any more (with every overlay and price
    of them), and each user's overlay and own prices of private symbols they no longer hold (so
    nothing of theirs hints that someone else still holds it). Returns the rows removed."""
    private = select(Instrument.symbol).where(Instrument.origin == "user")
    holders = (
        select(Account.user_id, Position.symbol)
        .join(Position, Position.account_id == Account.id)
        .where(Position.symbol.in_(private))
    )
    removed = 0
    for model in (UserInstrument, Price):
        not_held = ~tuple_(model.user_id, model.symbol).in_(holders)
        result = session.execute(
            delete(model).where(model.user_id.is_not(None), model.symbol.in_(private), not_held)
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    try:
        # A concurrent request may have just added one of these symbols again; then it is no
        # orphan, the RESTRICT key refuses the delete, and keeping the row is right.
        with session.begin_nested():
            result = session.execute(
                delete(Instrument).where(
                    Instrument.origin == "user",
                    Instrument.symbol.not_in(select(Position.symbol).distinct()),
                )
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
    except IntegrityError:
        logger.info("a private instrument was held again while being cleaned up; kept")
    return removed


# --------------------------------------------------------------------------- prices


SEED_PRICE_SOURCE = "seed"
"""The curated set's approximate prices: shown (and flagged stale) until any real price."""


@dataclass(frozen=True)
class EffectivePrice:
    price: Decimal
    as_of: date
    source: str


def record_price(
    session: Session,
    symbol: str,
    price: Decimal,
    as_of: date,
    source: str,
    *,
    user_id: str | None = None,
) -> None:
    """Add a price to the history (the same symbol, user, day and source is updated in
    place). A shared price (`user_id` None) also becomes the instrument's current price unless
    a newer one is already there."""
    if price <= 0:
        raise ValidationFailedError(f"the price of {symbol} must be positive", field="price")
    user_match = Price.user_id.is_(None) if user_id is None else Price.user_id == user_id
    row = session.scalar(
        select(Price).where(
            Price.symbol == symbol, user_match, Price.as_of == as_of, Price.source == source
        )
    )
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    Price(symbol=symbol, user_id=user_id, price=price, as_of=as_of, source=source)
                )
        except IntegrityError:
            # A concurrent refresh stored the same day first: this quote replaces it.
            session.execute(
                update(Price)
                .where(
                    Price.symbol == symbol, user_match, Price.as_of == as_of, Price.source == source
                )
                .values(price=price)
            )
    else:
        row.price = price
    if user_id is None:
        instrument = require_instrument(session, symbol)
        if replaces_current_price(instrument.price_as_of, instrument.price_source, as_of, source):
            instrument.current_price = price
            instrument.price_as_of = as_of
            instrument.price_source = source
        instrument.price_error = None
        instrument.price_checked_at = utcnow()
    session.flush()


def mark_price_error(session: Session, symbol: str, message: str) -> None:
    """A refresh of `symbol` failed: keep its price, say why (it is then reported stale)."""
    instrument = require_instrument(session, symbol)
    instrument.price_error = message[:500]
    instrument.price_checked_at = utcnow()
    session.flush()


def set_user_price(
    session: Session, user_id: str, symbol: str, price: Decimal, as_of: date
) -> None:
    """The user's own price for a symbol they hold; it applies to them only."""
    record_price(session, symbol, price, as_of, "user", user_id=user_id)


def clear_user_prices(session: Session, user_id: str, symbol: str) -> None:
    session.execute(delete(Price).where(Price.user_id == user_id, Price.symbol == symbol))


def user_latest_prices(
    session: Session, user_id: str, symbols: Iterable[str]
) -> dict[str, EffectivePrice]:
    """The user's own latest price per symbol (typed or imported), where they have one."""
    wanted = set(symbols)
    if not wanted:
        return {}
    rows = session.execute(
        select(Price.symbol, Price.price, Price.as_of, Price.source)
        .where(Price.user_id == user_id, Price.symbol.in_(wanted))
        .order_by(Price.symbol, Price.as_of.desc(), Price.id.desc())
    ).all()
    latest: dict[str, EffectivePrice] = {}
    for symbol, price, as_of, source in rows:
        latest.setdefault(symbol, EffectivePrice(price, as_of, source))
    return latest


def effective_price(
    shared_price: Decimal | None,
    shared_as_of: date | None,
    shared_source: str | None,
    own: EffectivePrice | None,
) -> EffectivePrice | None:
    """The latest of the shared price and the user's own (a tie goes to the user's own). The
    seed's approximate prices never win over a user's real one, whatever the dates."""
    shared = (
        EffectivePrice(shared_price, shared_as_of, shared_source or SEED_PRICE_SOURCE)
        if shared_price is not None and shared_as_of is not None
        else None
    )
    if own is None:
        return shared
    if shared is None or shared.source == SEED_PRICE_SOURCE or own.as_of >= shared.as_of:
        return own
    return shared


def replaces_current_price(
    current_as_of: date | None, current_source: str | None, as_of: date, source: str
) -> bool:
    """Whether a new shared price becomes the current one: a newer (or same-day) price does,
    and any real price replaces an approximate seed price; a seed price never replaces a
    real one."""
    if current_as_of is None:
        return True
    if current_source == SEED_PRICE_SOURCE and source != SEED_PRICE_SOURCE:
        return True
    if source == SEED_PRICE_SOURCE and current_source not in (None, SEED_PRICE_SOURCE):
        return False
    return as_of >= current_as_of


def price_history(
    session: Session, user_id: str, symbol: str, *, limit: int = 100
) -> Sequence[Price]:
    """Shared and the user's own prices of `symbol`, newest first."""
    stmt = (
        select(Price)
        .where(Price.symbol == symbol, or_(Price.user_id.is_(None), Price.user_id == user_id))
        .order_by(Price.as_of.desc(), Price.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def user_overlays(session: Session, user_id: str) -> Sequence[UserInstrument]:
    stmt = (
        select(UserInstrument)
        .where(UserInstrument.user_id == user_id)
        .order_by(UserInstrument.symbol)
    )
    return session.scalars(stmt).all()


def user_prices(session: Session, user_id: str) -> Sequence[Price]:
    """Every price `user_id` set or imported, by symbol, newest first."""
    stmt = (
        select(Price)
        .where(Price.user_id == user_id)
        .order_by(Price.symbol, Price.as_of.desc(), Price.id.desc())
    )
    return session.scalars(stmt).all()


def held_symbols(session: Session, user_id: str | None = None) -> list[str]:
    """Every symbol held by anyone (or by `user_id`): what a price refresh updates."""
    stmt = select(Position.symbol).distinct()
    if user_id is not None:
        stmt = stmt.join(Account, Account.id == Position.account_id).where(
            Account.user_id == user_id
        )
    return sorted(session.scalars(stmt).all())


# --------------------------------------------------------------------------- effective view


def effective_instruments(
    session: Session, user_id: str, symbols: Iterable[str]
) -> dict[str, InstrumentRead]:
    """`user_id`'s view of these instruments: the shared row, their overlay (name and
    classification) laid over it, and the latest of the shared price and their own. Three
    queries whatever the number of symbols."""
    wanted = set(symbols)
    if not wanted:
        return {}
    instruments = session.scalars(select(Instrument).where(Instrument.symbol.in_(wanted))).all()
    overlays = {
        o.symbol: o
        for o in session.scalars(
            select(UserInstrument).where(
                UserInstrument.user_id == user_id, UserInstrument.symbol.in_(wanted)
            )
        )
    }
    own_prices = user_latest_prices(session, user_id, wanted)
    out: dict[str, InstrumentRead] = {}
    for instrument in instruments:
        read = InstrumentRead.model_validate(instrument)
        updates: dict[str, Any] = {}
        overlay = overlays.get(instrument.symbol)
        if overlay is not None and overlay.allocation_asset_class is not None:
            updates |= {
                "name": overlay.name or read.name,
                "instrument_type": overlay.instrument_type,
                "allocation_asset_class": overlay.allocation_asset_class,
                "allocation_regions": overlay.allocation_regions,
                "allocation_sectors": overlay.allocation_sectors,
                "classification_source": overlay.classification_source,
                "classification_note": None,
                "classified_as_of": None,
            }
        price = effective_price(
            instrument.current_price,
            instrument.price_as_of,
            instrument.price_source,
            own_prices.get(instrument.symbol),
        )
        shared = (instrument.current_price, instrument.price_as_of, instrument.price_source)
        if price is not None and (price.price, price.as_of, price.source) != shared:
            updates |= {
                "current_price": price.price,
                "price_as_of": price.as_of,
                "price_source": price.source,
                "price_error": None,
            }
        out[instrument.symbol] = (
            InstrumentRead.model_validate({**read.model_dump(), **updates}) if updates else read
        )
    return out


# --------------------------------------------------------------------------- accounts


def list_accounts(session: Session, user_id: str) -> Sequence[Account]:
    stmt = select(Account).where(Account.user_id == user_id).order_by(Account.created_at)
    return session.scalars(stmt).all()


def get_owned_account(session: Session, user_id: str, account_id: uuid.UUID) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"account '{account_id}' not found")
    if account.user_id != user_id:
        raise ForbiddenError("this account belongs to another user")
    return account


def create_account(session: Session, user_id: str, data: AccountCreate) -> Account:
    account = Account(user_id=user_id, **data.model_dump(mode="python"))
    session.add(account)
    session.flush()
    return account


def update_account(session: Session, account: Account, data: AccountUpdate) -> Account:
    for field, value in data.model_dump(exclude_unset=True, mode="python").items():
        if value is not None:
            setattr(account, field, value)
    session.flush()
    return account


def delete_account(session: Session, account: Account) -> None:
    session.delete(account)
    session.flush()
    delete_orphan_private_instruments(session)


# --------------------------------------------------------------------------- positions


def list_positions(session: Session, account_id: uuid.UUID) -> Sequence[Position]:
    stmt = select(Position).where(Position.account_id == account_id).order_by(Position.symbol)
    return session.scalars(stmt).all()


def user_holds(session: Session, user_id: str, symbol: str) -> bool:
    """Whether any of the user's accounts holds `symbol`."""
    stmt = (
        select(Position.id)
        .join(Account, Position.account_id == Account.id)
        .where(Account.user_id == user_id, Position.symbol == symbol)
        .limit(1)
    )
    return session.scalar(stmt) is not None


def get_owned_position(session: Session, user_id: str, position_id: uuid.UUID) -> Position:
    position = session.get(Position, position_id)
    if position is None:
        raise NotFoundError(f"position '{position_id}' not found")
    if position.account.user_id != user_id:
        raise ForbiddenError("this position belongs to another user")
    return position


def add_position(session: Session, account: Account, data: PositionCreate) -> Position:
    ensure_instrument(session, data.symbol, account.user_id)
    existing = session.scalar(
        select(Position).where(Position.account_id == account.id, Position.symbol == data.symbol)
    )
    if existing is not None:
        raise ConflictError(
            f"account already holds {data.symbol}; update that position instead", field="symbol"
        )
    position = Position(
        account_id=account.id,
        symbol=data.symbol,
        quantity=data.quantity,
        cost_basis=data.cost_basis,
        as_of_date=data.as_of_date or date.today(),
    )
    session.add(position)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # A concurrent request inserted the same (account, symbol) first.
        raise ConflictError(f"account already holds {data.symbol}", field="symbol") from exc
    return position


def _apply_update(position: Position, data: PositionUpdate) -> None:
    for field, value in data.model_dump(exclude_unset=True, mode="python").items():
        if field == "quantity" and value is None:
            continue
        setattr(position, field, value)


def update_position(session: Session, position: Position, data: PositionUpdate) -> Position:
    _apply_update(position, data)
    session.flush()
    return position


# A file import writes thousands of rows: these do it in a handful of statements (one flush,
# which SQLAlchemy batches into multi-row INSERTs and executemany UPDATEs) instead of several
# round trips per row.


def update_positions(session: Session, changes: Sequence[tuple[Position, PositionUpdate]]) -> None:
    for position, data in changes:
        _apply_update(position, data)
    session.flush()


def add_positions(
    session: Session, account: Account, rows: Sequence[PositionCreate]
) -> list[Position]:
    """Add positions for symbols the account does not hold yet, creating bare private rows
    for symbols no shared source knows (all of them within the user's limit, or none)."""
    symbols = [r.symbol for r in rows]
    if not symbols:
        return []
    if len(set(symbols)) != len(symbols):
        raise ValidationFailedError("each symbol may be added once", field="symbol")
    held = session.scalars(
        select(Position.symbol).where(
            Position.account_id == account.id, Position.symbol.in_(symbols)
        )
    ).all()
    if held:
        raise ConflictError(
            f"account already holds {', '.join(sorted(held))}; update instead", field="symbol"
        )
    known = set(session.scalars(select(Instrument.symbol).where(Instrument.symbol.in_(symbols))))
    new = [s for s in symbols if s not in known]
    if new:
        limit = get_settings().max_private_symbols
        already = count_private_symbols(session, account.user_id)
        if already + len(new) > limit:
            raise ValidationFailedError(
                f"{len(new)} symbol(s) Alex does not know ({', '.join(new[:5])}) would take you "
                f"over the limit of {limit} such symbols per user (you hold {already})",
                field="symbol",
            )
        session.add_all(Instrument(symbol=s, name=s, origin="user") for s in new)
    today = date.today()
    positions = [
        Position(
            account_id=account.id,
            symbol=r.symbol,
            quantity=r.quantity,
            cost_basis=r.cost_basis,
            as_of_date=r.as_of_date or today,
        )
        for r in rows
    ]
    session.add_all(positions)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # Another request added one of these holdings (or created one of the symbols) first.
        raise ConflictError(
            "these holdings changed while the import ran; preview the file again",
            field="symbol",
        ) from exc
    return positions


def record_user_prices(
    session: Session,
    user_id: str,
    prices: Mapping[str, Decimal],
    as_of: date,
    source: str,
) -> None:
    """Record many of `user_id`'s own prices of one day and source (a broker file's)."""
    if not prices:
        return
    bad = sorted(s for s, p in prices.items() if p <= 0)
    if bad:
        raise ValidationFailedError(f"prices must be positive: {', '.join(bad)}", field="price")
    existing = {
        row.symbol: row
        for row in session.scalars(
            select(Price).where(
                Price.user_id == user_id,
                Price.symbol.in_(list(prices)),
                Price.as_of == as_of,
                Price.source == source,
            )
        )
    }
    for symbol, price in prices.items():
        row = existing.get(symbol)
        if row is not None:
            row.price = price
        else:
            session.add(
                Price(symbol=symbol, user_id=user_id, price=price, as_of=as_of, source=source)
            )
    session.flush()


def delete_position(session: Session, position: Position) -> None:
    session.delete(position)
    session.flush()
    delete_orphan_private_instruments(session)


# --------------------------------------------------------------------------- portfolio


def load_portfolio(session: Session, user_id: str) -> PortfolioSnapshot:
    """The user's accounts, positions and their view of each instrument (overlay and own
    prices applied) in six queries, whatever the size."""
    user = require_user(session, user_id)
    accounts = session.scalars(
        select(Account)
        .where(Account.user_id == user_id)
        .options(selectinload(Account.positions))
        .order_by(Account.created_at)
    ).all()
    symbols = {p.symbol for a in accounts for p in a.positions}
    return PortfolioSnapshot(
        user=UserRead.model_validate(user),
        accounts=[
            AccountWithPositions(
                **AccountRead.model_validate(a).model_dump(),
                positions=[PositionRead.model_validate(p) for p in a.positions],
            )
            for a in accounts
        ],
        instruments=effective_instruments(session, user_id, symbols),
        valued_on=date.today(),
        price_max_age_days=get_settings().price_max_age_days,
    )


# --------------------------------------------------------------------------- jobs


def create_job(
    session: Session, user_id: str, job_type: str, request_payload: dict[str, Any] | None = None
) -> Job:
    job = Job(user_id=user_id, job_type=job_type, status="pending", request_payload=request_payload)
    session.add(job)
    session.flush()
    return job


class LeaseLostError(Exception):
    """Another worker has taken this job over (ours stalled past its lease): whatever this one
    still wanted to write to the job is refused, so two attempts never write over each other."""


def lock_job(session: Session, job_id: uuid.UUID, lease_owner: str | None) -> Job:
    """The job, for writing in this transaction on behalf of `lease_owner` (None: a caller that
    runs the job outside any queue, e.g. `alex analyze`). The check is a write, `UPDATE … WHERE
    lease_owner = :me`, so it also locks the row (PostgreSQL) or the database (SQLite) until
    commit: a claim by another worker lands wholly before this transaction or wholly after."""
    if lease_owner is not None:
        held = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == lease_owner)
            .values(lease_owner=lease_owner)
            .execution_options(synchronize_session=False)
        )
        if held.rowcount != 1:  # type: ignore[attr-defined]
            require_job(session, job_id)  # a missing job says so
            raise LeaseLostError(f"job {job_id} is no longer leased to {lease_owner}")
    return require_job(session, job_id)


def get_job(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id)


def require_job(session: Session, job_id: uuid.UUID) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"job '{job_id}' not found")
    return job


def get_owned_job(session: Session, user_id: str, job_id: uuid.UUID) -> Job:
    job = require_job(session, job_id)
    if job.user_id != user_id:
        raise ForbiddenError("this job belongs to another user")
    return job


def check_job_owner(session: Session, user_id: str, job_id: uuid.UUID) -> None:
    """`get_owned_job`'s checks and errors, reading only the owner column."""
    owner = session.scalar(select(Job.user_id).where(Job.id == job_id))
    if owner is None:
        raise NotFoundError(f"job '{job_id}' not found")
    if owner != user_id:
        raise ForbiddenError("this job belongs to another user")


def list_jobs(session: Session, user_id: str, *, limit: int = 50) -> Sequence[Job]:
    stmt = (
        select(Job)
        .where(Job.user_id == user_id)
        .order_by(Job.created_at.desc(), Job.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_jobs_since(session: Session, user_id: str, since: datetime) -> int:
    stmt = (
        select(func.count()).select_from(Job).where(Job.user_id == user_id, Job.created_at >= since)
    )
    return int(session.scalar(stmt) or 0)


def oldest_job_since(session: Session, user_id: str, since: datetime) -> datetime | None:
    stmt = select(func.min(Job.created_at)).where(Job.user_id == user_id, Job.created_at >= since)
    value = session.scalar(stmt)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def append_event(
    session: Session,
    job_id: uuid.UUID,
    event: JobEventCreate,
    *,
    lease_owner: str | None = None,
) -> JobEvent:
    """Append an event with the next per-job sequence number; with `lease_owner`, only while
    that worker still holds the job (`lock_job`).

    The unique (job_id, seq) constraint makes concurrent writers collide instead of
    interleaving; the loser retries with a fresh max. Because seq n+1 can only be taken once
    seq n is visible, a reader polling `after=n` never skips an event."""
    if lease_owner is not None:
        lock_job(session, job_id, lease_owner)
    for _ in range(20):
        next_seq = (
            session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)) or 0
        ) + 1
        row = JobEvent(job_id=job_id, seq=next_seq, **event.model_dump(mode="python"))
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return row
    raise ConflictError(f"could not allocate an event sequence number for job {job_id}")


def list_events(
    session: Session, job_id: uuid.UUID, *, after: int = 0, limit: int = 500
) -> Sequence[JobEvent]:
    stmt = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def mark_job_running(session: Session, job: Job) -> Job:
    """The planner's first step. Attempts and leases belong to the queue that claimed the job."""
    job.status = "running"
    job.started_at = job.started_at or utcnow()
    job.error_message = None
    session.flush()
    return job


def store_job_section(session: Session, job: Job, field: str, payload: dict[str, Any]) -> Job:
    if field not in {"report_payload", "charts_payload", "retirement_payload", "summary_payload"}:
        raise ValueError(f"unknown job section {field}")
    setattr(job, field, payload)
    session.flush()
    return job


def complete_job(session: Session, job: Job) -> Job:
    job.status = "completed"
    job.completed_at = utcnow()
    job.lease_owner = None
    job.lease_expires_at = None
    session.flush()
    return job


def fail_job(session: Session, job: Job, reason: str) -> Job:
    job.status = "failed"
    job.error_message = reason[:2000]
    job.completed_at = utcnow()
    job.lease_owner = None
    job.lease_expires_at = None
    session.flush()
    return job
