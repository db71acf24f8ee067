"""Schemas reject bad input with messages that name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from alex.schemas import (
    ASSET_CLASSES,
    REGIONS,
    AccountCreate,
    InstrumentClassification,
    PositionCreate,
    UserUpdate,
)

VALID_SECTORS = {"technology": 100.0}


def _classification(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Fund",
        "instrument_type": "etf",
        "allocation_asset_class": {"equity": 100},
        "allocation_regions": {"north_america": 100},
        "allocation_sectors": VALID_SECTORS,
    }
    return base | overrides


def _error_locations(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


@given(
    st.dictionaries(
        st.sampled_from(ASSET_CLASSES), st.floats(0, 100, allow_nan=False), min_size=1
    ).filter(lambda d: abs(sum(d.values()) - 100) > 0.011)
)
def test_asset_class_allocation_not_summing_to_100_is_rejected(weights: dict[str, float]) -> None:
    with pytest.raises(ValidationError) as err:
        InstrumentClassification(**_classification(allocation_asset_class=weights))
    assert "allocation_asset_class" in _error_locations(err.value)
    assert "allocation_asset_class must sum to 100" in str(err.value)


@given(st.lists(st.integers(1, 1000), min_size=1, max_size=len(REGIONS)))
def test_region_allocation_summing_to_100_is_accepted(raw: list[int]) -> None:
    total = sum(raw)
    weights = {region: 100 * n / total for region, n in zip(REGIONS, raw, strict=False)}
    parsed = InstrumentClassification(**_classification(allocation_regions=weights))
    assert abs(sum(parsed.allocation_regions.values()) - 100) <= 0.01


def test_error_message_names_the_sum() -> None:
    with pytest.raises(ValidationError) as err:
        UserUpdate(region_targets={"europe": 30, "north_america": 30})
    assert "region_targets must sum to 100 (±0.01), but sums to 60" in str(err.value)


def test_unknown_category_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        InstrumentClassification(**_classification(allocation_asset_class={"crypto": 100}))
    assert any(loc.startswith("allocation_asset_class") for loc in _error_locations(err.value))


def test_negative_weight_is_rejected_even_if_sum_is_100() -> None:
    with pytest.raises(ValidationError, match="between 0 and 100"):
        InstrumentClassification(
            **_classification(allocation_asset_class={"equity": 120, "fixed_income": -20})
        )


@pytest.mark.parametrize("symbol", ["VOO", "brk.b", " spy ", "BF-B", "GOOGL"])
def test_valid_symbols_are_upper_cased(symbol: str) -> None:
    assert PositionCreate(symbol=symbol, quantity=Decimal(1)).symbol == symbol.strip().upper()


@pytest.mark.parametrize(
    "symbol", ["^GSPC", "", "SPY; DROP TABLE", "A..B", "1ABC", "TOOLONGSYMBOL1"]
)
def test_invalid_symbols_are_rejected(symbol: str) -> None:
    with pytest.raises(ValidationError) as err:
        PositionCreate(symbol=symbol, quantity=Decimal(1))
    assert "symbol" in _error_locations(err.value)


@given(st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=4))
def test_non_positive_quantities_are_rejected(quantity: Decimal) -> None:
    with pytest.raises(ValidationError) as err:
        PositionCreate(symbol="SPY", quantity=quantity)
    assert "quantity" in _error_locations(err.value)


def test_fractional_quantity_is_kept_exactly() -> None:
    assert PositionCreate(symbol="SPY", quantity="0.00000001").quantity == Decimal("0.00000001")


def test_unknown_fields_and_bad_account_type_are_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        AccountCreate(account_name="x", account_type="crypto_wallet", owner="mallory")  # type: ignore[arg-type, call-arg]
    assert {"account_type", "owner"} <= _error_locations(err.value)


def test_negative_cash_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        AccountCreate(account_name="x", account_type="taxable", cash_balance=Decimal(-1))
    assert "cash_balance" in _error_locations(err.value)
