"""The parametric defaults are calibrated from the shipped history: the script, the shipped
calibration.json and DEFAULT_ASSUMPTIONS stay in step."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from alex.core.config import PROJECT_ROOT
from alex.finance import assumptions
from alex.finance.assumptions import (
    CALIBRATED_PROXY,
    COMMODITIES,
    DEFAULT_ASSUMPTIONS,
    EQUITY_FORWARD_TRIM_PCT,
    HISTORICAL_CALIBRATION,
    HISTORICAL_INFLATION,
    REAL_ESTATE,
    UNCALIBRATED_CORRELATIONS,
    HistoricalCalibration,
    build_assumptions,
    load_calibration,
)
from alex.finance.return_models import SERIES, calibrate, load_history
from alex.schemas import ASSET_CLASSES

SCRIPT = PROJECT_ROOT / "scripts" / "calibrate_assumptions.py"
INDEX = {c: i for i, c in enumerate(ASSET_CLASSES)}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_assumptions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the shipped file


def test_shipped_calibration_is_what_the_script_computes() -> None:
    script = _script()
    rendered = script.render_json(script.read_history())
    assert script.CALIBRATION_JSON.read_text(encoding="utf-8") == rendered, (
        "run scripts/calibrate_assumptions.py"
    )


def test_script_check_passes() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_script_check_fails_when_out_of_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script()
    stale = tmp_path / "calibration.json"
    edited = json.loads(script.CALIBRATION_JSON.read_text(encoding="utf-8"))
    edited["nominal"]["mean"]["stocks"] += 0.01
    stale.write_text(json.dumps(edited, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(script, "CALIBRATION_JSON", stale)
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert script.main([]) == 0  # rewrites it
    assert script.main(["--check"]) == 0


def test_loaded_calibration_matches_the_history() -> None:
    """The package reads the file it ships, and its figures are the history's moments."""
    resource = resources.files("alex.finance").joinpath("history", "calibration.json")
    assert resource.is_file()
    calibration = load_calibration()
    assert calibration == HistoricalCalibration.model_validate_json(resource.read_text("utf-8"))
    history = load_history()
    assert calibration.period.first_year == int(history.years[0])
    assert calibration.period.last_year == int(history.years[-1])
    assert calibration.years == len(history.years)
    assert calibration.series == SERIES
    computed = calibrate(history)
    for kind in ("nominal", "real"):
        shipped, exact = getattr(calibration, kind), getattr(computed, kind)
        for i, name in enumerate(SERIES):
            assert shipped.mean[name] == pytest.approx(exact.mean[i], abs=1e-6)
            assert shipped.geometric_mean[name] == pytest.approx(exact.geometric_mean[i], abs=1e-6)
            assert shipped.volatility[name] == pytest.approx(exact.volatility[i], abs=1e-6)
        np.testing.assert_allclose(shipped.correlation_matrix(), exact.correlation, atol=1e-6)


# ------------------------------------------------------------------ the defaults


def test_calibrated_classes_take_the_history_s_volatility_and_correlations() -> None:
    nominal = HISTORICAL_CALIBRATION.nominal
    assert CALIBRATED_PROXY == {"equity": "stocks", "fixed_income": "bonds", "cash": "cash"}
    for asset_class, series in CALIBRATED_PROXY.items():
        volatility = DEFAULT_ASSUMPTIONS.returns[asset_class].volatility_pct
        assert volatility == pytest.approx(100 * nominal.volatility[series], abs=1e-9)
        for other, other_series in CALIBRATED_PROXY.items():
            expected = 1.0 if other == asset_class else nominal.correlation[series][other_series]
            actual = DEFAULT_ASSUMPTIONS.correlation[INDEX[asset_class]][INDEX[other]]
            assert actual == pytest.approx(expected, abs=1e-12), (asset_class, other)


def test_means_are_the_history_s_with_the_documented_trim() -> None:
    mean = HISTORICAL_CALIBRATION.nominal.mean
    returns = DEFAULT_ASSUMPTIONS.returns
    assert EQUITY_FORWARD_TRIM_PCT == 2.0
    assert returns["equity"].expected_return_pct == pytest.approx(
        100 * mean["stocks"] - EQUITY_FORWARD_TRIM_PCT, abs=1e-9
    )
    assert returns["fixed_income"].expected_return_pct == pytest.approx(
        100 * mean["bonds"], abs=1e-9
    )
    assert returns["cash"].expected_return_pct == pytest.approx(100 * mean["cash"], abs=1e-9)


def test_uncalibrated_classes_keep_their_documented_assumptions() -> None:
    assert DEFAULT_ASSUMPTIONS.returns["real_estate"] == REAL_ESTATE
    assert DEFAULT_ASSUMPTIONS.returns["commodities"] == COMMODITIES
    for assumption in (REAL_ESTATE, COMMODITIES):
        assert "not calibrated" in assumption.basis
    matrix = np.array(DEFAULT_ASSUMPTIONS.correlation)
    pairs = set(UNCALIBRATED_CORRELATIONS)
    # Every pair that involves real estate or commodities, and only those, is documented.
    assert pairs == {
        (a, b)
        for i, a in enumerate(ASSET_CLASSES)
        for b in ASSET_CLASSES[i + 1 :]
        if {a, b} & {"real_estate", "commodities"}
    }
    for (a, b), value in UNCALIBRATED_CORRELATIONS.items():
        assert matrix[INDEX[a], INDEX[b]] == matrix[INDEX[b], INDEX[a]] == value
    assert np.linalg.eigvalsh(matrix).min() > 0  # positive definite: Cholesky works


def test_defaults_are_rebuilt_from_the_file() -> None:
    assert build_assumptions(load_calibration()) == DEFAULT_ASSUMPTIONS
    for asset_class in CALIBRATED_PROXY:
        assert DEFAULT_ASSUMPTIONS.returns[asset_class].basis.startswith("Calibrated")


def test_historical_inflation_is_the_calibrated_one() -> None:
    nominal, real = HISTORICAL_CALIBRATION.nominal, HISTORICAL_CALIBRATION.real
    assert HISTORICAL_INFLATION.mean_pct == pytest.approx(100 * nominal.mean["inflation"])
    assert HISTORICAL_INFLATION.geometric_mean_pct == pytest.approx(
        100 * nominal.geometric_mean["inflation"]
    )
    assert HISTORICAL_INFLATION.volatility_pct == pytest.approx(
        100 * nominal.volatility["inflation"]
    )
    inflation_nominal = nominal.correlation["inflation"]
    inflation_real = real.correlation["inflation"]
    for series in ("stocks", "bonds", "cash"):
        assert HISTORICAL_INFLATION.correlation_nominal[series] == inflation_nominal[series]
        assert HISTORICAL_INFLATION.correlation_real[series] == inflation_real[series]
    # Inflation erodes real bond and cash returns: the record shows it.
    assert HISTORICAL_INFLATION.correlation_real["bonds"] < -0.5
    assert HISTORICAL_INFLATION.correlation_real["cash"] < -0.5


def test_module_docstring_quotes_the_calibrated_figures() -> None:
    """The prose in assumptions.py cites the file's figures; recalibrating makes it update."""
    doc = " ".join((assumptions.__doc__ or "").split())
    nominal = HISTORICAL_CALIBRATION.nominal
    period = HISTORICAL_CALIBRATION.period

    def pct(value: float) -> str:
        return f"{100 * value:.1f} %"

    def corr(value: float) -> str:
        return f"{value:+.2f}".replace("-", "−")

    quoted = [
        f"{period.first_year}–{period.last_year}, {HISTORICAL_CALIBRATION.years} years",
        f"volatility ({pct(nominal.volatility['stocks'])})",
        f"calibrated {pct(nominal.mean['stocks'])}",
        f"{pct(nominal.mean['bonds'])} mean, {pct(nominal.volatility['bonds'])} volatility",
        f"{pct(nominal.mean['cash'])} / {pct(nominal.volatility['cash'])}",
        f"cash–bonds correlation ({corr(nominal.correlation['cash']['bonds'])})",
        f"mean {HISTORICAL_INFLATION.mean_pct:.1f} %",
        f"geometric {HISTORICAL_INFLATION.geometric_mean_pct:.1f} %",
        f"volatility {HISTORICAL_INFLATION.volatility_pct:.1f} %",
    ]
    c = HISTORICAL_INFLATION
    quoted.append(
        f"nominal stocks {corr(c.correlation_nominal['stocks'])}, "
        f"bonds {corr(c.correlation_nominal['bonds'])}, cash {corr(c.correlation_nominal['cash'])}"
    )
    quoted.append(
        f"real stocks {corr(c.correlation_real['stocks'])}, "
        f"bonds {corr(c.correlation_real['bonds'])}, cash {corr(c.correlation_real['cash'])}"
    )
    for text in quoted:
        assert text in doc, text
