"""Plain-text rendering of the engines' results for the `alex plan` command. Pure: takes the
results, returns lines; the CLI prints them."""

from __future__ import annotations

from alex.finance.plan import PortfolioAnalysis
from alex.finance.retirement import RetirementProjection


def _money(value: float) -> str:
    return f"${value:,.0f}"


def plan_summary_lines(analysis: PortfolioAnalysis, projection: RetirementProjection) -> list[str]:
    valuation, allocation = analysis.valuation, analysis.allocation
    lines = [
        f"Portfolio of {analysis.display_name} ({analysis.user_id})",
        f"  total {_money(valuation.total)} = invested {_money(valuation.invested)}"
        f" + cash {_money(valuation.cash)}",
    ]
    lines += [
        f"  {a.account_name:<28} {_money(a.total):>14}  cash {_money(a.cash):>10}"
        for a in valuation.accounts
    ]
    for missing in valuation.missing_price:
        lines.append(f"  missing price: {missing.symbol} ({missing.reason}), excluded from totals")
    lines += [f"  stale price: {s.symbol}, {s.detail}" for s in valuation.stale_prices]
    lines.append(f"  {analysis.data_quality.coverage_statement}")

    lines.append("Allocation")
    for title, breakdown in (
        ("asset class", allocation.asset_class),
        ("region", allocation.region),
    ):
        shares = ", ".join(f"{s.key} {s.pct:.1f}%" for s in breakdown.slices)
        lines.append(f"  by {title}: {shares}")
    if allocation.unclassified_symbols:
        lines.append(f"  unclassified: {', '.join(allocation.unclassified_symbols)}")

    drift = analysis.drift
    lines.append(
        f"Drift vs targets (threshold {drift.threshold_pp:.1f} pp, "
        f"largest {drift.max_abs_drift_pp:.1f} pp)"
    )
    lines += [
        f"  {item.dimension:<12} {item.key:<18} {item.current_pct:6.1f}% vs "
        f"{item.target_pct:5.1f}%  {item.drift_pp:+6.1f} pp{'  !' if item.breach else ''}"
        for item in (*drift.asset_class, *drift.region)
    ]

    plan = analysis.rebalance
    if not plan.trades:
        lines.append("Rebalancing: no trades needed")
    else:
        lines.append(f"Rebalancing plan ({len(plan.trades)} trades):")
        lines += [
            f"  {t.action:<4} {_money(t.amount):>10} {t.symbol:<6} in {t.account_name}"
            for t in plan.trades
        ]
    lines += [f"  note: {reason}" for reason in plan.reasons]

    conc = analysis.concentration
    lines.append(
        f"Diversification score {conc.diversification_score:.1f} (effective holdings), "
        f"largest holding {conc.largest_weight_pct:.1f}%"
    )
    lines += [
        f"Retirement at {projection.retirement_age}, planning to {projection.planning_age}:",
        f"  success {projection.success_pct:.1f}% ± {projection.success_standard_error_pct:.1f} pp"
        f" for {_money(projection.inputs.target_income)}/yr in today's money",
        f"  median wealth at retirement {_money(projection.median_wealth_at_retirement_real)}"
        " (today's money)",
    ]
    if projection.sustainable_income is not None:
        lines.append(
            f"  sustainable income at {projection.success_target_pct:.0f}% success: "
            f"{_money(projection.sustainable_income)}/yr"
        )
    lines += [f"  note: {note}" for note in projection.notes]
    return lines
