"""Plain-text rendering of the engines' results for the `alex plan` command. Pure: takes the
results, returns lines; the CLI prints them. Figures and names read as in the report and on the
web app's pages (alex.core.format)."""

from __future__ import annotations

from alex.core.format import label, money, number, pct, pts
from alex.finance.outlook import RetirementOutlook
from alex.finance.plan import PortfolioAnalysis


def plan_summary_lines(analysis: PortfolioAnalysis, outlook: RetirementOutlook) -> list[str]:
    projection = outlook.projection
    valuation, allocation = analysis.valuation, analysis.allocation
    lines = [
        f"Portfolio of {analysis.display_name} ({analysis.user_id})",
        f"  total {money(valuation.total)} = invested {money(valuation.invested)}"
        f" + cash {money(valuation.cash)}",
    ]
    lines += [
        f"  {a.account_name:<28} {money(a.total):>14}  cash {money(a.cash):>10}"
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
        shares = ", ".join(f"{label(s.key)} {pct(s.pct)}" for s in breakdown.slices)
        lines.append(f"  by {title}: {shares}")
    if allocation.unclassified_symbols:
        lines.append(f"  unclassified: {', '.join(allocation.unclassified_symbols)}")

    drift = analysis.drift
    lines.append(
        f"Drift vs targets (threshold {pts(drift.threshold_pp, signed=False)}, "
        f"largest {pts(drift.max_abs_drift_pp, signed=False)})"
    )
    lines += [
        f"  {item.dimension.replace('_', ' '):<12} {label(item.key):<18} "
        f"{pct(item.current_pct):>6} vs {pct(item.target_pct):>6}  "
        f"{pts(item.drift_pp):>10}{'  !' if item.breach else ''}"
        for item in (*drift.asset_class, *drift.region)
    ]

    plan = analysis.rebalance
    if not plan.trades:
        lines.append("Rebalancing: no trades needed")
    else:
        lines.append(f"Rebalancing plan ({len(plan.trades)} trades):")
        lines += [
            f"  {t.action:<4} {money(t.amount):>10} {t.symbol:<6} in {t.account_name}"
            for t in plan.trades
        ]
    lines += [f"  note: {reason}" for reason in plan.reasons]

    conc = analysis.concentration
    lines.append(
        f"Diversification score {number(conc.diversification_score, 1)} (effective holdings), "
        f"largest holding {pct(conc.largest_weight_pct)}"
    )
    lines += [
        f"Retirement at {projection.retirement_age}, planning to {projection.planning_age}:",
        f"  success {pct(projection.success_pct)} "
        f"± {pts(projection.success_standard_error_pct, signed=False)}"
        f" for {money(projection.inputs.target_income)}/yr in today's money",
        f"  median wealth at retirement {money(projection.median_wealth_at_retirement_real)}"
        " (today's money)",
    ]
    if projection.sustainable_income is not None:
        spread = ""
        if projection.sustainable_income_range is not None:
            low, high = projection.sustainable_income_range
            spread = f" (95% range {money(low)}–{money(high)})"
        lines.append(
            f"  sustainable income at {pct(projection.success_target_pct, 0)} success: "
            f"{money(projection.sustainable_income)}/yr{spread}"
        )
    lines.append(
        f"  ending wealth in today's money: median "
        f"{money(projection.median_wealth_at_planning_age_real)}, 10th percentile "
        f"{money(projection.p10_wealth_at_planning_age_real)}"
    )
    if projection.depletion.median_age is not None:
        lines.append(
            f"  money runs out on {pct(projection.depletion.pct_of_paths)} of paths, "
            f"at a median age of {number(projection.depletion.median_age)}"
        )
    if projection.worst_spending_cut is not None:
        cut = projection.worst_spending_cut
        lines.append(
            f"  worst-year spending cut: median {pct(cut.median_pct)}, "
            f"1 path in 10 at least {pct(cut.p90_pct)}"
        )
    if outlook.by_model:
        lines.append("Success by return model (same plan)")
        for model in outlook.by_model:
            chosen = "  <- this projection" if model.model == projection.inputs.return_model else ""
            figure = "n/a" if model.success_pct is None else pct(model.success_pct)
            extra = f" ({model.paths:,} paths)" if model.paths else f" ({model.note})"
            lines.append(f"  {model.label:<24} {figure:>7}{extra}{chosen}")
    if outlook.allocations:
        lines.append("Allocation")
        for option in outlook.allocations:
            chosen = "  <- this projection" if option.selected else ""
            lines.append(f"  {option.label:<26} success {pct(option.success_pct):>7}{chosen}")
    if outlook.levers:
        lines.append("Levers, ranked (same market paths as the plan)")
        for i, lever in enumerate(outlook.levers, 1):
            line = f"  {i}. {lever.label}: {pts(lever.change_pp)} to {pct(lever.success_pct)}"
            if lever.p10_wealth_change:
                sign = "+" if lever.p10_wealth_change > 0 else ""
                line += f"; 10th-percentile ending wealth {sign}{money(lever.p10_wealth_change)}"
            lines.append(line)
    lines += [f"  note: {note}" for note in projection.notes]
    return lines
