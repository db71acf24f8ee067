"""Retirement what-if benchmark: a full recompute (projection + success under every return
model + both allocations + ranked levers) with taxes and Social Security, per return model,
against the engine's baseline workload in the same run.

    uv run python benchmarks/retirement.py            # 10,000 paths (historical: all windows)
    uv run python benchmarks/retirement.py --quick    # fewer repeats

The plan: a 45-year-old with $600k (60 % pre-tax 401k, 25 % taxable, 15 % Roth), saving
$20k a year, retiring at 65 on $80k after tax, Social Security $24k from 67, planning to 95.
The baseline is the projection the engine made before this plan's features (normal returns,
no taxes, no income streams, no levers): the what-if's cost is printed as a ratio to it.
Goal: a full what-if recompute under 150 ms here."""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

from alex.finance.income import IncomeStream
from alex.finance.outlook import retirement_outlook
from alex.finance.retirement import (
    RETURN_MODELS,
    RetirementInputs,
    TaxSettings,
    project_retirement,
)
from alex.schemas import AssetClass, TaxRates

GOAL_SECONDS = 0.150
HELD = {"equity": 70.0, "fixed_income": 25.0, "cash": 5.0}
TARGETS: dict[AssetClass, float] = {"equity": 60.0, "fixed_income": 35.0, "cash": 5.0}


def baseline(paths: int) -> RetirementInputs:
    return RetirementInputs(
        portfolio_by_asset_class={"equity": 420_000.0, "fixed_income": 150_000.0, "cash": 30_000.0},
        annual_contribution=20_000.0,
        current_age=45,
        years_until_retirement=20,
        planning_age=95,
        target_income=80_000.0,
        paths=paths,
        start_year=2026,
    )


def full(model: str, paths: int) -> RetirementInputs:
    return baseline(paths).model_copy(
        update={
            "return_model": model,
            "income_streams": [
                IncomeStream(
                    kind="social_security", start_age=67, annual_amount=24_000.0, indexed=True
                )
            ],
            "taxes": TaxSettings(
                bucket_pct={"pretax": 60.0, "taxable": 25.0, "roth": 15.0},
                rates=TaxRates(pretax_effective_pct=12.0),
                birth_year=1981,
            ),
        }
    )


def _timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--paths", type=int, default=10_000)
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7

    base_inputs = baseline(args.paths)
    project_retirement(base_inputs)  # warm-up: imports, the history table, the allocator
    base_best, base_median = _timed(lambda: project_retirement(base_inputs), repeats)
    print(f"Retirement what-if benchmark: {args.paths:,} paths (historical: every window)")
    print(
        f"baseline  projection only, normal, no taxes or income: "
        f"best {base_best * 1000:.1f} ms, median {base_median * 1000:.1f} ms\n"
    )
    print(
        f"{'model':<11} {'paths':>7} {'projection':>12} {'what-if':>10} {'median':>9} "
        f"{'vs baseline':>12}  goal"
    )
    met = True
    for model in RETURN_MODELS:
        inputs = full(model, args.paths)
        projection = project_retirement(inputs)
        proj_best, _ = _timed(functools.partial(project_retirement, inputs), repeats)
        what_if = functools.partial(
            retirement_outlook, inputs, held_pct=HELD, targets_pct=TARGETS, birth_year=1981
        )

        what_if()
        best, median = _timed(what_if, repeats)
        ok = median < GOAL_SECONDS
        met &= ok
        print(
            f"{model:<11} {projection.paths:>7,} {proj_best * 1000:>9.1f} ms "
            f"{best * 1000:>7.1f} ms {median * 1000:>6.1f} ms {median / base_median:>10.1f}×"
            f"  {'met' if ok else 'missed'}"
        )
    print(
        "\nwhat-if = projection (with the sustainable income and its interval) + success under "
        "the three other models + the other allocation + five levers, all on common random "
        f"numbers. Goal: median under {GOAL_SECONDS * 1000:.0f} ms: {'met' if met else 'missed'}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
