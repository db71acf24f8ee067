"""The wording of the planner's reasons: each names the key, the side and the cause in plain
words, with the figures of the drift it explains."""

from __future__ import annotations

from .factories import account, snapshot
from .test_rebalance import plan_for, with_targets


def test_a_portfolio_without_bonds_explains_the_shared_out_target() -> None:
    # $10,000 of SPY only, against 60 / 40: nothing held adds fixed income, so its 40 % goes
    # to equity, whose goal becomes 100 %.
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "0", {"SPY": 20})),
        asset_class_targets={"equity": 60.0, "fixed_income": 40.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.reasons == [
        "Equity stays 40.0 pts above its 60% target. Nothing you hold adds fixed income, so "
        "the plan spreads that target (40%) over your other targets in proportion and aims "
        "equity at 100%.",
        "Nothing you hold adds fixed income, so the 40% fixed income target cannot be reached "
        "without buying something new (currently 0%).",
    ]


def test_an_unreachable_target_inside_the_band_is_still_named() -> None:
    # Emerging markets (4.8 %) is unreachable but within the 5-point band after the trades,
    # so it is not itself a breach; the sentence explaining Europe's rescaled aim must still
    # name it (it used to read "with no unheld targets to hold").
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "0", {"SPY": 20, "VEA": 10})),
        asset_class_targets={"equity": 100.0},
        region_targets={"north_america": 45.2, "europe": 50.0, "emerging_markets": 4.8},
    )
    plan = plan_for(portfolio)
    europe = next(r for r in plan.reasons if r.startswith("Europe"))
    assert "unheld" not in europe
    assert europe.startswith(
        "Europe stays 18.5 pts below its 50% target. Nothing you hold adds emerging markets, so "
        "the plan spreads that target (4.8%) over your other targets in proportion and aims "
        "Europe at 52.52%. Even that is out of reach: the funds you hold cannot meet every "
        "target at once"
    )


def test_reasons_use_region_names_and_say_which_side() -> None:
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "0", {"SPY": 20, "VEA": 10})),
        asset_class_targets={"equity": 100.0},
        region_targets={"north_america": 60.0, "europe": 20.0, "emerging_markets": 20.0},
    )
    plan = plan_for(portfolio)
    assert (
        "North America stays 15.0 pts above its 60% target. Nothing you hold adds emerging "
        "markets, so the plan spreads that target (20%) over your other targets in proportion "
        "and aims North America at 75%." in plan.reasons
    )
    assert any(
        r.startswith("Asia-Pacific stays 10.0 pts above its 0% target:") for r in plan.reasons
    )
    assert not any("pp from its" in r or "North america" in r for r in plan.reasons)
