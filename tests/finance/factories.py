"""Small builders for portfolio snapshots, so engine tests need no database."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from alex.schemas import (
    AccountWithPositions,
    InstrumentRead,
    PortfolioSnapshot,
    PositionRead,
    UserRead,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)

US = {"north_america": 100.0}


def instrument(
    symbol: str,
    price: str | None = "100",
    asset_class: dict[str, float] | None = None,
    regions: dict[str, float] | None = None,
    sectors: dict[str, float] | None = None,
    *,
    instrument_type: str = "etf",
    classified: bool = True,
) -> InstrumentRead:
    """An instrument; 100 % US equity technology unless told otherwise."""
    if classified:
        asset_class = asset_class or {"equity": 100.0}
        regions = regions or US
        sectors = sectors or {"technology": 100.0}
    return InstrumentRead(
        symbol=symbol,
        name=f"{symbol} fund",
        instrument_type=instrument_type,
        current_price=None if price is None else Decimal(price),
        price_as_of=date(2026, 1, 1) if price is not None else None,
        allocation_asset_class=asset_class,
        allocation_regions=regions,
        allocation_sectors=sectors,
        classification_source="seed" if classified else None,
        expense_ratio=None,
    )


# A small universe with distinct exposures, loosely modelled on real ETFs.
SPY = instrument(
    "SPY",
    "500",
    {"equity": 100.0},
    US,
    {"technology": 40.0, "financials": 30.0, "healthcare": 30.0},
)
VEA = instrument(
    "VEA",
    "50",
    {"equity": 100.0},
    {"europe": 60.0, "asia_pacific": 40.0},
    {"financials": 50.0, "industrials": 50.0},
)
VWO = instrument(
    "VWO",
    "40",
    {"equity": 100.0},
    {"emerging_markets": 100.0},
    {"technology": 50.0, "financials": 50.0},
)
AGG = instrument(
    "AGG",
    "100",
    {"fixed_income": 98.0, "cash": 2.0},
    US,
    {"government_bonds": 60.0, "corporate_bonds": 40.0},
    instrument_type="bond_fund",
)
VNQ = instrument(
    "VNQ", "90", {"real_estate": 100.0}, US, {"real_estate": 100.0}, instrument_type="reit"
)
GLD = instrument(
    "GLD",
    "200",
    {"commodities": 100.0},
    {"other": 100.0},
    {"precious_metals": 100.0},
    instrument_type="commodity",
)
AOR = instrument(
    "AOR",
    "60",
    {"equity": 60.0, "fixed_income": 38.0, "cash": 2.0},
    {"north_america": 60.0, "europe": 20.0, "asia_pacific": 10.0, "emerging_markets": 10.0},
    {"technology": 30.0, "financials": 30.0, "government_bonds": 40.0},
)
AAPL = instrument(
    "AAPL", "200", {"equity": 100.0}, US, {"technology": 100.0}, instrument_type="stock"
)
ARKK = instrument("ARKK", "70", classified=False)
NOPRICE = instrument("NOPX", None)

UNIVERSE = {i.symbol: i for i in (SPY, VEA, VWO, AGG, VNQ, GLD, AOR, AAPL, ARKK, NOPRICE)}


def user(**overrides: Any) -> UserRead:
    fields: dict[str, Any] = {
        "id": "tester",
        "display_name": "Tess Ter",
        "current_age": 40,
        "years_until_retirement": 25,
        "target_retirement_income": Decimal("60000"),
        "annual_contribution": Decimal("12000"),
        "asset_class_targets": {"equity": 60.0, "fixed_income": 30.0, "cash": 10.0},
        "region_targets": {
            "north_america": 60.0,
            "europe": 20.0,
            "asia_pacific": 10.0,
            "emerging_markets": 10.0,
        },
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return UserRead(**fields)


def account(
    name: str,
    account_type: str,
    cash: str | float | Decimal = "0",
    positions: Mapping[str, str | float | Decimal] | None = None,
    *,
    account_id: uuid.UUID | None = None,
) -> AccountWithPositions:
    """An account holding `positions` as {symbol: quantity}."""
    account_id = account_id or uuid.uuid5(uuid.NAMESPACE_DNS, name)
    return AccountWithPositions(
        id=account_id,
        user_id="tester",
        account_name=name,
        account_type=account_type,
        account_purpose="",
        cash_balance=Decimal(str(cash)),
        cash_interest=Decimal("0"),
        created_at=NOW,
        updated_at=NOW,
        positions=[
            PositionRead(
                id=uuid.uuid5(account_id, symbol),
                account_id=account_id,
                symbol=symbol,
                quantity=Decimal(str(quantity)),
                cost_basis=None,
                as_of_date=date(2026, 1, 1),
                created_at=NOW,
                updated_at=NOW,
            )
            for symbol, quantity in (positions or {}).items()
        ],
    )


def snapshot(
    *accounts: AccountWithPositions,
    instruments: dict[str, InstrumentRead] | None = None,
    **user_overrides: Any,
) -> PortfolioSnapshot:
    held = {p.symbol for a in accounts for p in a.positions}
    universe = instruments if instruments is not None else UNIVERSE
    return PortfolioSnapshot(
        user=user(**user_overrides),
        accounts=list(accounts),
        instruments={s: i for s, i in universe.items() if s in held},
    )


def demo_snapshot(**user_overrides: Any) -> PortfolioSnapshot:
    """Three accounts, one unclassified and one unpriced holding, equity-heavy."""
    return snapshot(
        account("Work 401k", "401k", "2500", {"SPY": 120, "VEA": 300, "AGG": 100}),
        account("Roth IRA", "roth_ira", "1200", {"VWO": 250, "VNQ": 40, "AOR": 100}),
        account(
            "Brokerage", "taxable", "8400.50", {"AAPL": 60, "GLD": 10, "ARKK": 10.5, "NOPX": 5}
        ),
        **user_overrides,
    )
