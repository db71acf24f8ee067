"""The plan: the solver's trades rounded to cents and checked against each account's cash, then
applied to a copy of the portfolio to measure the drift they leave."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from alex.finance.allocation import look_through_values
from alex.finance.money import cents
from alex.finance.rebalance import explain
from alex.finance.rebalance.drift import DEFAULT_DRIFT_THRESHOLD_PP, DriftReport, compute_drift
from alex.finance.rebalance.lp import FloatArray, LinearModel, build_model
from alex.finance.rebalance.strategy import solve
from alex.finance.rebalance.wording import note_text, reason_text
from alex.finance.valuation import PortfolioValuation
from alex.schemas import AccountType, AssetClass, InstrumentRead, Region

DEFAULT_MIN_TRADE = 25.0


class Trade(BaseModel):
    account_id: uuid.UUID
    account_name: str
    account_type: AccountType
    tax_advantaged: bool
    symbol: str
    action: Literal["buy", "sell"]
    amount: float
    quantity: float
    """Approximate units at the current price (fractional)."""
    new_position: bool
    """True when the account does not hold this instrument yet (the user holds it elsewhere)."""
    asset_class_effect: dict[str, float]
    """Signed money change per asset class caused by this trade."""


class AccountCash(BaseModel):
    account_id: uuid.UUID
    account_name: str
    cash_before: float
    sold: float
    bought: float
    cash_after: float


class RebalancePlan(BaseModel):
    threshold_pp: float
    needed: bool
    """Whether any drift breached the threshold before trading."""
    achievable: bool
    """Whether every drift is within the threshold after applying `trades`."""
    trades: list[Trade]
    total_sold: float
    total_bought: float
    accounts: list[AccountCash]
    drift_before: DriftReport
    drift_after: DriftReport
    reasons: list[str]
    """Why the plan falls short, when it does."""
    notes: list[str]


def _trades_in_cents(model: LinearModel, x: FloatArray) -> dict[tuple[int, str], int]:
    """Signed trade in cents per (account index, symbol): net of buys and sells, sells capped
    at the holding, each account's buys trimmed (largest first) to its cash plus sales."""
    buys, sells = model.split(x)
    net = buys - sells
    trades: dict[tuple[int, str], int] = {}
    for a in range(len(model.accounts)):
        for i, symbol in enumerate(model.symbols):
            amount = round(float(net[a, i]) * 100)
            amount = max(amount, -round(float(model.held[a, i]) * 100))
            if amount:
                trades[(a, symbol)] = amount
    for a, account in enumerate(model.accounts):
        mine = {key: v for key, v in trades.items() if key[0] == a}
        excess = sum(mine.values()) - max(round(account.cash * 100), 0)
        for key in sorted(mine, key=lambda k: -mine[k]):
            if excess <= 0 or mine[key] <= 0:
                break
            cut = min(excess, mine[key])
            trades[key] -= cut
            excess -= cut
    return {key: amount for key, amount in trades.items() if amount != 0}


def plan_rebalance(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
    *,
    threshold_pp: float = DEFAULT_DRIFT_THRESHOLD_PP,
    min_trade: float = DEFAULT_MIN_TRADE,
) -> RebalancePlan:
    """The least turnover, in held instruments and cash, that brings every drift within
    `threshold_pp`; the closest it can get when that is impossible."""
    before_allocation = look_through_values(
        valuation.values_by_symbol(), valuation.cash, instruments
    )
    before = compute_drift(
        before_allocation, asset_class_targets, region_targets, threshold_pp=threshold_pp
    )
    model = build_model(valuation, instruments, asset_class_targets, region_targets)
    trades: dict[tuple[int, str], int] = {}
    rescaled: dict[str, float] = {}
    if before.needs_rebalancing and model.symbols:
        solution, rescaled = solve(model, threshold_pp, min_trade)
        if solution is not None:
            trades = _trades_in_cents(model, solution.x)

    accounts = valuation.accounts
    values: dict[str, float] = valuation.values_by_symbol()
    sold = [0] * len(accounts)
    bought = [0] * len(accounts)
    trade_models: list[Trade] = []
    for (a, symbol), amount in sorted(
        trades.items(), key=lambda kv: (kv[1] > 0, kv[0][0], kv[0][1])
    ):
        account = accounts[a]
        instrument = instruments[symbol]
        money = amount / 100.0
        values[symbol] = values.get(symbol, 0.0) + money
        if amount < 0:
            sold[a] += -amount
        else:
            bought[a] += amount
        weights = instrument.allocation_asset_class or {}
        price = float(instrument.current_price or 0)
        trade_models.append(
            Trade(
                account_id=account.account_id,
                account_name=account.account_name,
                account_type=account.account_type,
                tax_advantaged=account.tax_advantaged,
                symbol=symbol,
                action="sell" if amount < 0 else "buy",
                amount=cents(abs(money)),
                quantity=round(abs(money) / price, 6) if price else 0.0,
                new_position=all(p.symbol != symbol for p in account.positions),
                asset_class_effect={k: cents(money * w / 100.0) for k, w in weights.items() if w},
            )
        )
    cash_after = [round(acc.cash * 100) + sold[a] - bought[a] for a, acc in enumerate(accounts)]
    after_allocation = look_through_values(values, sum(cash_after) / 100.0, instruments)
    after = compute_drift(
        after_allocation, asset_class_targets, region_targets, threshold_pp=threshold_pp
    )
    return RebalancePlan(
        threshold_pp=threshold_pp,
        needed=before.needs_rebalancing,
        achievable=not after.needs_rebalancing,
        trades=trade_models,
        total_sold=cents(sum(sold) / 100.0),
        total_bought=cents(sum(bought) / 100.0),
        accounts=[
            AccountCash(
                account_id=acc.account_id,
                account_name=acc.account_name,
                cash_before=acc.cash,
                sold=cents(sold[a] / 100.0),
                bought=cents(bought[a] / 100.0),
                cash_after=cents(cash_after[a] / 100.0),
            )
            for a, acc in enumerate(accounts)
        ],
        drift_before=before,
        drift_after=after,
        reasons=[reason_text(r) for r in explain.shortfall(model, after, instruments, rescaled)],
        notes=[note_text(n) for n in explain.notes(model, trades, rescaled, min_trade)],
    )
