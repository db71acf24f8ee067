"""The sentences a rebalancing plan's reasons and notes read as, one per code (`explain.py`).
What the user sees is written here and nowhere else in the engine."""

from __future__ import annotations

from alex.core.format import label_in_sentence, pts
from alex.finance.rebalance.explain import Note, Reason

_OVERLAP = (
    "the funds you hold cannot meet every target at once, because a fund that adds to one "
    "part of your mix also adds to others (a US bond fund adds both fixed income and North "
    "America)."
)


def _label(key: str) -> str:
    return label_in_sentence(key)


def _away(reason: Reason) -> str:
    label = _label(reason.key or "")
    side = "above" if reason.drift_pp > 0 else "below"
    drift = pts(abs(reason.drift_pp), signed=False)
    away = f"{label[:1].upper()}{label[1:]} stays {drift} {side} its "
    return away + f"{reason.target_pct:g}% target"


def reason_text(reason: Reason) -> str:
    label = _label(reason.key or "")
    if reason.code == "no_tradable_holdings":
        return (
            "You hold no priced, classified instrument to trade, so the drift cannot be "
            "closed with what you already own."
        )
    if reason.code == "nothing_held_adds":
        return (
            f"Nothing you hold adds {label}, so the {reason.target_pct:g}% {label} target "
            f"cannot be reached without buying something new (currently {reason.current_pct:g}%)."
        )
    if reason.code == "only_untradable_holdings":
        return (
            f"{_away(reason)}: it comes only from holdings that cannot be traded here "
            f"({', '.join(reason.symbols)})."
        )
    if reason.code == "target_shared_out":
        names = " or ".join(_label(key) for key, _ in reason.unreachable)
        shares = " and ".join(f"{target:g}%" for _, target in reason.unreachable)
        text = (
            f"{_away(reason)}. Nothing you hold adds {names}, so the plan spreads "
            f"{'that target' if len(reason.unreachable) == 1 else 'those targets'} ({shares}) "
            f"over your other targets in proportion and aims {label} at {reason.goal_pct:g}%."
        )
        if reason.goal_out_of_reach:
            text += f" Even that is out of reach: {_OVERLAP}"
        return text
    if reason.code == "funds_overlap":
        return f"{_away(reason)}: {_OVERLAP}"
    return (
        "Holdings without a price or a full classification were left untouched: "
        + ", ".join(reason.symbols)
        + "."
    )


def note_text(note: Note) -> str:
    if note.code == "least_turnover":
        return (
            "The plan trades as little as possible: idle cash is invested before anything is "
            "sold, sells in taxable accounts are used only when tax-advantaged accounts cannot "
            "close the drift, and each account's buys are paid from its own cash and sales."
        )
    if note.code == "small_trades_needed":
        return f"Some trades are under ${note.min_trade:,.0f} because the plan needs them."
    if note.code == "taxable_sells":
        return (
            "Sells in a taxable account may realise capital gains; they are used only "
            "because the tax-advantaged accounts cannot close the drift on their own."
        )
    if note.code == "targets_rescaled":
        return (
            "Some targets cannot be reached with what you hold, so the plan aims at the other "
            "targets scaled up in proportion: "
            + ", ".join(f"{_label(k.split(':')[1])} {v:g}%" for k, v in note.targets.items())
            + "."
        )
    return "Not traded (no price or classification): " + ", ".join(note.symbols) + "."
