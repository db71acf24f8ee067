"""Calibrate the parametric return models from the shipped yearly market history.

Reads `src/alex/finance/history/market_history.csv` (through `alex.finance.return_models`) and
writes `src/alex/finance/history/calibration.json`: for each series (stocks, bonds, cash,
inflation), nominal and real, the arithmetic mean, the geometric mean, the volatility and the
correlation matrix, with the period and the number of years. `alex.finance.assumptions` builds
`DEFAULT_ASSUMPTIONS` from that file plus its documented adjustments. Prints a table.

    uv run python scripts/calibrate_assumptions.py            # write the file
    uv run python scripts/calibrate_assumptions.py --check    # exit 1 if it is out of date

Run it after `scripts/derive_market_history.py` has changed the yearly table;
`tests/finance/test_calibration.py` fails while the two disagree.

Definitions (yearly decimal returns, January to January):

- mean: arithmetic mean; geometric mean: exp(mean(log(1 + r))) − 1;
- volatility: sample standard deviation (n − 1);
- correlation: Pearson correlation of the yearly returns;
- real: stocks, bonds and cash deflated by that year's CPI, (1 + r) / (1 + inflation) − 1; the
  inflation row stays nominal inflation, so the real matrix shows how real returns moved with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from alex.finance.return_models import Calibration, MarketHistory, calibrate, parse_history

ROOT = Path(__file__).resolve().parents[1]
HISTORY_DIR = ROOT / "src" / "alex" / "finance" / "history"
YEARLY_CSV = HISTORY_DIR / "market_history.csv"
CALIBRATION_JSON = HISTORY_DIR / "calibration.json"

DECIMALS = 6
"""Decimal places kept (returns and volatilities are decimals: 1e-6 is 0.0001 pp)."""

DESCRIPTION = (
    "Moments of the yearly US market history in market_history.csv (January to January), "
    "written by scripts/calibrate_assumptions.py. Decimal returns. mean: arithmetic; "
    "geometric_mean: exp(mean(log(1 + r))) - 1; volatility: sample standard deviation "
    "(n - 1); correlation: Pearson, of the yearly returns. real: stocks, bonds and cash "
    "deflated by CPI; its inflation entries stay nominal inflation."
)


def _round(value: float) -> float:
    # `+ 0.0` turns a rounded -0.0 into 0.0, so the file does not flip between the two.
    return round(float(value), DECIMALS) + 0.0


def _moments(moments: Calibration) -> dict[str, Any]:
    names = moments.series

    def by_series(values: Any) -> dict[str, float]:
        return {name: _round(values[i]) for i, name in enumerate(names)}

    return {
        "mean": by_series(moments.mean),
        "geometric_mean": by_series(moments.geometric_mean),
        "volatility": by_series(moments.volatility),
        "correlation": {
            row: {col: _round(moments.correlation[i, j]) for j, col in enumerate(names)}
            for i, row in enumerate(names)
        },
    }


def calibration_document(history: MarketHistory) -> dict[str, Any]:
    calibration = calibrate(history)
    return {
        "description": DESCRIPTION,
        "source": "market_history.csv",
        "period": {"first_year": int(history.years[0]), "last_year": int(history.years[-1])},
        "years": len(history.years),
        "series": list(calibration.nominal.series),
        "nominal": _moments(calibration.nominal),
        "real": _moments(calibration.real),
    }


def render_json(history: MarketHistory) -> str:
    return json.dumps(calibration_document(history), indent=2, ensure_ascii=False) + "\n"


def read_history(path: Path = YEARLY_CSV) -> MarketHistory:
    return parse_history(path.read_text(encoding="utf-8"))


def render_table(document: dict[str, Any]) -> str:
    names: list[str] = document["series"]
    period = document["period"]
    lines = [
        f"US market history {period['first_year']}–{period['last_year']} "
        f"({document['years']} years), yearly returns, percent",
        "",
        f"{'':<10}{'nominal':>27}  {'real':>27}",
        f"{'series':<10}" + "  ".join([f"{'mean':>9}{'geo.':>9}{'vol.':>9}"] * 2),
    ]
    for name in names:
        cells = []
        for kind in ("nominal", "real"):
            m = document[kind]
            cells.append(
                "".join(
                    f"{100 * m[field][name]:>9.2f}"
                    for field in ("mean", "geometric_mean", "volatility")
                )
            )
        lines.append(f"{name:<10}" + "  ".join(cells))
    lines.append("(real inflation row = nominal inflation)")
    for kind in ("nominal", "real"):
        correlation = document[kind]["correlation"]
        lines += ["", f"correlation, {kind}", f"{'':<10}" + "".join(f"{n:>10}" for n in names)]
        for row in names:
            lines.append(f"{row:<10}" + "".join(f"{correlation[row][c]:>10.3f}" for c in names))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the shipped calibration.json is out of date",
    )
    args = parser.parse_args(argv)
    history = read_history()
    rendered = render_json(history)
    if args.check:
        shipped = CALIBRATION_JSON.read_text(encoding="utf-8") if CALIBRATION_JSON.exists() else ""
        if shipped != rendered:
            print(
                f"{CALIBRATION_JSON.relative_to(ROOT)} is out of date: "
                "run `uv run python scripts/calibrate_assumptions.py`",
                file=sys.stderr,
            )
            return 1
        print(f"{CALIBRATION_JSON.relative_to(ROOT)} is up to date")
        return 0
    CALIBRATION_JSON.write_text(rendered, encoding="utf-8")
    print(render_table(json.loads(rendered)))
    print(f"\nwrote {CALIBRATION_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
