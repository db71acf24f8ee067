"""Broker number spellings to exact Decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alex.imports.numbers import NotANumberError, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("$1,234.56", "1234.56"),
        (" 22.056 ", "22.056"),
        ("-$0.16", "-0.16"),
        ("$-3", "-3"),
        ("+$12.00", "12.00"),
        ("(1,234.56)", "-1234.56"),
        ("($5.00)", "-5.00"),
        ("1,250", "1250"),
        (".5", "0.5"),
        ("$1,234,567.891", "1234567.891"),
    ],
)
def test_numbers(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # exact digits, no float rounding


def test_negative_zero_is_zero() -> None:
    value = parse_amount("-$0.00")
    assert value == 0
    assert value is not None and not value.is_signed()


@pytest.mark.parametrize("text", ["", "  ", "--", "-", "N/A", "n/a", "Incomplete", "null"])
def test_placeholders_mean_no_value(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "50%",  # a share of something, never 50 shares
        "-0.24%",
        "\u0663\u0664",  # Arabic-Indic digits
        "1,50",  # a decimal comma, or a typo: never 150
        "$1,2345",
        "1.2.3",
        "--5",
        "(-5)",
        "+-5",
        "$",
        "()",
        "NaN",
        "Infinity",
        "1e5",
        "12 345",
        "5 shares",
    ],
)
def test_not_numbers(text: str) -> None:
    with pytest.raises(NotANumberError, match="not a number"):
        parse_amount(text)


def _broker_spelling(value: Decimal, places: int, commas: bool, dollar: bool, parens: bool) -> str:
    body = f"{abs(value):,.{places}f}" if commas else f"{abs(value):.{places}f}"
    body = ("$" if dollar else "") + body
    if value < 0:
        return f"({body})" if parens else f"-{body}"
    return body


@given(
    value=st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False),
    commas=st.booleans(),
    dollar=st.booleans(),
    parens=st.booleans(),
)
def test_every_spelling_reads_back_exactly(
    value: Decimal, commas: bool, dollar: bool, parens: bool
) -> None:
    text = _broker_spelling(value, 4, commas, dollar, parens)
    assert parse_amount(text) == value
