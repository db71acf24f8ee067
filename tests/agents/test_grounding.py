"""The grounding check: figures quoted in prose against the numbers tools returned."""

from __future__ import annotations

import pytest

from alex.agents.grounding import check_grounding, extract_figures
from alex.core.format import money, money_compact, pct, pts

TOOLS = [
    {
        "total_value": 302896.41,
        "cash": "12100.0000",
        "success_pct": 56.73,
        "success_probability": 0.8731,
        "years_until_retirement": 23,
        "current_age": 42,
        "notes": ["$735.00 in unclassified holdings (ARKK) is modelled as equity."],
        "slices": [{"key": "equity", "pct": 80.12}, {"key": "cash", "pct": -4.0}],
    }
]


def test_extracts_each_figure_with_its_kind_and_sign_in_text_order() -> None:
    figures = extract_figures(
        "Worth $1.2M (up 4.5%), $412k in bonds, retire in 23 years at age 65, drift +3.2 pp, "
        "\u2212$500 a year, 13 holdings."
    )
    assert [(f.kind, f.value, f.signed) for f in figures] == [
        ("money", 1_200_000.0, False),
        ("percent", 4.5, False),
        ("money", 412_000.0, False),
        ("years", 23.0, False),
        ("age", 65.0, False),
        ("points", 3.2, True),
        ("money", -500.0, True),
        ("count", 13.0, False),
    ]
    assert figures[0].tolerance == pytest.approx(50_000)
    assert figures[2].tolerance == pytest.approx(500)


@pytest.mark.parametrize(
    "text",
    [
        f"Your portfolio is worth {money(302896.41)}.",
        f"Your portfolio is worth {money_compact(302896.41)}.",
        "Your portfolio is worth $0.3 million.",
        f"Equity is {pct(80.12)} of it; cash {pct(4.0)}, {pts(-4.0)} from target.",
        f"Success: 87.3% ({pct(56.73, 2)} in the other plan).",
        "Cash of $12,100 and $735 in ARKK; 23 years to go.",
        "No money here, just 2 asset classes and 1 note.",
        # Ages as people write them, and money rounded the way prose rounds it.
        "You are 42 years old; a 42-year-old saver.",
        "Your portfolio is worth about $303,000, roughly $300,000.",
        # Unsigned prose may quote a magnitude; a signed figure must carry the tool's sign.
        "Cash sits 4 points below its target, \u22124.0 pts.",
    ],
)
def test_figures_from_tools_pass(text: str) -> None:
    result = check_grounding(text, TOOLS)
    assert result.grounded, result.unmatched


@pytest.mark.parametrize(
    ("text", "unmatched"),
    [
        ("Your portfolio is worth $302,000.", ["$302,000"]),  # whole dollars claimed: off by $896
        ("Expect 12.5% a year.", ["12.5%"]),
        ("Equity is 80.3% of it.", ["80.3%"]),
        ("You have 25 years to go.", ["25 years"]),
        ("Worth $2M, and $1.2M in bonds.", ["$2M", "$1.2M"]),
        # Percentage points as the app writes them are checked like percentages.
        ("Equity drifted +7.7 pts, Europe \u22125 points.", ["+7.7 pts", "\u22125 points"]),
        # A real figure of another kind is no source: 23 is a number of years, not a share.
        ("Success is 23% and you retire at age 23.", ["23%", "age 23"]),
        ("In 56.73 years you will have 80 holdings.", ["56.73 years", "80 holdings"]),
        # The right magnitude with the wrong sign.
        ("Cash drifted +4.0 pts; you lose \u2212$12,100.", ["+4.0 pts", "\u2212$12,100"]),
    ],
)
def test_invented_figures_are_flagged(text: str, unmatched: list[str]) -> None:
    result = check_grounding(text, TOOLS)
    assert not result.grounded
    assert result.unmatched == unmatched
    assert result.checked - result.matched == len(unmatched)
