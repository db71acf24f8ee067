"""Concentration and diversification.

Weights here are shares of the *invested* value (priced positions, cash excluded): cash is not a
holding whose concentration matters. `pct_of_portfolio` (cash included) is given alongside so a
report can quote either.

Diversification score = effective number of holdings = 1 / HHI, where
HHI = Σ wᵢ² over instrument weights wᵢ (fractions of invested value, summed across accounts).
N equal holdings score N; one holding scores 1. The same formula over the look-through slices
gives the effective number of asset classes, regions and sectors; those capture the
diversification *inside* funds that the instrument-level score cannot see (one S&P 500 fund
scores 1 holding but spreads over 11 sectors).

Single-name exposure is what can be derived: directly held stocks, plus exposure through funds
when the caller supplies fund constituents (`fund_constituents[fund][name] = % of the fund`).
Without constituent data, exposure through funds is not invented."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from alex.finance.allocation import Allocation, Breakdown
from alex.finance.money import cents, pct
from alex.finance.valuation import PortfolioValuation
from alex.schemas import InstrumentRead, InstrumentType

DEFAULT_TOP_N = 10
DEFAULT_SINGLE_NAME_LIMIT_PCT = 10.0


class Holding(BaseModel):
    symbol: str
    name: str
    instrument_type: InstrumentType | None
    value: float
    pct_of_invested: float
    pct_of_portfolio: float
    accounts: list[str]


class SingleNameExposure(BaseModel):
    symbol: str
    value: float
    pct_of_portfolio: float
    direct_value: float
    via_funds_value: float
    via_funds: list[str]


class Concentration(BaseModel):
    top_holdings: list[Holding]
    holdings_count: int
    largest_holding: Holding | None
    largest_weight_pct: float
    """Largest single instrument as a share of invested value."""
    hhi: float
    """Herfindahl-Hirschman index of instrument weights, 0–1."""
    diversification_score: float
    """Effective number of holdings, 1 / HHI (0 when nothing is invested)."""
    effective_asset_classes: float
    effective_regions: float
    effective_sectors: float
    single_name_exposures: list[SingleNameExposure]
    single_name_note: str
    warnings: list[str]


def _effective_number(weights: list[float]) -> float:
    total = sum(weights)
    if total <= 0:
        return 0.0
    hhi = sum((w / total) ** 2 for w in weights)
    return round(1.0 / hhi, 2)


def _effective_slices(breakdown: Breakdown) -> float:
    return _effective_number([s.value for s in breakdown.slices])


def analyse_concentration(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    allocation: Allocation,
    *,
    top_n: int = DEFAULT_TOP_N,
    single_name_limit_pct: float = DEFAULT_SINGLE_NAME_LIMIT_PCT,
    fund_constituents: Mapping[str, Mapping[str, float]] | None = None,
) -> Concentration:
    """Top holdings, HHI-based diversification score and single-name exposure."""
    values = valuation.values_by_symbol()
    accounts: dict[str, list[str]] = {}
    for account in valuation.accounts:
        for p in account.positions:
            accounts.setdefault(p.symbol, []).append(account.account_name)
    invested = sum(values.values())
    holdings = sorted(
        (
            Holding(
                symbol=symbol,
                name=instruments[symbol].name,
                instrument_type=instruments[symbol].instrument_type,
                value=cents(value),
                pct_of_invested=pct(value, invested),
                pct_of_portfolio=pct(value, valuation.total),
                accounts=sorted(set(accounts[symbol])),
            )
            for symbol, value in values.items()
        ),
        key=lambda h: (-h.value, h.symbol),
    )
    weights = [v / invested for v in values.values()] if invested > 0 else []
    hhi = sum(w * w for w in weights)

    exposures = _single_names(values, instruments, fund_constituents or {})
    single = sorted(
        (
            SingleNameExposure(
                symbol=name,
                value=cents(direct + sum(via.values())),
                pct_of_portfolio=pct(direct + sum(via.values()), valuation.total),
                direct_value=cents(direct),
                via_funds_value=cents(sum(via.values())),
                via_funds=sorted(via),
            )
            for name, (direct, via) in exposures.items()
        ),
        key=lambda e: (-e.value, e.symbol),
    )
    if fund_constituents:
        note = "Single names include exposure through funds with supplied constituents."
    else:
        note = (
            "Only directly held stocks are shown: fund constituents are not available, so "
            "exposure to a company through funds is not derived."
        )
    warnings = [
        f"{e.symbol} is {e.pct_of_portfolio:g}% of the portfolio, above the "
        f"{single_name_limit_pct:g}% single-name guideline."
        for e in single
        if e.pct_of_portfolio > single_name_limit_pct
    ]
    largest = holdings[0] if holdings else None
    return Concentration(
        top_holdings=holdings[:top_n],
        holdings_count=len(holdings),
        largest_holding=largest,
        largest_weight_pct=largest.pct_of_invested if largest else 0.0,
        hhi=round(hhi, 4),
        diversification_score=round(1.0 / hhi, 2) if hhi > 0 else 0.0,
        effective_asset_classes=_effective_slices(allocation.asset_class),
        effective_regions=_effective_slices(allocation.region),
        effective_sectors=_effective_slices(allocation.sector),
        single_name_exposures=single,
        single_name_note=note,
        warnings=warnings,
    )


def _single_names(
    values: Mapping[str, float],
    instruments: Mapping[str, InstrumentRead],
    constituents: Mapping[str, Mapping[str, float]],
) -> dict[str, tuple[float, dict[str, float]]]:
    direct: dict[str, float] = {}
    via: dict[str, dict[str, float]] = {}
    for symbol, value in values.items():
        if instruments[symbol].instrument_type == "stock":
            direct[symbol] = direct.get(symbol, 0.0) + value
        for name, weight in constituents.get(symbol, {}).items():
            via.setdefault(name, {})[symbol] = value * weight / 100.0
    return {name: (direct.get(name, 0.0), via.get(name, {})) for name in direct.keys() | via}
