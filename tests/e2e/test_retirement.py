"""The live what-if on the Retirement tab, in a real browser against a real `alex serve`: on the
demo, add Social Security, switch to the historical model, move the retirement age; every
change is recalculated by POST /api/retirement/projection and the panel shows exactly what
that answer says (figures, fan chart, levers in the answer's order). Then the plan is saved,
a new analysis runs, and its Retirement section quotes the success the panel showed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, Response, expect

from alex.core.format import money, money_compact, number, pct, pts
from tests.e2e.conftest import Server, Session
from tests.e2e.test_web_app import api_get, assert_fits, wait_for_analysis

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PROJECTION = "/api/retirement/projection"
PROFILE_FIGURES = ("years_until_retirement", "annual_contribution", "target_retirement_income")


def _is_projection(response: Response) -> bool:
    return response.url.endswith(PROJECTION) and response.request.method == "POST"


def _is_profile_save(response: Response) -> bool:
    return response.url.endswith("/api/user") and response.request.method == "PUT"


def _sent(response: Response) -> dict[str, Any]:
    """The JSON body of the request `response` answers."""
    body = response.request.post_data_json
    assert isinstance(body, dict), body
    return body


@pytest.fixture
def demo_plan_restored(server: Server) -> Iterator[None]:
    """The demo profile is shared by every browser test: put its figures and plan back."""
    token = httpx.post(f"{server.url}/api/auth/demo").json()["access_token"]
    before = api_get(server, token, "/api/user")
    yield
    restored = httpx.put(
        f"{server.url}/api/user",
        json={
            **{k: before[k] for k in PROFILE_FIGURES},
            "retirement_plan": before["retirement_plan"],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert restored.status_code == 200, restored.text


def _lever_change(lever: dict[str, Any]) -> str:
    """As lib/retirement.ts `leverEffect` words it."""
    change, wealth = lever["change_pp"], lever["p10_wealth_change"]
    if change != 0 or wealth == 0:
        return pts(change, 1)
    return ("+" if wealth > 0 else "") + money_compact(wealth) + " at 10th pct"


def expect_panel_shows(panel: Locator, outlook: dict[str, Any]) -> None:
    """Every figure the panel shows is the answer's, formatted as the app formats it; the
    levers in the answer's order."""
    p = outlook["projection"]
    expect(panel).to_have_attribute("data-state", "ready")
    expect(panel.get_by_test_id("whatif-success")).to_have_text(pct(p["success_pct"]))
    expect(panel.get_by_test_id("whatif-success-error")).to_have_text(
        "± " + pts(p["success_standard_error_pct"], 1, signed=False)
    )
    expect(panel.get_by_test_id("whatif-sustainable-income")).to_have_text(
        money(p["sustainable_income"])
    )
    low, high = p["sustainable_income_range"]
    expect(panel.get_by_test_id("whatif-sustainable-range")).to_have_text(
        f"{money(low)}–{money(high)}"
    )
    expect(panel.get_by_test_id("whatif-median-end")).to_have_text(
        money_compact(p["median_wealth_at_planning_age_real"])
    )
    expect(panel.get_by_test_id("whatif-p10-end")).to_have_text(
        money_compact(p["p10_wealth_at_planning_age_real"])
    )
    expect(panel.get_by_test_id("whatif-depletion")).to_have_text(
        pct(p["depletion"]["pct_of_paths"])
    )
    age = p["depletion"]["median_age"]
    if age is None:
        expect(panel.get_by_test_id("whatif-depletion-age")).to_have_count(0)
    else:
        expect(panel.get_by_test_id("whatif-depletion-age")).to_have_text(
            number(age, 0 if float(age).is_integer() else 1)
        )

    # The fan chart is drawn from the answer's bands.
    fan = panel.get_by_test_id("whatif-fan")
    bands = p["wealth_bands_real"]
    expect(fan).to_have_attribute("data-retirement-age", str(p["retirement_age"]))
    expect(fan).to_have_attribute("data-points", str(len(bands)))
    assert float(fan.get_attribute("data-end-p50") or "nan") == bands[-1]["p50"]
    assert float(fan.get_attribute("data-end-p10") or "nan") == bands[-1]["p10"]
    expect(fan.locator(".recharts-area")).to_have_count(4)

    by_model = panel.get_by_test_id("whatif-by-model").locator("[data-model]")
    expect(by_model).to_have_count(len(outlook["by_model"]))
    for m in outlook["by_model"]:
        shown = panel.locator(f"[data-model={m['model']}]").get_by_test_id("model-success")
        expect(shown).to_contain_text(
            pct(m["success_pct"]) if m["success_pct"] is not None else "—"
        )
    for a in outlook["allocations"]:
        shown = panel.locator(f"[data-basis={a['basis']}]").get_by_test_id("allocation-success")
        expect(shown).to_have_text(pct(a["success_pct"]))

    levers = panel.get_by_test_id("whatif-levers").locator("[data-lever]")
    expect(levers.get_by_test_id("lever-label")).to_have_text(
        [lever["label"] for lever in outlook["levers"]]
    )
    expect(levers.get_by_test_id("lever-change")).to_have_text(
        [_lever_change(lever) for lever in outlook["levers"]]
    )
    assert [levers.nth(i).get_attribute("data-lever") for i in range(levers.count())] == [
        lever["key"] for lever in outlook["levers"]
    ]


def median_line(panel: Locator) -> str:
    path = panel.get_by_test_id("whatif-fan").locator("path.recharts-line-curve")
    expect(path).to_be_visible()
    return path.get_attribute("d") or ""


def change_and_read(
    page: Page, panel: Locator, change: Callable[[], object], *, redraws: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Make one change: the panel says it is recalculating and keeps the previous figures
    meanwhile; returns the request sent and the answer, once the panel shows it."""
    before = panel.get_by_test_id("whatif-success").inner_text()
    line = median_line(panel)
    with page.expect_response(_is_projection) as answer:
        change()
        expect(panel).to_have_attribute("data-state", "recalculating")
        expect(panel.get_by_test_id("whatif-status")).to_have_text("Recalculating…")
        expect(panel.get_by_test_id("whatif-success")).to_have_text(before)
    response = answer.value
    assert response.status == 200, response.text()
    outlook = response.json()
    expect_panel_shows(panel, outlook)
    if redraws:  # the median line is not the one drawn before
        expect(
            panel.get_by_test_id("whatif-fan").locator("path.recharts-line-curve")
        ).not_to_have_attribute("d", line)
    return _sent(response), outlook


def test_live_what_if_then_save_and_analyse(
    new_session: Callable[..., Session], server: Server, demo_plan_restored: None
) -> None:
    s = new_session()
    page = s.page
    s.goto("/signin/")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("greeting")).to_contain_text("Jordan")
    s.goto("/team/")
    page.get_by_test_id("start-analysis").click()
    wait_for_analysis(page)
    page.get_by_role("tab", name="Retirement").click()
    tab = page.get_by_role("tabpanel")

    # Opened, it starts from the stored profile and plan.
    with page.expect_response(_is_projection) as first:
        tab.get_by_test_id("whatif-open").click()
    panel = tab.get_by_test_id("whatif")
    expect(panel.get_by_label("Age to retire", exact=True)).to_have_value("65")
    expect(panel.get_by_label("Return model", exact=True)).to_have_value("normal")
    assert _sent(first.value)["years_until_retirement"] == 23
    start = first.value.json()
    expect_panel_shows(panel, start)
    expect(panel.get_by_test_id("whatif-save")).to_be_disabled()
    expect(panel.get_by_test_id("whatif-reset")).to_be_disabled()
    s.shot("desktop-whatif-start")

    # Social Security of $24,000 a year from 67: a new row, its amount, its claiming age.
    ss = panel.get_by_test_id("whatif-ss")
    ss.get_by_test_id("whatif-ss-add").click()
    row = ss.get_by_test_id("whatif-ss-0")
    expect(row.get_by_label("Claiming age", exact=True)).to_have_value("67")

    def add_social_security() -> None:
        row.get_by_label("Amount a year", exact=True).fill("24000")

    sent, with_ss = change_and_read(page, panel, add_social_security)
    assert sent["plan"]["income_streams"] == [
        {"kind": "social_security", "start_age": 67, "annual_amount": 24000, "indexed": True}
    ]
    assert with_ss["projection"]["success_pct"] != start["projection"]["success_pct"]
    expect(panel.get_by_test_id("whatif-save")).to_be_enabled()

    # The historical model.
    sent, historical = change_and_read(
        page,
        panel,
        lambda: panel.get_by_label("Return model", exact=True).select_option("historical"),
    )
    assert sent["plan"]["return_model"] == "historical"
    assert historical["projection"]["inputs"]["return_model"] == "historical"
    expect(panel.locator("[data-model=historical]")).to_have_attribute("data-current", "true")

    # A refusal is shown by the control it names; the last figures stay.
    s.console.allow(r"status of 422")
    goal = panel.get_by_label("Success goal", exact=True)
    with page.expect_response(_is_projection) as refused:
        goal.fill("100")
    assert refused.value.status == 422
    expect(panel).to_have_attribute("data-state", "error")
    expect(panel.get_by_text("Input should be less than 100")).to_be_visible()
    expect(goal).to_have_attribute("aria-invalid", "true")
    expect(panel.get_by_test_id("whatif-success")).to_have_text(
        pct(historical["projection"]["success_pct"])
    )
    expect(panel.get_by_test_id("whatif-save")).to_be_disabled()
    # Back to a goal of 90 %: the plan of before, so the same answer (and the same chart).
    sent, again = change_and_read(page, panel, lambda: goal.fill("90"), redraws=False)
    assert again == historical  # the same plan, the same seed: the same answer

    # Retire at 57 instead of 65: the levers re-rank.
    sent, earlier = change_and_read(
        page, panel, lambda: panel.get_by_label("Age to retire", exact=True).fill("57")
    )
    assert sent["years_until_retirement"] == 15
    keys = [lever["key"] for lever in earlier["levers"]]
    assert keys != [lever["key"] for lever in historical["levers"]], keys
    s.shot("desktop-whatif-changed")

    # Save it as the plan.
    shown_success = panel.get_by_test_id("whatif-success").inner_text()
    with page.expect_response(_is_profile_save) as saved:
        panel.get_by_test_id("whatif-save").click()
    assert saved.value.status == 200, saved.value.text()
    body = _sent(saved.value)
    assert body["years_until_retirement"] == 15
    assert "annual_contribution" not in body and "target_retirement_income" not in body
    assert body["retirement_plan"]["return_model"] == "historical"
    assert body["retirement_plan"]["income_streams"] == sent["plan"]["income_streams"]
    expect(panel.get_by_test_id("whatif-saved")).to_contain_text("Saved as your plan")
    expect(panel.get_by_test_id("whatif-save")).to_be_disabled()
    expect(panel.get_by_test_id("whatif-reset")).to_be_disabled()
    stored = saved.value.json()
    assert stored["years_until_retirement"] == 15
    assert stored["retirement_plan"]["return_model"] == "historical"

    # The next analysis uses it, and quotes the very success the panel showed.
    panel.get_by_role("link", name="Run a new analysis").click()
    page.wait_for_url(re.compile(r"/team/"))
    page.get_by_test_id("start-analysis").click()
    wait_for_analysis(page)
    page.get_by_role("tab", name="Retirement").click()
    tab = page.get_by_role("tabpanel")
    gauge = tab.get_by_test_id("success-gauge")
    expect(gauge).to_have_attribute("aria-label", f"Probability of success: {shown_success}")
    expect(tab.get_by_test_id("fan-chart").locator("svg.recharts-surface")).to_be_visible()

    # Opened again, the panel starts from the saved plan and says the same.
    with page.expect_response(_is_projection) as reopened:
        tab.get_by_test_id("whatif-open").click()
    panel = tab.get_by_test_id("whatif")
    expect_panel_shows(panel, reopened.value.json())
    expect(panel.get_by_test_id("whatif-success")).to_have_text(shown_success)
    expect(panel.get_by_label("Age to retire", exact=True)).to_have_value("57")
    expect(panel.get_by_label("Return model", exact=True)).to_have_value("historical")
    expect(
        panel.get_by_test_id("whatif-ss-0").get_by_label("Amount a year", exact=True)
    ).to_have_value("24000")

    # Reset goes back to the stored plan after a change.
    _, moved = change_and_read(
        page, panel, lambda: panel.get_by_label("Age to retire", exact=True).fill("60")
    )
    expect(panel.get_by_test_id("whatif-reset")).to_be_enabled()
    with page.expect_response(_is_projection) as back:
        panel.get_by_test_id("whatif-reset").click()
    expect(panel.get_by_label("Age to retire", exact=True)).to_have_value("57")
    expect_panel_shows(panel, back.value.json())
    expect(panel.get_by_test_id("whatif-success")).to_have_text(shown_success)
    assert moved["projection"]["retirement_age"] == 60


def test_what_if_fits_a_phone(
    new_session: Callable[..., Session], server: Server, demo_plan_restored: None
) -> None:
    s = new_session(phone=True)
    page = s.page
    s.goto("/signin/")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("accounts-summary")).to_be_visible()
    s.goto("/team/")
    page.get_by_test_id("start-analysis").click()
    wait_for_analysis(page)
    page.get_by_role("tab", name="Retirement").click()
    tab = page.get_by_role("tabpanel")
    with page.expect_response(_is_projection) as first:
        tab.get_by_test_id("whatif-open").click()
    panel = tab.get_by_test_id("whatif")
    expect_panel_shows(panel, first.value.json())
    panel.get_by_test_id("whatif-ss-add").click()
    with page.expect_response(_is_projection) as answer:
        panel.get_by_test_id("whatif-ss-0").get_by_label("Amount a year", exact=True).fill("24000")
    expect_panel_shows(panel, answer.value.json())
    assert_fits(page, "analysis retirement what-if")
    s.shot("phone-whatif")
