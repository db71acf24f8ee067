"""What changed between two analyses, and why.

Each completed analysis keeps what it was computed from (`AnalysisInputsRecord`: the positions of
every account with their quantity, price and price date, the cash of every account, and the
profile's figures and targets). `compare` sets two analyses side by side: the value, the
asset-class shares, the drift and the odds of the plan, and — when both kept their inputs — the
reasons: positions added or removed, quantities changed, prices moved, cash and profile changes.

The value change is split into the contributions of new positions, removed positions, quantity
changes, price changes and cash, in exact `Decimal` cents, so the parts always add up to the
total change. Positions are valued as the valuation engine values them (`position_value`, one
rounding per position); a position without a price counts for nothing, as in every total. A
position held in both analyses is taken at the earlier price for its quantity change and the
rest of its change is the price's:

    quantity effect = value(new quantity, old price) − value(old quantity, old price)
    price effect    = value(new quantity, new price) − value(new quantity, old price)

A position is the same one when it is held in the same account (by the account's id) under the
same symbol; one moved to another account is removed from the first and new in the second."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

from pydantic import BaseModel, Field

from alex.finance.money import CENT, round_pct
from alex.finance.valuation import cash_value, position_value
from alex.schemas import ASSET_CLASSES, REGIONS, AssetClass, PortfolioSnapshot, Region

ZERO = Decimal("0.00")
K = TypeVar("K", bound=str)

# --------------------------------------------------------------------------- the record


class RecordedPosition(BaseModel):
    symbol: str
    quantity: Decimal
    price: Decimal | None = Field(description="The price used; null when there was none.")
    price_as_of: date | None


class RecordedAccount(BaseModel):
    account_id: uuid.UUID
    name: str
    cash: Decimal
    positions: list[RecordedPosition]


class RecordedProfile(BaseModel):
    current_age: int
    retirement_age: int
    target_retirement_income: Decimal
    annual_contribution: Decimal
    asset_class_targets: dict[AssetClass, float]
    region_targets: dict[Region, float]


class AnalysisInputsRecord(BaseModel):
    """What an analysis was computed from, kept with its summary so a later analysis can say
    what moved since."""

    valued_on: date
    accounts: list[RecordedAccount]
    profile: RecordedProfile


def record_inputs(snapshot: PortfolioSnapshot) -> AnalysisInputsRecord:
    """The record of what an analysis of `snapshot` is computed from."""
    user = snapshot.user
    accounts = []
    for account in snapshot.accounts:
        positions = []
        for p in sorted(account.positions, key=lambda p: p.symbol):
            instrument = snapshot.instruments.get(p.symbol)
            price = instrument.current_price if instrument else None
            positions.append(
                RecordedPosition(
                    symbol=p.symbol,
                    quantity=p.quantity,
                    price=price,
                    price_as_of=instrument.price_as_of
                    if instrument and price is not None
                    else None,
                )
            )
        accounts.append(
            RecordedAccount(
                account_id=account.id,
                name=account.account_name,
                cash=account.cash_balance,
                positions=positions,
            )
        )
    return AnalysisInputsRecord(
        valued_on=snapshot.valued_on,
        accounts=accounts,
        profile=RecordedProfile(
            current_age=user.current_age,
            retirement_age=user.current_age + user.years_until_retirement,
            target_retirement_income=user.target_retirement_income,
            annual_contribution=user.annual_contribution,
            asset_class_targets=dict(user.asset_class_targets),
            region_targets=dict(user.region_targets),
        ),
    )


def _value(position: RecordedPosition | None, quantity: Decimal | None = None) -> Decimal:
    """A position's value as every total counts it (none without a price)."""
    if position is None or position.price is None:
        return ZERO
    return position_value(position.quantity if quantity is None else quantity, position.price)


def recorded_value(record: AnalysisInputsRecord) -> Decimal:
    """The portfolio's total as the analysis valued it: cash plus every priced position."""
    return sum(
        (cash_value(a.cash) + sum((_value(p) for p in a.positions), ZERO) for a in record.accounts),
        ZERO,
    )


# --------------------------------------------------------------------------- the comparison


class AnalysisFigures(BaseModel):
    """One analysis as the comparison reads it: the figures every analysis stored (older ones
    too) and, when it kept them, its inputs."""

    total_value: Decimal
    asset_class_pct: dict[str, float] = Field(default_factory=dict)
    max_drift_pp: float | None = None
    success_pct: float | None = None
    sustainable_income: float | None = None
    current_age: int | None = None
    retirement_age: int | None = None
    target_retirement_income: float | None = None
    annual_contribution: float | None = None
    inputs: AnalysisInputsRecord | None = None


class FigureChange(BaseModel):
    """A figure before and after; `change` is null unless both are known."""

    before: float | None
    after: float | None
    change: float | None


class ValueChange(BaseModel):
    before: Decimal
    after: Decimal
    change: Decimal


class ValueAttribution(BaseModel):
    """The value change in parts that add up to it exactly."""

    new_positions: Decimal
    removed_positions: Decimal
    quantity_changes: Decimal
    price_changes: Decimal
    cash: Decimal


class ShareChange(BaseModel):
    """An asset class's share of the classified value, in percent; the change in points."""

    key: str
    before_pct: float
    after_pct: float
    change_pp: float


class DriftChange(BaseModel):
    """An asset class's drift from its target (current minus target), in points."""

    key: str
    before_pp: float
    after_pp: float
    change_pp: float
    target_before_pct: float
    target_after_pct: float


class PositionChange(BaseModel):
    """A position added, removed or resized. `value_change` is what it adds to the value
    change: the new position's value, minus the removed one's, or the quantity change at the
    earlier price (`price`, null when there was none)."""

    account_id: uuid.UUID
    account_name: str
    symbol: str
    change: Literal["added", "removed", "resized"]
    quantity_before: Decimal | None
    quantity_after: Decimal | None
    quantity_change: Decimal
    price: Decimal | None
    value_change: Decimal


class PriceChange(BaseModel):
    """A price that moved for a symbol held in both analyses, and what the move did to the
    value of what was held (summed over accounts)."""

    symbol: str
    price_before: Decimal | None
    price_after: Decimal | None
    price_as_of_before: date | None
    price_as_of_after: date | None
    change_pct: float | None = Field(description="The move in percent; null without both prices.")
    value_change: Decimal


class CashChange(BaseModel):
    """An account's cash; `before` (or `after`) is null when the account was not there."""

    account_id: uuid.UUID
    account_name: str
    before: Decimal | None
    after: Decimal | None
    change: Decimal


ProfileField = Literal[
    "current_age", "retirement_age", "target_retirement_income", "annual_contribution"
]


class ProfileChange(BaseModel):
    field: ProfileField
    before: float
    after: float
    change: float


class TargetChange(BaseModel):
    dimension: Literal["asset_class", "region"]
    key: str
    before_pct: float
    after_pct: float
    change_pp: float


class AnalysisComparison(BaseModel):
    """An analysis set against an earlier one. The value, shares, drift and odds come from the
    figures every analysis stored; the reasons (`attribution`, positions, prices, cash) need
    both analyses' inputs, and are empty with `reasons_available` false otherwise. Profile
    changes are compared wherever both analyses recorded the figure."""

    reasons_available: bool
    value: ValueChange
    attribution: ValueAttribution | None
    asset_class: list[ShareChange]
    max_drift: FigureChange
    drift: list[DriftChange] = Field(
        description="Asset-class drift, when both analyses recorded their targets."
    )
    success: FigureChange = Field(description="Chance (0–100) that the plan lasts; points.")
    sustainable_income: FigureChange
    positions: list[PositionChange]
    prices: list[PriceChange]
    cash: list[CashChange]
    profile: list[ProfileChange]
    targets: list[TargetChange]


def compare(before: AnalysisFigures, after: AnalysisFigures) -> AnalysisComparison:
    """What changed from the analysis `before` to the analysis `after`."""
    positions: list[PositionChange] = []
    prices: list[PriceChange] = []
    cash: list[CashChange] = []
    attribution = None
    if before.inputs is not None and after.inputs is not None:
        # The records value the portfolio exactly as the analyses did (and as their headlines
        # say); their totals are used so that the parts add up to the change shown.
        total_before, total_after = recorded_value(before.inputs), recorded_value(after.inputs)
        positions, prices = _positions(before.inputs, after.inputs)
        cash = _cash(before.inputs, after.inputs)
        attribution = ValueAttribution(
            new_positions=_total(p.value_change for p in positions if p.change == "added"),
            removed_positions=_total(p.value_change for p in positions if p.change == "removed"),
            quantity_changes=_total(p.value_change for p in positions if p.change == "resized"),
            price_changes=_total(p.value_change for p in prices),
            cash=_total(c.change for c in cash),
        )
    else:
        total_before, total_after = _cents(before.total_value), _cents(after.total_value)
    return AnalysisComparison(
        reasons_available=attribution is not None,
        value=ValueChange(
            before=total_before, after=total_after, change=total_after - total_before
        ),
        attribution=attribution,
        asset_class=_shares(before.asset_class_pct, after.asset_class_pct),
        max_drift=_figure(before.max_drift_pp, after.max_drift_pp),
        drift=_drift(before, after),
        success=_figure(before.success_pct, after.success_pct),
        sustainable_income=_figure(before.sustainable_income, after.sustainable_income),
        positions=positions,
        prices=prices,
        cash=cash,
        profile=_profile(before, after),
        targets=_targets(before.inputs, after.inputs),
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _figure(before: float | None, after: float | None) -> FigureChange:
    change = None if before is None or after is None else round_pct(after - before)
    return FigureChange(before=before, after=after, change=change)


Key = tuple[uuid.UUID, str]


def _held(record: AnalysisInputsRecord) -> dict[Key, tuple[RecordedAccount, RecordedPosition]]:
    return {(a.account_id, p.symbol): (a, p) for a in record.accounts for p in a.positions}


def _positions(
    before: AnalysisInputsRecord, after: AnalysisInputsRecord
) -> tuple[list[PositionChange], list[PriceChange]]:
    old, new = _held(before), _held(after)
    changes: list[PositionChange] = []
    price_effects: dict[str, Decimal] = {}
    moved: dict[str, tuple[RecordedPosition, RecordedPosition]] = {}
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[1], str(k[0]))):
        account, p0 = old.get(key, (None, None))
        account_now, p1 = new.get(key, (None, None))
        if p0 is None and p1 is not None and account_now is not None:
            changes.append(
                _position_change(account_now, p1, "added", None, p1.quantity, p1.price, _value(p1))
            )
        elif p1 is None and p0 is not None and account is not None:
            changes.append(
                _position_change(account, p0, "removed", p0.quantity, None, p0.price, -_value(p0))
            )
        elif p0 is not None and p1 is not None and account_now is not None:
            at_old_price = _value(p0, p1.quantity)
            quantity_effect = at_old_price - _value(p0)
            price_effect = _value(p1) - at_old_price
            if p1.quantity != p0.quantity:
                resized = _position_change(
                    account_now, p1, "resized", p0.quantity, p1.quantity, p0.price, quantity_effect
                )
                changes.append(resized)
            if p1.price != p0.price:
                price_effects[p1.symbol] = price_effects.get(p1.symbol, ZERO) + price_effect
                moved[p1.symbol] = (p0, p1)
    changes.sort(key=lambda c: (-abs(c.value_change), c.symbol, c.account_name))
    prices = [
        PriceChange(
            symbol=symbol,
            price_before=p0.price,
            price_after=p1.price,
            price_as_of_before=p0.price_as_of,
            price_as_of_after=p1.price_as_of,
            change_pct=_move_pct(p0.price, p1.price),
            value_change=price_effects[symbol],
        )
        for symbol, (p0, p1) in moved.items()
    ]
    prices.sort(key=lambda p: (-abs(p.value_change), p.symbol))
    return changes, prices


def _position_change(
    account: RecordedAccount,
    position: RecordedPosition,
    change: Literal["added", "removed", "resized"],
    quantity_before: Decimal | None,
    quantity_after: Decimal | None,
    price: Decimal | None,
    value_change: Decimal,
) -> PositionChange:
    return PositionChange(
        account_id=account.account_id,
        account_name=account.name,
        symbol=position.symbol,
        change=change,
        quantity_before=quantity_before,
        quantity_after=quantity_after,
        quantity_change=(quantity_after or ZERO) - (quantity_before or ZERO),
        price=price,
        value_change=value_change,
    )


def _move_pct(before: Decimal | None, after: Decimal | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return round_pct(float((after - before) / before * 100))


def _cash(before: AnalysisInputsRecord, after: AnalysisInputsRecord) -> list[CashChange]:
    old = {a.account_id: a for a in before.accounts}
    new = {a.account_id: a for a in after.accounts}
    changes = []
    for account_id in old.keys() | new.keys():
        a0, a1 = old.get(account_id), new.get(account_id)
        c0 = cash_value(a0.cash) if a0 else None
        c1 = cash_value(a1.cash) if a1 else None
        change = (c1 or ZERO) - (c0 or ZERO)
        if change != 0:
            name = (a1 or a0).name  # type: ignore[union-attr]
            changes.append(
                CashChange(
                    account_id=account_id, account_name=name, before=c0, after=c1, change=change
                )
            )
    changes.sort(key=lambda c: (-abs(c.change), c.account_name))
    return changes


def _shares(before: Mapping[str, float], after: Mapping[str, float]) -> list[ShareChange]:
    if not before or not after:
        return []
    keys: list[str] = [k for k in ASSET_CLASSES if k in before or k in after]
    keys += sorted((before.keys() | after.keys()) - set(keys))
    return [
        ShareChange(
            key=k,
            before_pct=before.get(k, 0.0),
            after_pct=after.get(k, 0.0),
            change_pp=round_pct(after.get(k, 0.0) - before.get(k, 0.0)),
        )
        for k in keys
    ]


def _drift(before: AnalysisFigures, after: AnalysisFigures) -> list[DriftChange]:
    """Asset-class drift as the drift engine measures it (current share minus target, rounded
    to 2 dp; a class with neither a share nor a target is left out)."""
    if before.inputs is None or after.inputs is None:
        return []
    if not before.asset_class_pct or not after.asset_class_pct:
        return []
    t0 = before.inputs.profile.asset_class_targets
    t1 = after.inputs.profile.asset_class_targets
    out = []
    for key in ASSET_CLASSES:
        s0, s1 = before.asset_class_pct.get(key, 0.0), after.asset_class_pct.get(key, 0.0)
        g0, g1 = float(t0.get(key, 0.0)), float(t1.get(key, 0.0))
        if s0 == g0 == s1 == g1 == 0:
            continue
        d0, d1 = round_pct(s0 - g0), round_pct(s1 - g1)
        out.append(
            DriftChange(
                key=key,
                before_pp=d0,
                after_pp=d1,
                change_pp=round_pct(d1 - d0),
                target_before_pct=round_pct(g0),
                target_after_pct=round_pct(g1),
            )
        )
    return out


_PROFILE_FIELDS: tuple[ProfileField, ...] = (
    "retirement_age",
    "annual_contribution",
    "target_retirement_income",
    "current_age",
)


def _profile_figures(figures: AnalysisFigures) -> dict[ProfileField, float | None]:
    if figures.inputs is not None:
        p = figures.inputs.profile
        return {
            "current_age": p.current_age,
            "retirement_age": p.retirement_age,
            "target_retirement_income": float(p.target_retirement_income),
            "annual_contribution": float(p.annual_contribution),
        }
    return {f: getattr(figures, f) for f in _PROFILE_FIELDS}


def _profile(before: AnalysisFigures, after: AnalysisFigures) -> list[ProfileChange]:
    old, new = _profile_figures(before), _profile_figures(after)
    out = []
    for field in _PROFILE_FIELDS:
        b, a = old[field], new[field]
        if b is not None and a is not None and a != b:
            out.append(ProfileChange(field=field, before=b, after=a, change=round(a - b, 2)))
    return out


def _targets(
    before: AnalysisInputsRecord | None, after: AnalysisInputsRecord | None
) -> list[TargetChange]:
    if before is None or after is None:
        return []
    old, new = before.profile, after.profile
    return [
        *_target_changes(
            "asset_class", ASSET_CLASSES, old.asset_class_targets, new.asset_class_targets
        ),
        *_target_changes("region", REGIONS, old.region_targets, new.region_targets),
    ]


def _target_changes(
    dimension: Literal["asset_class", "region"],
    vocabulary: tuple[K, ...],
    before: Mapping[K, float],
    after: Mapping[K, float],
) -> list[TargetChange]:
    out = []
    for key in vocabulary:
        b, a = float(before.get(key, 0.0)), float(after.get(key, 0.0))
        if a != b:
            change = round_pct(a - b)
            out.append(
                TargetChange(
                    dimension=dimension, key=key, before_pct=b, after_pct=a, change_pp=change
                )
            )
    return out
