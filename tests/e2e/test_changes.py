"""'What changed' in a real browser: a second analysis after a change made through the API says
what moved, with the server's figures as alex.core.format writes them; it fits a phone and
prints."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from alex.core import format as fmt
from tests.e2e.conftest import PHONE, Server, Session
from tests.e2e.test_web_app import api_get, assert_fits, sign_up, unique_email, wait_for_analysis

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def signed_money(value: str) -> str:
    """A change in dollars as the page shows it ("+$1,000", "−$3,600", "$0")."""
    shown = fmt.round_half_up(Decimal(value))
    return ("+" if shown > 0 else "") + fmt.money(value)


def run_analysis(s: Session) -> str:
    s.goto("/team/")
    s.page.get_by_test_id("start-analysis").click()
    wait_for_analysis(s.page)
    return s.page.url.split("job=")[1]


def call(server: Server, token: str, method: str, path: str, body: Any) -> Any:
    response = httpx.request(
        method, f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code < 300, response.text
    return response.json()


def card(page: Page) -> Any:
    return page.get_by_test_id("what-changed")


def test_a_second_analysis_says_what_changed(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Casey Compare", unique_email("casey"))
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    call(server, token, "POST", "/api/user/demo-data", None)

    first = run_analysis(s)
    expect(card(page)).to_have_attribute("data-status", "first_analysis")
    expect(card(page)).to_contain_text("This is your first analysis")

    # Between the two: 10 VTI bought in the brokerage and an equity target of 80 %.
    equity_target = api_get(server, token, "/api/user")["asset_class_targets"]["equity"]
    assert equity_target != 80
    accounts = api_get(server, token, "/api/accounts")
    brokerage = next(a for a in accounts if a["account_name"] == "Taxable brokerage")
    call(
        server,
        token,
        "POST",
        f"/api/accounts/{brokerage['id']}/positions",
        {"symbol": "VTI", "quantity": "10"},
    )
    user = call(
        server,
        token,
        "PUT",
        "/api/user",
        {"asset_class_targets": {"equity": 80, "fixed_income": 15, "cash": 5}},
    )
    assert user["profile_completed_at"] is not None
    job_id = run_analysis(s)

    changes = api_get(server, token, f"/api/jobs/{job_id}/changes")
    assert changes["status"] == "compared"
    c = changes["comparison"]
    [vti] = c["positions"]
    assert (vti["symbol"], vti["change"]) == ("VTI", "added")
    expect(card(page)).to_have_attribute("data-status", "compared")
    reasons = page.get_by_test_id("what-changed-reasons")
    expect(reasons).to_contain_text(
        f"You added 10 VTI to Taxable brokerage ({signed_money(vti['value_change'])})."
    )
    expect(reasons).to_contain_text(
        f"Of the {signed_money(c['value']['change'])} change in value: "
        f"new positions {signed_money(c['attribution']['new_positions'])}."
    )
    expect(reasons).to_contain_text(
        f"Your target for {fmt.label('equity')} went from {fmt.pct(equity_target, 0)} to 80% "
        f"({fmt.pts(80 - equity_target)})."
    )
    total = page.get_by_test_id("what-changed-figures").locator("[data-figure=total]")
    expect(total).to_contain_text(
        f"{fmt.money(c['value']['before'])} → {fmt.money(c['value']['after'])}"
    )
    expect(total).to_contain_text(signed_money(c["value"]["change"]))
    drift = page.get_by_test_id("what-changed-figures").locator("[data-figure=drift]")
    expect(drift).to_contain_text(fmt.pts(c["max_drift"]["change"]))
    s.shot("desktop-analysis-what-changed")

    # On a phone it fits; on paper it is printed with the overview.
    page.set_viewport_size(PHONE)
    expect(card(page)).to_be_visible()
    assert_fits(page, "analysis with what changed")
    s.shot("phone-analysis-what-changed")
    page.emulate_media(media="print")
    expect(card(page)).to_be_visible()
    expect(page.locator("[data-section=overview]").get_by_test_id("what-changed")).to_be_visible()
    page.emulate_media(media="screen")

    # The earlier analysis still has nothing before it.
    page.get_by_test_id("analysis-picker").select_option(first)
    page.wait_for_url(re.compile(f"job={first}"))
    expect(card(page)).to_have_attribute("data-status", "first_analysis")
