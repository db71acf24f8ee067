"""The offline analyst's portfolio report: which tools it calls, and the Markdown it writes from
their results. Every figure is formatted by `alex.core.format`, as on the web app's pages and in
the CLI, and every sentence is built from the tool results, so the report passes the grounding
check by construction."""

from __future__ import annotations

import re
from typing import Any

from alex.agents.offline import OfflineTurn, PlannedCall
from alex.core.format import money, number, pct, pts
from alex.core.text import md_text
from alex.knowledge.fence import unfence

FACT_TOOLS = (
    "get_portfolio_overview",
    "get_allocation",
    "get_drift_and_rebalancing",
    "get_concentration",
)
MAX_INSIGHTS = 4
# What a drift in each asset class or region is about, in the words notes use for it.
_THEMES = {
    "equity": "stock and bond mix, equity risk",
    "fixed_income": "bonds, duration and interest rates",
    "real_estate": "REITs and real estate",
    "commodities": "commodities, gold and inflation",
    "cash": "cash reserves and short-term Treasuries",
    "north_america": "home bias and international diversification",
    "europe": "international diversification, developed markets",
    "asia_pacific": "international diversification, developed markets",
    "emerging_markets": "emerging markets",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_QUOTE_CHARS = 280


def offline_plan(turn: OfflineTurn) -> list[PlannedCall]:
    """The facts first; then, from them, the knowledge base for this portfolio's themes. A
    theme whose search limited to the holdings found nothing is searched again without them."""
    calls = [PlannedCall(name) for name in FACT_TOOLS]
    if any(turn.result(name) is None for name in FACT_TOOLS):
        return calls
    calls += insight_calls(
        turn.result("get_allocation") or {},
        turn.result("get_drift_and_rebalancing") or {},
        turn.result("get_concentration") or {},
    )
    for result in turn.results:
        output = result.output
        if (
            result.name == "get_market_insights"
            and result.arguments.get("symbols")
            and isinstance(output, dict)
            and output.get("available")
            and not output.get("insights")
        ):
            calls.append(PlannedCall("get_market_insights", {"topic": result.arguments["topic"]}))
    return calls


def insight_calls(
    allocation: dict[str, Any], drift: dict[str, Any], concentration: dict[str, Any]
) -> list[PlannedCall]:
    """One search per theme of this portfolio: the asset classes furthest over and under
    target and the region furthest off it (beyond the band), its concentration, and
    rebalancing when it is due; limited to passages that mention what it holds. With no theme,
    its largest asset class."""
    held = _held_symbols(drift, concentration)
    asset_classes = [d for d in drift.get("asset_class", []) if d["breach"]]
    # Over- and underweight are two themes: too much equity is not the same note as too few
    # bonds. One region is enough: they are all about home bias and going abroad.
    themes = [
        max((d for d in asset_classes if d["drift_pp"] > 0), key=_size, default=None),
        max((d for d in asset_classes if d["drift_pp"] < 0), key=_size, default=None),
        max((d for d in drift.get("region", []) if d["breach"]), key=_size, default=None),
    ]
    topics: list[str] = []
    for row in sorted((t for t in themes if t is not None), key=lambda d: -_size(d)):
        side = "overweight" if row["drift_pp"] > 0 else "underweight"
        theme = _THEMES.get(row["key"], "diversification")
        topics.append(f"{row['label'].lower()} {side}: {theme}")
    if concentration and concentration.get("largest_weight_pct", 0) >= 25:
        topics.append("concentration risk in a few large holdings and single stocks")
    if drift.get("needs_rebalancing"):
        topics.append("rebalancing back to target allocation with threshold bands")
    if not topics and allocation.get("asset_class"):
        topics.append(f"{allocation['asset_class'][0]['label'].lower()} outlook")
    arguments: dict[str, Any] = {"symbols": held} if held else {}
    return [PlannedCall("get_market_insights", {"topic": t, **arguments}) for t in topics]


def _size(row: dict[str, Any]) -> float:
    return abs(float(row["drift_pp"]))


def _held_symbols(drift: dict[str, Any], concentration: dict[str, Any]) -> list[str]:
    """What the facts name of the holdings: the largest ones and those the trades touch."""
    symbols = [h["symbol"] for h in concentration.get("top_holdings", [])]
    symbols += [t["symbol"] for t in drift.get("plan", {}).get("trades", [])]
    return list(dict.fromkeys(symbols))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _holdings(count: int) -> str:
    return f"{count} holding" + ("" if count == 1 else "s")


def offline_write(turn: OfflineTurn) -> str:
    overview: dict[str, Any] = turn.result("get_portfolio_overview") or {}
    allocation: dict[str, Any] = turn.result("get_allocation") or {}
    drift: dict[str, Any] = turn.result("get_drift_and_rebalancing") or {}
    concentration: dict[str, Any] = turn.result("get_concentration") or {}
    insights = [r.output for r in turn.results if r.name == "get_market_insights"]
    if not overview:
        return "## Summary\n\nThe portfolio facts were not available, so no report was written."
    user = overview["user"]
    first_name = md_text((user["name"].split() or ["You"])[0])
    asset_classes = allocation.get("asset_class", [])
    regions = allocation.get("region", [])
    plan = drift.get("plan", {})
    sections = [
        f"# Portfolio report for {md_text(user['name'])}",
        _summary(first_name, user, overview, asset_classes, drift, concentration),
        _accounts(overview),
        _allocation(asset_classes, regions, allocation),
        _concentration(concentration),
        _drift(drift, plan),
        _risks(user, overview, allocation, drift, concentration),
        _recommendations(user, allocation, drift, plan, concentration),
        _data_quality(overview, allocation),
    ]
    if insights:
        sections.append(_market([i for i in insights if isinstance(i, dict)]))
    sections.append(
        "_Educational information generated by Alex's offline analyst from your own data; "
        "not personal financial advice._"
    )
    return "\n\n".join(sections) + "\n"


def _summary(
    first_name: str,
    user: dict[str, Any],
    overview: dict[str, Any],
    asset_classes: list[dict[str, Any]],
    drift: dict[str, Any],
    concentration: dict[str, Any],
) -> str:
    mix = ", ".join(f"{s['label'].lower()} {pct(s['pct'])}" for s in asset_classes[:4])
    lines = [
        "## Summary",
        "",
        f"{first_name}, your portfolio is worth **{money(overview['total_value'])}** across "
        f"{len(overview['accounts'])} accounts: {money(overview['invested'])} invested and "
        f"{money(overview['cash'])} in cash. You are {user['current_age']} with "
        f"{user['years_until_retirement']} years until your planned retirement at age "
        f"{user['retirement_age']}."
        + (
            f" This total leaves out {_holdings(len(overview['missing_prices']))} with no price "
            f"({', '.join(sorted({m['symbol'] for m in overview['missing_prices']}))})."
            if overview.get("missing_prices")
            else ""
        ),
        "",
        f"- **Mix:** {mix}." if mix else "- **Mix:** no classified holdings yet.",
    ]
    if drift:
        if drift.get("needs_rebalancing"):
            worst: dict[str, Any] = max(
                drift.get("asset_class", []) + drift.get("region", []),
                key=lambda d: abs(d["drift_pp"]),
                default={},
            )
            lines.append(
                "- **Drift:** the largest gap to your targets is "
                f"{pts(drift['max_abs_drift_pp'], signed=False)} ({worst.get('label', '')} "
                f"at {pct(worst.get('current_pct', 0))} vs "
                f"{pct(worst.get('target_pct', 0))} target), beyond your band of "
                f"{pts(drift['threshold_pp'], signed=False)}: rebalancing is recommended."
            )
        else:
            lines.append(
                "- **Drift:** every allocation is within your band of "
                f"{pts(drift['threshold_pp'], signed=False)}; no rebalancing is needed."
            )
    if concentration:
        lines.append(
            f"- **Diversification:** {concentration['holdings_count']} holdings, an effective "
            f"{number(concentration['diversification_score'], 1)} independent positions; the "
            "largest is "
            f"{pct(concentration['largest_weight_pct'])} of invested money."
        )
    return "\n".join(lines)


def _accounts(overview: dict[str, Any]) -> str:
    rows = [
        [
            md_text(a["name"]),
            a["type_label"],
            "yes" if a["tax_advantaged"] else "no",
            money(a["total"]),
            money(a["cash"]),
            pct(a["pct_of_portfolio"]),
        ]
        for a in overview["accounts"]
    ]
    return "## Accounts\n\n" + _table(
        ["Account", "Type", "Tax-advantaged", "Value", "Cash", "Share"], rows
    )


def _allocation(
    asset_classes: list[dict[str, Any]], regions: list[dict[str, Any]], allocation: dict[str, Any]
) -> str:
    if not asset_classes:
        return "## Allocation\n\nNo holding is classified yet, so there is no look-through."
    parts = [
        "## Allocation",
        "",
        "Look-through allocation: each fund is split into what it actually holds.",
        "",
        "**By asset class** (cash included)",
        "",
        _table(
            ["Asset class", "Share", "Value"],
            [[s["label"], pct(s["pct"]), money(s["value"])] for s in asset_classes],
        ),
    ]
    if regions:
        parts += [
            "",
            "**By region** (invested money)",
            "",
            _table(["Region", "Share"], [[s["label"], pct(s["pct"])] for s in regions]),
        ]
    sectors = allocation.get("top_sectors", [])
    if sectors:
        listed = ", ".join(f"{s['label'].lower()} {pct(s['pct'])}" for s in sectors[:5])
        parts += ["", f"Largest sectors: {listed}."]
    return "\n".join(parts)


def _concentration(concentration: dict[str, Any]) -> str:
    if not concentration:
        return "## Diversification and concentration\n\nConcentration data was not available."
    rows = [
        [h["symbol"], md_text(h["name"]), money(h["value"]), pct(h["pct_of_invested"])]
        for h in concentration["top_holdings"]
    ]
    score = concentration["diversification_score"]
    parts = [
        "## Diversification and concentration",
        "",
        f"Your diversification score is **{number(score, 1)}** "
        f"({concentration['score_formula']}): the portfolio behaves like "
        f"{number(score, 1)} equally weighted holdings. Inside the funds, money spreads over an "
        f"effective {number(concentration['effective_asset_classes'], 1)} asset classes, "
        f"{number(concentration['effective_regions'], 1)} regions and "
        f"{number(concentration['effective_sectors'], 1)} sectors.",
        "",
        _table(["Holding", "Name", "Value", "Share of invested"], rows),
    ]
    parts += [f"\n- {w}" for w in concentration.get("warnings", [])]
    return "\n".join(parts)


def _drift(drift: dict[str, Any], plan: dict[str, Any]) -> str:
    if not drift:
        return "## Drift and rebalancing\n\nDrift data was not available."
    rows = [
        [
            d["label"],
            pct(d["current_pct"]),
            pct(d["target_pct"]),
            pts(d["drift_pp"]),
            "outside band" if d["breach"] else "ok",
        ]
        for d in drift["asset_class"] + drift["region"]
    ]
    parts = [
        "## Drift and rebalancing",
        "",
        "Drift is your current share minus your target, in percentage points (pts); anything "
        f"beyond {pts(drift['threshold_pp'], signed=False)} is flagged.",
        "",
        _table(["Allocation", "Current", "Target", "Drift", "Status"], rows),
    ]
    trades = plan.get("trades", [])
    if trades:
        parts += [
            "",
            "**Suggested trades** (tax-advantaged accounts first, so no taxable gains are "
            "realised where avoidable):",
            "",
            _table(
                ["Account", "Action", "Symbol", "Amount"],
                [
                    [md_text(t["account"]), t["action"], t["symbol"], money(t["amount"])]
                    for t in trades
                ],
            ),
            "",
            f"In total: sell {money(plan['total_sold'])}, "
            f"buy {money(plan['total_bought'])}. "
            + (
                "Afterwards the largest drift is "
                f"{pts(plan['max_abs_drift_after_pp'], signed=False)}."
                if plan.get("achievable")
                else "These trades narrow the gaps but cannot close all of them with the funds "
                "you hold."
            ),
        ]
    elif drift.get("needs_rebalancing"):
        parts += ["", "No trade within your current holdings closes the gap."]
    parts += [f"\n- {r}" for r in plan.get("reasons", [])]
    return "\n".join(parts)


def _risks(
    user: dict[str, Any],
    overview: dict[str, Any],
    allocation: dict[str, Any],
    drift: dict[str, Any],
    concentration: dict[str, Any],
) -> str:
    risks: list[str] = []
    by_key = {s["key"]: s for s in allocation.get("asset_class", [])}
    equity = by_key.get("equity")
    if equity and equity["pct"] >= 80 and user["years_until_retirement"] <= 10:
        risks.append(
            f"**Sequence risk:** {pct(equity['pct'])} in equities with "
            f"{user['years_until_retirement']} years to go leaves little time to recover from a "
            "crash just before retirement."
        )
    elif equity:
        risks.append(
            f"**Market risk:** {pct(equity['pct'])} in equities means a 2008-style fall would "
            "hit most of the portfolio; that is reasonable only with a long horizon."
        )
    off_target = _off_target(drift)
    if off_target:
        risks.append(off_target)
    regions = {s["key"]: s for s in allocation.get("region", [])}
    home = regions.get("north_america")
    if home and home["pct"] >= 75:
        risks.append(
            f"**Home bias:** {pct(home['pct'])} of invested money is in North America, so "
            "one economy and one currency drive most of your results."
        )
    if concentration and concentration["largest_weight_pct"] >= 25:
        top = concentration["top_holdings"][0]
        if _is_fund(top):
            risks.append(
                f"**Largest holding:** {top['symbol']} is {pct(top['pct_of_invested'])} of "
                "invested money. It is a fund, so that money is already spread over the many "
                "securities it holds; what it adds to your mix shows in the allocation above."
            )
        else:
            risks.append(
                f"**Concentration:** {top['symbol']} alone is {pct(top['pct_of_invested'])} "
                "of invested money, so one company's fortunes move a large part of it."
            )
    cash = by_key.get("cash")
    if cash and cash["pct"] >= 10:
        risks.append(
            f"**Cash drag:** {pct(cash['pct'])} sits in cash ({money(cash['value'])}), "
            "which loses ground to inflation over long periods."
        )
    if allocation.get("unclassified_symbols"):
        risks.append(
            f"**Blind spot:** {', '.join(allocation['unclassified_symbols'])} could not be "
            "classified, so its risk is not reflected in the allocation above."
        )
    if not risks:
        risks.append("No major structural risk stands out in the current data.")
    return "## Risks\n\n" + "\n".join(f"- {r}" for r in risks)


_FUND_TYPES = {"etf", "mutual_fund", "bond_fund"}


def _is_fund(holding: dict[str, Any]) -> bool:
    return holding.get("instrument_type") in _FUND_TYPES


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _off_target(drift: dict[str, Any]) -> str | None:
    """One line for every allocation outside the band: the figures are in the drift table
    just above, so the risks name them instead of repeating a bullet each."""
    # Asset classes are common nouns mid-sentence; regions are names and keep their capitals.
    breaches = [(d["label"].lower(), d) for d in drift.get("asset_class", []) if d["breach"]] + [
        (d["label"], d) for d in drift.get("region", []) if d["breach"]
    ]
    if not breaches:
        return None
    over = [name for name, d in breaches if d["drift_pp"] > 0]
    under = [name for name, d in breaches if d["drift_pp"] < 0]
    sides = [f"overweight in {_names(over)}"] if over else []
    sides += [f"underweight in {_names(under)}"] if under else []
    return (
        f"**Off target:** beyond your band of {pts(drift['threshold_pp'], signed=False)}, you are "
        f"{', and '.join(sides)} (figures in the drift table above)."
    )


def _recommendations(
    user: dict[str, Any],
    allocation: dict[str, Any],
    drift: dict[str, Any],
    plan: dict[str, Any],
    concentration: dict[str, Any],
) -> str:
    recs: list[str] = []
    if drift.get("needs_rebalancing") and plan.get("trades"):
        recs.append(
            "Rebalance with the trades above, starting in your tax-advantaged accounts "
            f"({money(plan['total_bought'])} of buys funded by sales and cash)."
        )
    elif drift and not drift.get("needs_rebalancing"):
        recs.append(
            "Keep your allocation as it is and review it again when any class drifts beyond "
            f"{pts(drift['threshold_pp'], signed=False)}."
        )
    recs.append(
        f"Direct your {money(user['annual_contribution'])} yearly contribution to whatever is "
        "furthest below target: it rebalances without selling anything."
    )
    if allocation.get("unclassified_symbols"):
        recs.append(
            f"Classify {', '.join(allocation['unclassified_symbols'])} on the Accounts page so the "
            "next analysis can see its true exposure."
        )
    if concentration and concentration["largest_weight_pct"] >= 25:
        top = concentration["top_holdings"][0]
        # A fund is diversified inside; telling its holder to diversify it would be wrong.
        if not _is_fund(top):
            recs.append(
                f"Consider moving part of {top['symbol']} into a broad index fund, so that a "
                "single company weighs less in your portfolio."
            )
    recs.append(
        f"Check the retirement projection: it tests whether this mix can fund your "
        f"{money(user['target_retirement_income'])} a year target income."
    )
    return "## Recommendations\n\n" + "\n".join(f"{i}. {r}" for i, r in enumerate(recs, start=1))


def _data_quality(overview: dict[str, Any], allocation: dict[str, Any]) -> str:
    notes: list[str] = []
    if overview.get("coverage_statement"):
        notes.append(f"{overview['coverage_statement']}.")
    if allocation.get("unclassified_symbols"):
        notes.append(
            f"Unclassified: {', '.join(allocation['unclassified_symbols'])} "
            f"({money(allocation.get('unclassified_value', 0))}), excluded from the "
            "look-through rather than guessed."
        )
    for missing in overview.get("missing_prices", []):
        notes.append(
            f"{missing['symbol']} in {md_text(missing['account'])} has no price and is not "
            "valued: set its price on the Accounts page to include it."
        )
    for stale in overview.get("stale_prices", []):
        # The detail can quote a price provider's error text: outside input, so plain text.
        notes.append(f"The price of {stale['symbol']} is stale: {md_text(stale['detail'])}.")
    notes.append("Prices are the latest stored quotes (their dates are above), not live data.")
    return "## Data quality\n\n" + "\n".join(f"- {n}" for n in notes)


def _market(results: list[dict[str, Any]]) -> str:
    """2–4 cited bullets, one document each, taking each theme's best passage before any
    theme's second: every bullet quotes its passage's opening rather than paraphrasing it, so
    nothing a document says is passed off as Alex's own advice."""
    heading = "## Market context\n\n"
    found = [r for r in results if r.get("available")]
    if not found:
        message = next((str(r.get("message", "")) for r in results), "")
        return heading + (md_text(message) or "No market insights are available.")
    picked: list[dict[str, Any]] = []
    refs: set[int] = set()
    depth = max(len(r.get("insights", [])) for r in found)
    for rank in range(depth):
        for result in found:
            items = result.get("insights", [])
            if rank < len(items) and items[rank]["ref"] not in refs:
                picked.append(items[rank])
                refs.add(items[rank]["ref"])
    if not picked:
        return heading + "The knowledge base has no notes on this portfolio's themes yet."
    lines = [
        "From Alex's knowledge base, on this portfolio's themes (quoted; the notes are listed "
        "under References):",
        "",
    ]
    for item in picked[:MAX_INSIGHTS]:
        lines.append(
            f"- **{md_text(item['title'])}**: “{md_text(_opening(item['text']))}” [{item['ref']}]"
        )
    return heading + "\n".join(lines)


def _opening(fenced: str) -> str:
    """The passage's first sentence, or first two when the first is short, cut at a word."""
    sentences = _SENTENCE_END.split(" ".join(unfence(fenced).split()))
    text = sentences[0]
    if len(text) < 80 and len(sentences) > 1:
        text += " " + sentences[1]
    if len(text) <= _QUOTE_CHARS:
        return text
    return text[:_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
