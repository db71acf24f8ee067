"""How figures read: the Python side against the cases the web app's format.ts is tested on,
so the two cannot drift apart; and the label table the web app reads is this one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alex.core import format as fmt

REPO = Path(__file__).resolve().parents[2]
CASES: dict[str, list[list[Any]]] = json.loads(
    (REPO / "frontend" / "tests" / "fixtures" / "format-cases.json").read_text()
)


def _cases(name: str) -> list[list[Any]]:
    return CASES[name]


@pytest.mark.parametrize(("value", "expected"), _cases("money"))
def test_money(value: Any, expected: str) -> None:
    assert fmt.money(value) == expected


@pytest.mark.parametrize(("value", "expected"), _cases("money_cents"))
def test_money_with_cents(value: Any, expected: str) -> None:
    assert fmt.money(value, cents=True) == expected


@pytest.mark.parametrize(("value", "expected"), _cases("money_compact"))
def test_compact_money(value: Any, expected: str) -> None:
    assert fmt.money_compact(value) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), _cases("pct"))
def test_pct(value: Any, digits: int, expected: str) -> None:
    assert fmt.pct(value, digits) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), _cases("pct_signed"))
def test_signed_pct(value: Any, digits: int, expected: str) -> None:
    assert fmt.pct(value, digits, signed=True) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), _cases("pts"))
def test_percentage_points(value: Any, digits: int, expected: str) -> None:
    assert fmt.pts(value, digits) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), _cases("pts_unsigned"))
def test_unsigned_percentage_points(value: Any, digits: int, expected: str) -> None:
    assert fmt.pts(value, digits, signed=False) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), _cases("number"))
def test_number(value: Any, digits: int, expected: str) -> None:
    assert fmt.number(value, digits) == expected


@pytest.mark.parametrize(("key", "expected"), _cases("label"))
def test_label(key: str, expected: str) -> None:
    assert fmt.label(key) == expected


def test_decimals_and_floats_round_alike() -> None:
    # The float 2.675 is 2.67499999… in binary: rounding it as a float says 2.67, as the
    # decimal everyone reads says 2.68. Decimals from the database and floats from the
    # engines must read the same.
    from decimal import Decimal

    assert f"{2.675:.2f}" == "2.67"
    assert fmt.money(2.675, cents=True) == fmt.money(Decimal("2.675"), cents=True) == "$2.68"
    assert fmt.pct(float("inf")) == fmt.pct(True) == "—"


def test_the_web_app_reads_this_label_table() -> None:
    path = REPO / "frontend" / "lib" / "labels.json"
    assert json.loads(path.read_text()) == fmt.LABELS, (
        "regenerate: uv run python -m alex.core.format > frontend/lib/labels.json"
    )


def test_every_vocabulary_key_has_a_label() -> None:
    from typing import get_args

    from alex.schemas import ASSET_CLASSES, REGIONS, SECTORS, AccountType, InstrumentType

    keys = {*ASSET_CLASSES, *REGIONS, *SECTORS, *get_args(AccountType), *get_args(InstrumentType)}
    assert keys <= set(fmt.LABELS), sorted(keys - set(fmt.LABELS))


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("fixed_income", "fixed income"),
        ("emerging_markets", "emerging markets"),
        ("north_america", "North America"),
        ("asia_pacific", "Asia-Pacific"),
        ("roth_ira", "Roth IRA"),
        ("401k", "401(k)"),
    ],
)
def test_names_mid_sentence_keep_only_proper_capitals(key: str, expected: str) -> None:
    assert fmt.label_in_sentence(key) == expected
