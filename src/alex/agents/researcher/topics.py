"""What to research when nobody said: what users hold most, where the knowledge base is thinnest.

"Held most" counts holders (distinct users with a position), not money: a value-weighted sum
would let one large account's single stock outrank what most users own, and it would need a
current price for every symbol. Of the `TOP_HELD` most-held symbols the researcher takes the
one the fewest passages mention (a passage mentions a symbol when its own symbols or its
document's name it, as search filters), so notes go where readers are and knowledge is not.
With no holdings at all, it takes the starter topic with the fewest passages."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from alex.db.models import Account, Instrument, KnowledgeChunk, KnowledgeDocument, Position
from alex.db.session import session_scope

TOP_HELD = 10
LABEL_CHARS = 40

# The knowledge base's own topic labels (the starter notes use them) and what to research
# under each.
STARTER_TOPICS: dict[str, str] = {
    "asset-classes": "asset classes: their roles and risks in a portfolio",
    "bonds": "bonds: yields, duration and interest rate risk",
    "costs": "investment costs: fund fees and expense ratios",
    "diversification": "diversification and correlation between investments",
    "funds": "index funds, ETFs and target-date funds",
    "inflation": "protecting a portfolio against inflation",
    "international": "international and emerging market stocks",
    "rebalancing": "rebalancing a portfolio back to its targets",
    "retirement": "retirement income and withdrawal strategies",
    "risk": "investment risk: concentration and sequence of returns",
    "taxes": "tax-efficient investing: account location and harvesting losses",
}


@dataclass(frozen=True)
class TopicChoice:
    topic: str
    """What to research, in words."""
    reason: str
    """Why this topic: "asked", or what made the picker choose it."""
    label: str
    """A short label (≤ 40 characters) the note is filed under in the knowledge base."""
    symbols: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Holding:
    symbol: str
    name: str
    holders: int
    asset_class: str | None


def asked(topic: str) -> TopicChoice:
    """A topic someone named (the CLI's `--topic`, the Lambda event's `topic`)."""
    topic = " ".join(topic.split())
    if not topic:
        raise ValueError("the topic is empty")
    return TopicChoice(topic=topic, reason="asked", label=label_for(topic))


def label_for(text: str) -> str:
    """`Bond ladders vs. bond funds` → `bond-ladders-vs-bond-funds` (cut at a word)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > LABEL_CHARS:
        slug = slug[:LABEL_CHARS].rsplit("-", 1)[0]
    return slug or "research"


def pick_topic(engine: Engine) -> TopicChoice:
    held = most_held(engine)
    if not held:
        return _least_covered_starter(engine)
    coverage = passages_mentioning(engine, {h.symbol for h in held})
    choice = min(held, key=lambda h: (coverage[h.symbol], -h.holders, h.symbol))
    covered = coverage[choice.symbol]
    reason = (
        f"most held: {choice.symbol} ({_count(choice.holders, 'holder')}); covered by "
        f"{_count(covered, 'passage')}, the fewest of the {_count(len(held), 'most-held symbol')}"
    )
    return TopicChoice(
        topic=f"{choice.symbol} ({choice.name})",
        reason=reason,
        label=label_for(choice.asset_class or choice.symbol),
        symbols=[choice.symbol],
    )


def most_held(engine: Engine, limit: int = TOP_HELD) -> list[Holding]:
    """The symbols the most users hold, with their holder counts."""
    holders = func.count(func.distinct(Account.user_id))
    with session_scope(engine) as session:
        rows = session.execute(
            select(Position.symbol, Instrument.name, Instrument.allocation_asset_class, holders)
            .join(Account, Position.account_id == Account.id)
            .join(Instrument, Position.symbol == Instrument.symbol)
            .group_by(Position.symbol, Instrument.name, Instrument.allocation_asset_class)
            .order_by(holders.desc(), Position.symbol)
            .limit(limit)
        ).all()
    return [
        Holding(symbol, name, int(count), _main_class(classes))
        for symbol, name, classes, count in rows
    ]


def passages_mentioning(engine: Engine, symbols: set[str]) -> Counter[str]:
    """How many passages mention each of `symbols` (0 for none). Counted here rather than in
    SQL because the symbol lists are JSON, which SQLite and PostgreSQL query differently; one
    pass over two short columns of every passage is cheap for a scheduled job."""
    counts: Counter[str] = Counter({symbol: 0 for symbol in symbols})
    with session_scope(engine) as session:
        rows = session.execute(
            select(KnowledgeChunk.symbols, KnowledgeDocument.symbols).join(KnowledgeDocument)
        )
        for chunk_symbols, document_symbols in rows:
            for symbol in symbols & {*chunk_symbols, *document_symbols}:
                counts[symbol] += 1
    return counts


def _least_covered_starter(engine: Engine) -> TopicChoice:
    with session_scope(engine) as session:
        rows = session.execute(
            select(KnowledgeDocument.topic, func.count(KnowledgeChunk.id))
            .join(KnowledgeChunk)
            .where(KnowledgeDocument.topic.in_(list(STARTER_TOPICS)))
            .group_by(KnowledgeDocument.topic)
        ).all()
    counts: Counter[str] = Counter({label: 0 for label in STARTER_TOPICS})
    counts.update({str(label): int(n) for label, n in rows})
    label = min(STARTER_TOPICS, key=lambda key: (counts[key], key))
    return TopicChoice(
        topic=STARTER_TOPICS[label],
        reason=(
            f"no holdings yet; {label!r} is the least covered starter topic "
            f"({_count(counts[label], 'passage')})"
        ),
        label=label,
    )


def _main_class(classes: dict[str, float] | None) -> str | None:
    if not classes:
        return None
    return max(sorted(classes), key=lambda key: classes[key])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
