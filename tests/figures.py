"""The demo's headline figures as each surface writes them: the report (Markdown), the
retirement section, the executive summary and `alex plan`. Figures stay text, exactly as shown
("$302,896", "80.1%", "+10.1 pts"): the tests compare what a reader sees, so a surface that
rounds or spells a figure differently fails them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MONEY = r"−?\$[\d,]+(?:\.\d+)?"
PCT = r"−?[\d,]+(?:\.\d+)?%"
PTS = r"[+−]?[\d,]+(?:\.\d+)? pts"


@dataclass
class Figures:
    """What one surface shows; a figure it does not show is None (or an empty mapping)."""

    total: str | None = None
    invested: str | None = None
    cash: str | None = None
    asset_classes: dict[str, str] = field(default_factory=dict)
    """Asset class name → share, e.g. {"Fixed income": "11.0%"}."""
    regions: dict[str, str] = field(default_factory=dict)
    drift: dict[str, str] = field(default_factory=dict)
    """Asset class or region name → drift, e.g. {"North America": "+18.8 pts"}."""
    max_drift: str | None = None
    success: str | None = None


def _one(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{what} not found"
    return match.group(1)


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(f"## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end >= 0 else None]


def _table_rows(block: str) -> list[list[str]]:
    """The body rows of the first Markdown table in `block`."""
    rows: list[str] = []
    for line in block.splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def _after(block: str, marker: str) -> str:
    return block[block.index(marker) :]


def from_report(report: str, retirement: str) -> Figures:
    """The figures of the reporter's Markdown and the retirement section's."""
    summary = _section(report, "Summary")
    allocation = _section(report, "Allocation")
    drift = _section(report, "Drift and rebalancing")
    return Figures(
        total=_one(rf"worth \*\*({MONEY})\*\*", summary, "total"),
        invested=_one(rf"({MONEY}) invested", summary, "invested"),
        cash=_one(rf"({MONEY}) in cash", summary, "cash"),
        asset_classes={
            row[0]: row[1] for row in _table_rows(_after(allocation, "**By asset class**"))
        },
        regions={row[0]: row[1] for row in _table_rows(_after(allocation, "**By region**"))},
        drift={row[0]: row[3] for row in _table_rows(drift)},
        max_drift=_one(rf"largest gap to your targets is ({PTS})", summary, "largest drift"),
        success=_one(rf"gives a \*\*({PCT})\*\* chance", retirement, "success"),
    )


def from_executive_summary(text: str) -> Figures:
    return Figures(
        total=_one(rf"worth ({MONEY})", text, "total"),
        max_drift=_one(rf"drifted up to ({PTS})", text, "largest drift"),
        success=_one(rf"have a ({PCT}) chance", text, "success"),
    )


def _shares(line: str) -> dict[str, str]:
    """ "Equity 80.1%, Fixed income 11.0%" → {"Equity": "80.1%", "Fixed income": "11.0%"}."""
    pairs = (item.rsplit(" ", 1) for item in line.split(", "))
    return {name: share for name, share in pairs}


def from_cli_plan(output: str) -> Figures:
    """The figures `alex plan` prints."""
    drift = {
        m.group("name"): m.group("drift")
        for m in re.finditer(
            rf"^  (?:asset class|region)\s+(?P<name>.+?)\s+{PCT} vs\s+{PCT}\s+(?P<drift>{PTS})",
            output,
            re.MULTILINE,
        )
    }
    return Figures(
        total=_one(rf"total ({MONEY}) =", output, "total"),
        invested=_one(rf"invested ({MONEY})", output, "invested"),
        cash=_one(rf"\+ cash ({MONEY})", output, "cash"),
        asset_classes=_shares(_one(r"by asset class: (.+)", output, "asset classes")),
        regions=_shares(_one(r"by region: (.+)", output, "regions")),
        drift=drift,
        max_drift=_one(rf"largest ({PTS})\)", output, "largest drift"),
        success=_one(rf"success ({PCT}) ±", output, "success"),
    )
