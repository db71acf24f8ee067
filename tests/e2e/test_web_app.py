"""The web app in a real browser against a real `alex serve` (offline analyst): sign up, set a
profile, record accounts and positions, watch the advisor team work from real job events, read
the analysis; user isolation; the one-click demo. Screenshots at desktop and phone widths."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session as DbSession

from alex.db import repository as repo
from alex.db.models import Job
from alex.db.session import make_engine, session_scope
from alex.db.types import utcnow
from alex.jobs.leases import retry_reason
from alex.schemas import JobEventCreate
from tests.e2e.conftest import SHOTS, Server, Session, publish_screenshots

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AGENTS = ("planner", "tagger", "reporter", "charter", "retirement")

# Records every state each agent card shows, so the test can check the cards changed as the
# job's events arrived (the page itself never animates on a timer).
RECORD_AGENT_STATES = """
() => {
  window.__agentStates = {};
  const note = (el) => {
    const a = el.dataset.agent, s = el.dataset.status;
    (window.__agentStates[a] ||= []);
    const seen = window.__agentStates[a];
    if (seen[seen.length - 1] !== s) seen.push(s);
  };
  document.querySelectorAll('[data-agent]').forEach(note);
  const onChange = (muts) => muts.forEach((m) => m.target.dataset?.agent && note(m.target));
  new MutationObserver(onChange)
    .observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
}
"""

ANY_AGENT_WORKED = """
() => Object.values(window.__agentStates || {}).some((seen) => seen.includes('working'))
"""

ALL_AGENTS_DONE = """
(agents) => agents.every((a) => {
  const seen = (window.__agentStates || {})[a] || [];
  return seen[seen.length - 1] === 'done';
})
"""


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def sign_up(
    s: Session,
    name: str,
    email: str,
    password: str = "correct horse battery",
    *,
    set_up_profile: bool = True,
) -> None:
    """Create an account; unless told otherwise, also complete the first-run profile step."""
    s.goto("/signup/")
    page = s.page
    expect(page).to_have_title(re.compile("Create your account · Alex"))
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("welcome")).to_contain_text(name)
    if set_up_profile:
        set_up(page, age=40, retirement_age=65, income=60000, contribution=10000)
        expect(page.get_by_test_id("greeting")).to_contain_text(name)


def set_up(page: Page, *, age: int, retirement_age: int, income: int, contribution: int) -> None:
    """Fill and save the first-run profile step, keeping the suggested target mixes."""
    step = page.get_by_test_id("profile-setup")
    step.get_by_label("Current age").fill(str(age))
    step.get_by_label("Retirement age").fill(str(retirement_age))
    step.get_by_label("Retirement income").fill(str(income))
    step.get_by_label("Saving per year").fill(str(contribution))
    step.get_by_role("button", name="Save and continue").click()


def wait_for_analysis(page: Page) -> None:
    """From the Advisor Team page: once the job completes the page flips to Analysis (the
    flip only happens on completion, and may come before a look at the status badge)."""
    page.wait_for_url(re.compile(r"/analysis/\?job="), timeout=60_000)
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")


def check_analysis(s: Session, shot_prefix: str | None) -> None:
    page = s.page
    expect(page).to_have_title("Analysis · Alex")
    report = page.get_by_test_id("markdown").first
    expect(report.locator("h1")).to_contain_text("Portfolio report")
    headings = report.locator("h2").all_inner_texts()
    assert len(headings) >= 4, headings
    assert any("Summary" in h for h in headings), headings
    expect(report.locator("table").first).to_be_visible()
    # The report cites the starter notes `alex db seed` loaded: each [n] is a superscript link
    # to its entry in the References list under the report.
    references = page.get_by_test_id("references").first
    expect(references.locator("li").nth(1)).to_be_visible()
    cited = report.locator("sup.citation a")
    expect(cited.first).to_be_visible()
    target = cited.first.get_attribute("href") or ""
    assert re.fullmatch(r"#ref-\d+", target), target
    expect(references.locator(target)).to_be_visible()
    if shot_prefix:
        s.shot(f"{shot_prefix}-analysis-overview")

    # Every section is in the page (so that printing shows them all); the tab shows one, and
    # only the shown one is a tab panel to the browser's accessibility tree.
    shown = page.get_by_role("tabpanel")
    page.get_by_role("tab", name=re.compile("^Charts")).click()
    charts = shown.get_by_test_id("chart")
    expect(charts.first.locator("svg.recharts-surface").first).to_be_visible()
    rendered = shown.locator("[data-testid=chart] svg.recharts-surface")
    expect(rendered.nth(3)).to_be_visible()  # at least 4 charts drawn as SVG
    assert rendered.count() >= 4, f"only {rendered.count()} charts rendered"
    types = {charts.nth(i).get_attribute("data-chart-type") for i in range(charts.count())}
    assert {"donut", "bar", "horizontal_bar"} <= types, types
    if shot_prefix:
        s.shot(f"{shot_prefix}-analysis-charts")

    page.get_by_role("tab", name="Retirement").click()
    fan = shown.get_by_test_id("fan-chart")
    expect(fan.locator("svg.recharts-surface")).to_be_visible()
    expect(fan.locator(".recharts-area").nth(2)).to_be_attached()  # the percentile bands
    expect(shown.get_by_test_id("success-gauge")).to_contain_text("%")
    expect(shown.get_by_test_id("sustainable-income")).to_contain_text("$")
    if shot_prefix:
        s.shot(f"{shot_prefix}-analysis-retirement")
        s.shot(f"{shot_prefix}-analysis-retirement-top", full_page=False)

    page.get_by_role("tab", name=re.compile("^Data quality")).click()
    dq = page.get_by_test_id("data-quality")
    expect(dq).to_contain_text("Classification coverage")
    expect(dq).to_contain_text("Grounding check")
    if shot_prefix:
        s.shot(f"{shot_prefix}-analysis-quality")


def test_sign_up_profile_accounts_analysis(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page

    # Signed out: every page sends the visitor to sign-in.
    s.goto("/accounts/")
    page.wait_for_url(re.compile(r"/signin/\?next="))
    expect(page).to_have_title("Sign in · Alex")
    expect(page.get_by_test_id("disclaimer")).to_contain_text("not financial")
    s.shot("desktop-signin")

    sign_up(s, "Jamie Tester", unique_email("jamie"))
    expect(page).to_have_title("Dashboard · Alex")
    expect(page.get_by_text("Add your first account")).to_be_visible()
    expect(page.get_by_test_id("disclaimer")).to_be_visible()

    # Profile: a target allocation that does not total 100 is refused with a message.
    form = page.get_by_test_id("profile-form")
    form.get_by_label("Current age").fill("38")
    form.get_by_label("Years to retirement").fill("27")
    assets = page.get_by_test_id("asset-targets")
    assets.get_by_label("Equity").fill("80")  # 80 + 40 (the suggested bonds) = 120
    expect(page.get_by_test_id("asset-targets-error")).to_have_text(
        "Must total 100% — currently 120%"
    )
    save = form.get_by_role("button", name="Save profile")
    expect(save).to_be_disabled()
    # The server refuses it too, naming the field (422), whatever the client does.
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    refused = httpx.put(
        f"{server.url}/api/user",
        json={"asset_class_targets": {"equity": 80, "fixed_income": 25, "cash": 5}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 422
    assert "asset_class_targets" in refused.text and "100" in refused.text
    s.shot("desktop-dashboard-invalid-targets", full_page=True)
    assets.get_by_label("Equity").fill("50")
    assets.get_by_label("Real estate").fill("5")
    assets.get_by_label("Cash").fill("5")  # 50 + 40 + 5 + 5 = 100
    expect(page.get_by_test_id("asset-targets-error")).to_have_count(0)
    save.click()
    expect(page.locator("[data-toast=success]")).to_contain_text("Profile saved")
    profile = httpx.get(
        f"{server.url}/api/user", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert profile["current_age"] == 38
    assert profile["asset_class_targets"] == {
        "equity": 50,
        "fixed_income": 40,
        "real_estate": 5,
        "cash": 5,
    }

    # An account with positions, one of them an unknown symbol.
    page.get_by_role("link", name="Accounts", exact=True).first.click()
    expect(page).to_have_title("Accounts · Alex")
    page.get_by_role("button", name="+ Add account").click()
    dialog = page.get_by_role("dialog", name="Add an account")
    dialog.get_by_label("Account name").fill("Rollover IRA")
    dialog.get_by_label("Account type").select_option("traditional_ira")
    dialog.get_by_label("Cash balance").fill("5000")
    dialog.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/detail/\?id="))
    expect(page.get_by_role("heading", name="Rollover IRA")).to_be_visible()

    add = page.get_by_test_id("add-position")
    symbol = add.get_by_role("combobox", name="Symbol")
    symbol.fill("sp")
    option = page.get_by_role("option", name=re.compile(r"^SPY"))
    expect(option).to_be_visible()
    option.click()
    expect(symbol).to_have_value("SPY")
    add.get_by_label("Quantity").fill("12.5")
    add.get_by_role("button", name="Add position").click()
    expect(page.get_by_test_id("position-SPY")).to_be_visible()

    symbol.fill("AGG")
    symbol.press("Escape")
    add.get_by_label("Quantity").fill("40")
    add.get_by_label("Cost basis (optional)").fill("3900")
    add.get_by_role("button", name="Add position").click()
    expect(page.get_by_test_id("position-AGG")).to_be_visible()

    symbol.fill("ZZQX")
    symbol.press("Escape")
    add.get_by_label("Quantity").fill("7")
    add.get_by_role("button", name="Add position").click()
    unknown = page.get_by_test_id("position-ZZQX")
    expect(unknown).to_contain_text("unclassified")
    expect(unknown).to_contain_text("no price")
    expect(unknown.get_by_role("button", name="Classify")).to_be_visible()
    expect(page.get_by_test_id("position-SPY")).not_to_contain_text("unclassified")
    s.shot("desktop-account-detail")

    # The advisor team: cards driven by the job's real events.
    page.get_by_role("link", name="Advisor Team").first.click()
    expect(page).to_have_title("Advisor Team · Alex")
    for agent in AGENTS:
        expect(page.get_by_test_id(f"agent-{agent}")).to_have_attribute("data-status", "waiting")
    page.evaluate(RECORD_AGENT_STATES)
    page.get_by_test_id("start-analysis").click()
    # The offline run is quick, so a card may work for a moment only: read the record, which
    # sees every change, rather than polling the live page.
    page.wait_for_function(ANY_AGENT_WORKED, timeout=30_000)
    # For the screenshot: the moment the three specialists work in parallel, if caught.
    with contextlib.suppress(AssertionError):
        expect(page.locator("[data-agent=reporter][data-status=working]")).to_be_visible(
            timeout=2_000
        )
        s.shot("desktop-team-running", settle=False)
    # Every card ends "done" (as recorded by the observer); then the page flips to Analysis by
    # itself, which may happen before this test looks again, so the checks read the record.
    page.wait_for_function(ALL_AGENTS_DONE, arg=list(AGENTS), timeout=60_000)
    states = page.evaluate("() => window.__agentStates")
    for agent in AGENTS:
        assert states[agent][0] == "waiting" and states[agent][-1] == "done", states
    assert any("working" in seen for seen in states.values()), f"no card ever showed work: {states}"
    wait_for_analysis(page)
    check_analysis(s, "desktop")
    expect(page.get_by_test_id("data-quality")).to_contain_text("ZZQX")

    # Back on the team page, the finished analysis can be reviewed card by card.
    page.get_by_role("link", name="Advisor Team").first.click()
    expect(page).to_have_title("Advisor Team · Alex")
    page.get_by_role("button", name="View team").first.click()
    expect(page.get_by_test_id("job-status")).to_have_attribute("data-job-status", "completed")
    for agent in AGENTS:
        expect(page.get_by_test_id(f"agent-{agent}")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("activity-feed")).to_contain_text("Using ")  # real tool calls
    expect(page.get_by_test_id("agent-tagger")).to_contain_text("ZZQX")
    s.shot("desktop-team-done")

    # The dashboard now has the look-through donut, the drift chart and the last analysis.
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_test_id("accounts-summary")).to_contain_text("Rollover IRA")
    expect(page.get_by_test_id("last-analysis")).to_contain_text("completed")
    expect(page.locator("svg.recharts-surface").nth(1)).to_be_visible()  # donut + drift
    s.shot("desktop-dashboard")


def test_first_run_asks_for_the_profile_before_showing_any_plan_figure(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Robin Newcomer", unique_email("robin"), set_up_profile=False)
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    assert api_get(server, token, "/api/user")["profile_completed_at"] is None

    # The step, not a greeting built on the placeholders stored with a new profile.
    step = page.get_by_test_id("profile-setup")
    expect(step).to_be_visible()
    expect(page.get_by_test_id("greeting")).to_have_count(0)
    expect(page.get_by_text("years to retirement")).to_have_count(0)
    expect(page.get_by_text("Age 40")).to_have_count(0)
    expect(step.get_by_label("Current age")).to_have_value("")
    expect(step.get_by_label("Retirement income")).to_have_value("")
    s.shot("desktop-profile-setup")

    # The advisor team cannot start on placeholders either.
    page.get_by_role("link", name="Advisor Team").first.click()
    expect(page.get_by_test_id("start-analysis")).to_be_disabled()
    expect(page.get_by_test_id("needs-profile")).to_contain_text("Set up your profile")
    page.get_by_test_id("needs-profile").get_by_role("link").click()
    expect(step).to_be_visible()

    # Saving checks the figures; a retirement age before today's age is refused.
    step.get_by_label("Current age").fill("34")
    step.get_by_label("Retirement age").fill("30")
    step.get_by_label("Retirement income").fill("55000")
    step.get_by_label("Saving per year").fill("12000")
    step.get_by_role("button", name="Save and continue").click()
    expect(step.get_by_text("Not before your current age")).to_be_visible()
    assert api_get(server, token, "/api/user")["profile_completed_at"] is None

    # 31 years to go: the growth mix is the suggestion; picking it fills the targets.
    step.get_by_label("Retirement age").fill("65")
    expect(step).to_contain_text("31 years from now")
    growth = step.get_by_test_id("asset-suggestions").get_by_role(
        "button", name=re.compile("^Growth")
    )
    expect(growth).to_contain_text("suggested")
    growth.click()
    expect(step.get_by_test_id("setup-asset-targets").get_by_label("Equity")).to_have_value("80")
    step.get_by_test_id("region-suggestions").get_by_role(
        "button", name=re.compile("^Global market")
    ).click()
    step.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_test_id("greeting")).to_contain_text("Robin Newcomer")
    expect(
        page.get_by_text("Age 34 · 31 years to retirement · target income $55,000 a year")
    ).to_be_visible()
    profile = api_get(server, token, "/api/user")
    assert profile["profile_completed_at"] is not None
    assert (profile["current_age"], profile["years_until_retirement"]) == (34, 31)
    assert float(profile["target_retirement_income"]) == 55000
    assert float(profile["annual_contribution"]) == 12000
    assert profile["asset_class_targets"] == {"equity": 80, "fixed_income": 20}
    assert profile["region_targets"] == {
        "north_america": 62,
        "europe": 16,
        "asia_pacific": 11,
        "emerging_markets": 11,
    }
    # The dashboard's own profile form now holds the entered figures, and stays after a reload.
    page.reload()
    form = page.get_by_test_id("profile-form")
    expect(form.get_by_label("Current age")).to_have_value("34")
    expect(form.get_by_label("Target retirement income")).to_have_value("55000")
    expect(page.get_by_test_id("profile-setup")).to_have_count(0)


def test_second_user_cannot_see_first_users_accounts(
    new_session: Callable[..., Session], server: Server
) -> None:
    first = new_session()
    sign_up(first, "Owner One", unique_email("owner"))
    token = first.page.evaluate("() => localStorage.getItem('alex.token')")
    created = httpx.post(
        f"{server.url}/api/accounts",
        json={"account_name": "Private Brokerage", "account_type": "taxable", "cash_balance": 1000},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    first.goto(f"/accounts/detail/?id={account_id}")
    expect(first.page.get_by_role("heading", name="Private Brokerage")).to_be_visible()

    second = new_session()
    sign_up(second, "Other Two", unique_email("other"))
    second.goto("/accounts/")
    expect(second.page.get_by_text("No accounts yet")).to_be_visible()
    expect(second.page.get_by_text("Private Brokerage")).to_have_count(0)
    # Opening the first user's account by its id is refused (the resource error is expected).
    second.console.allow(r"Failed to load resource: the server responded with a status of 40[34]")
    second.goto(f"/accounts/detail/?id={account_id}")
    expect(second.page.get_by_role("heading", name="Account not found")).to_be_visible()
    expect(second.page.get_by_text("Private Brokerage")).to_have_count(0)

    # A token the server no longer accepts sends the user back to sign-in.
    second.console.allow(r"status of 401")
    second.page.evaluate("() => localStorage.setItem('alex.token', 'not-a-valid-token')")
    second.goto("/accounts/")
    second.page.wait_for_url(re.compile(r"/signin/\?next=%2Faccounts"))
    assert second.page.evaluate("() => localStorage.getItem('alex.token')") is None


def test_csv_import_classify_edit_and_delete(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Casey Importer", unique_email("casey"))
    page.get_by_role("link", name="Add an account").click()
    dialog = page.get_by_role("dialog", name="Add an account")
    dialog.get_by_label("Account name").fill("Old 401(k)")
    dialog.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/detail/\?id="))

    # CSV import: bad rows are previewed by line and block the import until fixed.
    page.get_by_role("button", name="Import CSV").click()
    dialog = page.get_by_role("dialog", name="Import positions from CSV")
    csv = dialog.get_by_label(re.compile("^CSV"))
    csv.fill("symbol,quantity,cost_basis\nSPY,10,6000\nAGG,lots,\nNEWCO,25,\n")
    dialog.get_by_role("button", name="Preview").click()
    preview = dialog.get_by_test_id("import-preview")
    expect(preview).to_contain_text("Line 3")
    expect(dialog.get_by_role("button", name=re.compile("^Import"))).to_be_disabled()
    csv.fill("symbol,quantity,cost_basis\nSPY,10,6000\nAGG,30,\nNEWCO,25,\n")
    dialog.get_by_role("button", name="Preview").click()
    expect(preview).to_contain_text("3 valid row(s)")
    dialog.get_by_role("button", name="Import 3 row(s)").click()
    expect(page.locator("[data-toast=success]").last).to_contain_text("Imported 3 position(s)")
    newco = page.get_by_test_id("position-NEWCO")
    expect(newco).to_contain_text("unclassified")

    # Classify the unknown symbol: each breakdown must total 100.
    newco.get_by_role("button", name="Classify").click()
    dialog = page.get_by_role("dialog", name="Classify NEWCO")
    dialog.get_by_label("Instrument name").fill("NewCo Holdings")
    save = dialog.get_by_role("button", name="Save classification")
    expect(save).to_be_disabled()  # sectors total 0
    dialog.get_by_test_id("classify-sector").get_by_label("Technology").fill("100")
    save.click()
    expect(newco).not_to_contain_text("unclassified")
    expect(newco).to_contain_text("NewCo Holdings")
    s.shot("desktop-account-detail-imported")

    # Edit a quantity; remove a position; delete the account (each confirmed).
    page.get_by_role("button", name="Edit AGG").click()
    dialog = page.get_by_role("dialog", name="Edit AGG")
    dialog.get_by_label("Quantity").fill("45")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("position-AGG")).to_contain_text("45")
    page.get_by_role("button", name="Delete SPY").click()
    page.get_by_role("dialog", name="Remove SPY?").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("position-SPY")).to_have_count(0)
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("dialog", name="Delete account?").get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/accounts/$"))
    expect(page.get_by_text("No accounts yet")).to_be_visible()


def test_download_then_delete_all_my_data(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    email = unique_email("dana")
    sign_up(s, "Dana Leaving", email)
    page.get_by_role("button", name="Load demo portfolio").click()
    expect(page.get_by_test_id("accounts-summary")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    assert re.fullmatch(r"alex-export-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["user"]["display_name"] == "Dana Leaving"
    assert len(exported["accounts"]) == 3

    token = page.evaluate("() => window.localStorage.getItem('alex.token')")
    page.get_by_role("button", name="Delete all my data").click()
    dialog = page.get_by_role("dialog", name="Delete all your data?")
    expect(dialog).to_contain_text("3 accounts")
    dialog.get_by_role("button", name="Delete everything").click()
    page.wait_for_url(re.compile(r"/signin/\?deleted=1"))
    expect(page.get_by_test_id("deleted-notice")).to_contain_text("Your data was deleted")

    # The old session is refused and the sign-in is gone with the data.
    refused = httpx.get(f"{server.url}/api/accounts", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    signin = httpx.post(
        f"{server.url}/api/auth/signin",
        json={"email": email, "password": "correct horse battery"},
    )
    assert signin.status_code == 401


def test_try_the_demo_and_every_page_at_phone_width(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session(phone=True)
    page = s.page
    s.goto("/")
    page.wait_for_url(re.compile(r"/signin/"))
    s.shot("phone-signin")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("greeting")).to_contain_text("Jordan")
    expect(page.locator("svg.recharts-surface").first).to_be_visible()
    expect(page.get_by_test_id("coverage-statement")).to_contain_text(
        "of valued holdings classified"
    )
    assert_fits(page, "phone dashboard")
    s.shot("phone-dashboard")
    s.shot("phone-dashboard-top", full_page=False)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Mobile").get_by_role("link", name="Accounts").click()
    expect(page.get_by_test_id("account-list")).to_be_visible()
    assert_fits(page, "phone accounts")
    s.shot("phone-accounts")
    page.get_by_role("navigation", name="Accounts").get_by_role("link", name="Data health").click()
    expect(page.get_by_test_id("health-statement")).to_be_visible()
    assert_fits(page, "phone data health")
    s.shot("phone-data-health")
    page.get_by_role("navigation", name="Accounts").get_by_role("link", name="Accounts").click()
    page.get_by_test_id("account-link").first.click()
    expect(page.get_by_test_id("positions-table")).to_be_visible()
    assert_fits(page, "phone account detail")
    s.shot("phone-account-detail")

    s.goto("/team/")
    page.evaluate(RECORD_AGENT_STATES)
    page.get_by_test_id("start-analysis").click()
    expect(page.get_by_test_id("job-status")).to_be_visible()
    wait_for_analysis(page)
    s.shot("phone-analysis-overview")
    check_analysis(s, "phone")
    s.goto("/team/")
    expect(page.get_by_test_id("past-analyses")).to_contain_text("completed")
    s.shot("phone-team")
    s.shot("phone-team-top", full_page=False)

    # The same demo at desktop width, for the README.
    d = new_session()
    d.goto("/signin/")
    d.page.get_by_role("button", name="Try the demo").click()
    expect(d.page.get_by_test_id("greeting")).to_be_visible()
    expect(d.page.locator("svg.recharts-surface").first).to_be_visible()
    d.shot("desktop-demo-dashboard")
    d.goto("/accounts/")
    expect(d.page.get_by_test_id("account-list")).to_be_visible()
    d.shot("desktop-accounts")
    d.goto("/team/")
    d.page.get_by_test_id("start-analysis").click()
    wait_for_analysis(d.page)
    d.shot("desktop-demo-analysis-overview")
    d.page.get_by_role("tab", name=re.compile("^Charts")).click()
    expect(d.page.locator("[data-testid=chart] svg.recharts-surface").first).to_be_visible()
    d.shot("desktop-demo-analysis-charts")
    d.page.get_by_role("tab", name="Retirement").click()
    expect(d.page.get_by_role("tabpanel").get_by_test_id("fan-chart")).to_be_visible()
    d.shot("desktop-demo-analysis-retirement")

    publish_screenshots(
        {
            "desktop-signin": "signin",
            "desktop-demo-dashboard": "dashboard",
            "desktop-accounts": "accounts",
            "desktop-account-detail": "account-detail",
            "desktop-account-real-holdings": "account-prices",
            "desktop-symbol-autocomplete": "symbol-autocomplete",
            "desktop-data-health": "data-health",
            "desktop-team-done": "advisor-team",
            "desktop-team-running": "advisor-team-running",
            "desktop-demo-analysis-overview": "analysis-overview",
            "desktop-demo-analysis-charts": "analysis-charts",
            "desktop-demo-analysis-retirement": "analysis-retirement",
            "desktop-analysis-quality": "analysis-data-quality",
            "phone-dashboard-top": "phone-dashboard",
            "phone-team-top": "phone-advisor-team",
            "phone-analysis-retirement-top": "phone-analysis-retirement",
        }
    )


def api_get(server: Server, token: str, path: str) -> Any:
    response = httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_real_holdings_autocomplete_prices_and_data_health(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Riley Saver", unique_email("riley"))
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    page.get_by_role("link", name="Add an account").click()
    dialog = page.get_by_role("dialog", name="Add an account")
    dialog.get_by_label("Account name").fill("Brokerage")
    dialog.get_by_label("Cash balance").fill("1000")
    dialog.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/detail/\?id="))
    account_id = page.url.split("id=")[1]

    # The autocomplete names each known symbol, its type, and that Alex has its breakdown.
    add = page.get_by_test_id("add-position")
    symbol = add.get_by_role("combobox", name="Symbol")
    known = {
        "VTI": ("Vanguard Total Stock Market", "ETF"),
        "VXUS": ("Vanguard Total International Stock", "ETF"),
        "FXAIX": ("Fidelity 500 Index Fund", "Mutual fund"),
        "AAPL": ("Apple Inc", "Stock"),
    }
    for i, (ticker, (name, kind)) in enumerate(known.items()):
        symbol.fill(ticker)
        option = page.get_by_test_id(f"symbol-option-{ticker}")
        expect(option).to_contain_text(name)
        expect(option).to_contain_text(kind)
        expect(option).to_contain_text("classified")
        expect(option).not_to_contain_text("no breakdown yet")
        if i == 0:
            # Keyboard: arrow down to the exact match (listed first), Enter picks it.
            symbol.press("ArrowDown")
            expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
            expect(page.get_by_role("option").first).to_contain_text(ticker)
            s.shot("desktop-symbol-autocomplete", full_page=False)
            symbol.press("Enter")
        else:
            option.click()
        expect(page.get_by_role("listbox")).to_have_count(0)
        hint = page.get_by_test_id("symbol-hint")
        expect(hint).to_have_attribute("data-state", "known")
        expect(hint).to_contain_text(name)
        expect(hint).to_contain_text("classified")
        expect(symbol).to_have_value(ticker)
        add.get_by_label("Quantity").fill("10")
        add.get_by_role("button", name="Add position").click()
        row = page.get_by_test_id(f"position-{ticker}")
        expect(row).to_contain_text(name)
        expect(row).not_to_contain_text("unclassified")
        expect(row.get_by_test_id("position-price")).not_to_contain_text("no price")

    # A made-up symbol: accepted, and said to be unpriced and unclassified until the user acts.
    symbol.fill("ZZQX")
    hint = page.get_by_test_id("symbol-hint")
    expect(hint).to_have_attribute("data-state", "unknown")
    expect(hint).to_contain_text("unpriced and unclassified")
    add.get_by_label("Quantity").fill("10")
    add.get_by_role("button", name="Add position").click()
    made_up = page.get_by_test_id("position-ZZQX")
    expect(made_up).to_contain_text("no price")
    expect(made_up).to_contain_text("unclassified")
    left_out = page.get_by_test_id("account-left-out")
    expect(left_out).to_contain_text("1 holding not valued")
    expect(page.get_by_test_id("account-issues")).to_contain_text("ZZQX has no price")
    before = api_get(server, token, f"/api/accounts/{account_id}")
    assert before["unpriced_positions"] == 1
    priced_value = sum(float(p["value"]) for p in before["positions"] if p["value"] is not None)
    assert float(before["total_value"]) == pytest.approx(1000 + priced_value)
    # Each price shows its date and source; a stale one says so.
    for p in before["positions"]:
        if p["price"] is not None:
            cell = page.get_by_test_id(f"position-{p['symbol']}").get_by_test_id("position-price")
            expect(cell).to_contain_text(re.compile(r"\d{1,2} [A-Z][a-z]{2}"))
            if p["price_stale"]:
                expect(cell).to_contain_text("stale")
    s.shot("desktop-account-real-holdings")

    # The dashboard's totals say what they leave out, and link to the data health page.
    page.get_by_role("link", name="Dashboard").first.click()
    statement = page.get_by_test_id("coverage-statement")
    expect(statement).to_contain_text("of valued holdings classified; 1 holding not valued")
    expect(page.get_by_test_id("total-left-out")).to_contain_text("1 holding not valued")
    expect(page.get_by_text("of value classified")).to_have_count(0)
    portfolio = api_get(server, token, "/api/portfolio")["analysis"]["data_quality"]
    assert portfolio["unvalued_holdings"] == 1
    expect(statement).to_contain_text(portfolio["coverage_statement"].split(";")[0])
    s.shot("desktop-dashboard-honest-totals", full_page=False)
    statement.get_by_role("link", name="1 holding not valued").click()
    expect(page).to_have_title("Data health · Alex")

    # The data health page lists the made-up symbol (unpriced and unclassified), and exactly
    # the stale prices the portfolio reports.
    expect(page.get_by_test_id("health-unpriced-ZZQX")).to_be_visible()
    expect(page.get_by_test_id("health-unclassified-ZZQX")).to_be_visible()
    expect(page.get_by_test_id("health-unpriced").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("health-unclassified").locator("li")).to_have_count(1)
    stale = sorted(q["symbol"] for q in portfolio["stale_prices"])
    if stale:
        expect(page.get_by_test_id("health-stale").locator("li")).to_have_count(len(stale))
        for ticker in stale:
            expect(page.get_by_test_id(f"health-stale-{ticker}")).to_be_visible()
    expect(page.get_by_test_id("health-all-good")).to_have_count(0)
    s.shot("desktop-data-health")

    # Setting the made-up symbol's price on the account page puts it in the totals.
    page.get_by_test_id("health-unpriced-ZZQX").get_by_role("link", name="Brokerage").click()
    page.get_by_role("button", name="Set price of ZZQX").click()
    dialog = page.get_by_role("dialog", name="Set the price of ZZQX")
    expect(dialog.get_by_label("As of")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    dialog.get_by_label("Price per share").fill("20")
    dialog.get_by_role("button", name="Save price").click()
    expect(made_up.get_by_test_id("position-price")).to_contain_text("$20.00")
    expect(made_up.get_by_test_id("position-price")).to_contain_text("your price")
    expect(left_out).not_to_contain_text("not valued")
    after = api_get(server, token, f"/api/accounts/{account_id}")
    assert after["unpriced_positions"] == 0
    assert float(after["total_value"]) == pytest.approx(float(before["total_value"]) + 200)

    # Back to the shared price: there is none, so ZZQX is out of the totals again; then priced.
    page.get_by_role("button", name="Set price of ZZQX").click()
    dialog = page.get_by_role("dialog", name="Set the price of ZZQX")
    expect(dialog.get_by_test_id("price-history")).to_contain_text("your price")
    dialog.get_by_role("button", name="Use the shared price").click()
    expect(made_up).to_contain_text("no price")
    expect(left_out).to_contain_text("1 holding not valued")

    # Fix everything from the data health page: the price inline, the classification, then
    # any stale price; the page ends "all good".
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Accounts").click()
    page.get_by_role("navigation", name="Accounts").get_by_role("link", name="Data health").click()
    expect(page).to_have_title("Data health · Alex")
    unpriced = page.get_by_test_id("health-unpriced-ZZQX")
    unpriced.get_by_label("Price per share").fill("20")
    unpriced.get_by_role("button", name="Save price").click()
    expect(page.get_by_test_id("health-unpriced-ZZQX")).to_have_count(0)
    expect(page.get_by_test_id("health-statement")).not_to_contain_text("not valued")

    page.get_by_role("button", name="Classify ZZQX").click()
    dialog = page.get_by_role("dialog", name="Classify ZZQX")
    expect(dialog.get_by_test_id("classify-scope")).to_contain_text("your portfolio only")
    dialog.get_by_label("Instrument name").fill(
        "[Re-verify your login](https://evil.example/login)"
    )
    dialog.get_by_test_id("classify-sector").get_by_label("Technology").fill("100")
    dialog.get_by_role("button", name="Save classification").click()
    expect(page.get_by_test_id("health-unclassified-ZZQX")).to_have_count(0)

    for ticker in stale:
        row = page.get_by_test_id(f"health-stale-{ticker}")
        expect(row.get_by_test_id("stale-detail")).to_be_visible()
        row.get_by_role("button", name=f"Set price of {ticker}").click()
        row.get_by_label("Price per share").fill("100")
        row.get_by_role("button", name="Save price").click()
        expect(page.get_by_test_id(f"health-stale-{ticker}")).to_have_count(0)
    expect(page.get_by_test_id("health-all-good")).to_contain_text("All good")
    s.shot("desktop-data-health-all-good")

    # The name the user typed is plain text on the account page, never a link.
    page.goto(f"{server.url}/accounts/detail/?id={account_id}")
    expect(made_up).to_contain_text("[Re-verify your login](https://evil.example/login)")
    expect(page.locator("a[href*='evil.example']")).to_have_count(0)
    expect(page.get_by_test_id("account-issues")).to_have_count(0)

    # At phone width the account and data health pages fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("positions-table")).to_be_visible()
    assert_fits(page, "account detail at 390 px")
    s.shot("phone-account-real-holdings")
    s.goto("/accounts/health/")
    expect(page.get_by_test_id("health-all-good")).to_be_visible()
    assert_fits(page, "data health at 390 px")

    # The user's own classification can be removed again (ZZQX goes back to unclassified).
    s.goto(f"/accounts/detail/?id={account_id}")
    expect(made_up).to_contain_text("your classification")
    made_up.get_by_role("button", name="Reclassify ZZQX").click()
    dialog = page.get_by_role("dialog", name="Classify ZZQX")
    expect(dialog.get_by_test_id("classify-sector").get_by_label("Technology")).to_have_value("100")
    dialog.get_by_role("button", name="Remove my classification").click()
    expect(made_up).to_contain_text("unclassified")
    expect(made_up).not_to_contain_text("evil.example")

    # Another user holding ZZQX and VTI sees none of this user's prices or names.
    other = httpx.post(
        f"{server.url}/api/auth/signup",
        json={"email": unique_email("sam"), "password": "correct horse battery"},
    )
    assert other.status_code in (200, 201), other.text
    other_token = other.json()["access_token"]
    headers = {"Authorization": f"Bearer {other_token}"}
    created = httpx.post(
        f"{server.url}/api/accounts",
        json={"account_name": "IRA", "account_type": "roth_ira"},
        headers=headers,
    )
    other_id = created.json()["id"]
    for ticker in ("ZZQX", "VTI"):
        added = httpx.post(
            f"{server.url}/api/accounts/{other_id}/positions",
            json={"symbol": ticker, "quantity": "1"},
            headers=headers,
        )
        assert added.status_code == 201, added.text
    theirs = {
        p["symbol"]: p
        for p in api_get(server, other_token, f"/api/accounts/{other_id}")["positions"]
    }
    assert theirs["ZZQX"]["price"] is None and not theirs["ZZQX"]["classified"]
    assert "evil" not in theirs["ZZQX"]["instrument_name"]
    assert theirs["VTI"]["price_source"] != "user"


def test_run_analysis_from_the_dashboard_in_one_click(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Morgan Oneclick", unique_email("morgan"))
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    auth = {"Authorization": f"Bearer {token}"}
    run = page.get_by_test_id("run-analysis")
    blocked = page.get_by_test_id("run-analysis-blocked")

    # Nothing to analyse: the button cannot start one and says what to add.
    expect(run).to_be_disabled()
    expect(blocked).to_have_text(
        "Add an account with its holdings, or load the demo portfolio, to run an analysis."
    )
    expect(run).to_have_attribute("aria-describedby", "run-analysis-blocked")
    s.shot("desktop-dashboard-nothing-to-analyse", full_page=False)

    # An account holding nothing is still nothing to analyse.
    created = httpx.post(
        f"{server.url}/api/accounts",
        json={"account_name": "Empty IRA", "account_type": "roth_ira"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    s.goto("/")
    expect(page.get_by_test_id("accounts-summary")).to_contain_text("Empty IRA")
    expect(run).to_be_disabled()
    expect(blocked).to_have_text(
        "Your accounts hold nothing yet: add your holdings or a cash balance to run an analysis."
    )
    assert api_get(server, token, "/api/jobs") == []

    # With a holding, one click starts the analysis and opens the team on that job.
    added = httpx.post(
        f"{server.url}/api/accounts/{account_id}/positions",
        json={"symbol": "VTI", "quantity": 10},
        headers=auth,
    )
    assert added.status_code == 201, added.text
    s.goto("/")
    expect(page.get_by_test_id("accounts-summary")).to_contain_text("Empty IRA")
    expect(blocked).to_have_count(0)
    expect(run).to_be_enabled()
    run.click()
    page.wait_for_url(re.compile(r"/team/\?job="))
    expect(page).to_have_title("Advisor Team · Alex")
    job_id = page.url.split("job=")[1]
    jobs = api_get(server, token, "/api/jobs")
    assert [j["id"] for j in jobs] == [job_id]  # one click, one analysis
    expect(page.get_by_test_id("job-status")).to_have_attribute(
        "data-job-status", "completed", timeout=60_000
    )
    # VTI has a known breakdown, so the tagger has nothing to do.
    expect(page.get_by_test_id("agent-tagger")).to_have_attribute("data-status", "skipped")
    for agent in ("planner", "reporter", "charter", "retirement"):
        expect(page.get_by_test_id(f"agent-{agent}")).to_have_attribute("data-status", "done")
    page.get_by_role("link", name="Open the analysis").click()
    page.wait_for_url(re.compile(rf"/analysis/\?job={job_id}"))
    claim = page.get_by_test_id("grounding-claim")
    expect(claim).to_have_attribute("data-grounding", "ok")
    expect(claim).to_contain_text("Every figure in this report comes from Alex's calculations")
    # What-if deltas: green exactly when the figure improves on the current plan.
    page.get_by_role("tab", name="Retirement").click()
    deltas = page.get_by_test_id("scenarios").locator("[data-tone]")
    expect(deltas.first).to_be_visible()
    shown = [(d.get_attribute("data-tone"), d.inner_text()) for d in deltas.all()]
    assert shown and all((tone == "good") == text.startswith("+") for tone, text in shown), shown

    # The dashboard's last-analysis card starts the next one the same way.
    s.goto("/")
    expect(page.get_by_test_id("last-analysis")).to_contain_text("completed")
    page.get_by_test_id("new-analysis").click()
    page.wait_for_url(re.compile(r"/team/\?job="))
    second = page.url.split("job=")[1]
    assert second != job_id
    assert [j["id"] for j in api_get(server, token, "/api/jobs")] == [second, job_id]
    expect(page.get_by_test_id("job-status")).to_have_attribute(
        "data-job-status", "completed", timeout=60_000
    )

    # The accounts went away after the page loaded (another tab): the server refuses (422 on
    # `accounts`), the page says what to add and shows the button disabled.
    s.goto("/")
    expect(run).to_be_enabled()
    deleted = httpx.delete(f"{server.url}/api/accounts/{account_id}", headers=auth)
    assert deleted.status_code == 204, deleted.text
    s.console.allow(r"Failed to load resource: the server responded with a status of 422")
    run.click()
    expect(page.locator("[data-toast=error]")).to_contain_text("Add an account with its holdings")
    expect(run).to_be_disabled()
    expect(blocked).to_contain_text("Add an account")
    assert page.url.rstrip("/") == server.url
    assert len(api_get(server, token, "/api/jobs")) == 2


@contextlib.contextmanager
def staged(server: Server) -> Iterator[DbSession]:
    """A session on the server's database, to write what a worker would have written."""
    engine = make_engine(server.database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def _event(agent: str, kind: str, message: str, data: dict[str, Any] | None = None) -> Any:
    return JobEventCreate.model_validate(
        {"agent": agent, "kind": kind, "message": message, "data": data}
    )


def test_team_follows_a_running_job_live_and_shows_its_retry(
    new_session: Callable[..., Session], server: Server
) -> None:
    """A job already running when the page opens (on its second attempt after a crash) is shown
    live, never as a replay; the retry is a divider saying which attempt and why; the cards
    start over; when the worker finishes, the page follows."""
    s = new_session()
    page = s.page
    sign_up(s, "Alex Retry", unique_email("retry"))
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    user_id = api_get(server, token, "/api/user")["id"]

    with staged(server) as session:
        job = repo.create_job(session, user_id, "portfolio_analysis")
        # Held by a worker (a lease well in the future) so the server's own workers leave it.
        job.status, job.attempts, job.started_at = "running", 2, utcnow()
        job.lease_owner, job.lease_expires_at = "e2e-worker", utcnow() + timedelta(hours=1)
        session.flush()
        job_id = job.id
        for event in (
            _event("planner", "started", "Analysis started"),
            _event("reporter", "started", "Working on the report"),
            _event("planner", "progress", "attempt 1 failed, will retry: worker lost"),
            _event(
                "planner",
                "progress",
                "Attempt 2 of 3 started",
                {"attempt": 2, "max_attempts": 3, "reason": retry_reason(None)},
            ),
            _event("planner", "progress", "Loaded 1 account with 1 position"),
        ):
            repo.append_event(session, job_id, event)

    s.goto(f"/team/?job={job_id}")
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-job-status", "running")
    expect(status).to_have_attribute("data-mode", "live")
    expect(status).not_to_contain_text("Replay")
    expect(page.get_by_test_id("job-attempt")).to_have_text("Attempt 2 of 3")
    divider = page.get_by_test_id("attempt-divider")
    expect(divider).to_contain_text("Attempt 2 of 3")
    # The reason as the worker words it (jobs/leases.py), as a sentence of its own.
    expect(divider).to_contain_text("The previous attempt stopped before finishing")
    # The cards show the current attempt: the first attempt's reporter is not still "working".
    expect(page.get_by_test_id("agent-planner")).to_have_attribute("data-status", "working")
    expect(page.get_by_test_id("agent-reporter")).to_have_attribute("data-status", "waiting")
    expect(page.get_by_test_id("start-analysis")).to_be_disabled()
    s.shot("desktop-team-retry", settle=False)

    # The worker carries on; the page follows without a reload.
    with staged(server) as session:
        repo.append_event(session, job_id, _event("reporter", "started", "Working on the report"))
    expect(page.get_by_test_id("agent-reporter")).to_have_attribute("data-status", "working")
    with staged(server) as session:
        for agent in ("reporter", "planner"):
            repo.append_event(session, job_id, _event(agent, "completed", "Done"))
        held = session.get(Job, job_id)
        assert held is not None
        repo.complete_job(session, held)
    expect(status).to_have_attribute("data-job-status", "completed")
    expect(status).to_have_attribute("data-mode", "live")
    expect(page.get_by_test_id("agent-reporter")).to_have_attribute("data-status", "done")
    expect(page.locator("[data-toast=success]")).to_contain_text("Your analysis is ready")
    # Watched, not started here: the page stays (the report is one click away).
    expect(status.get_by_role("link", name="Open the analysis")).to_be_visible()
    assert "/team/" in page.url


def _stage_finished_job(server: Server, user_id: str, *, ended_ago: timedelta) -> str:
    """A completed job whose events were recorded over ten seconds, ending `ended_ago`."""
    script = [
        ("planner", "started", "Analysis started"),
        ("planner", "progress", "Loaded 3 accounts"),
        ("reporter", "started", "Working on the report"),
        ("charter", "started", "Working on the charts"),
        ("retirement", "started", "Working on the retirement"),
        ("reporter", "completed", "Report written"),
        ("charter", "completed", "Charts chosen"),
        ("retirement", "completed", "Projection done"),
        ("planner", "completed", "Analysis completed"),
    ]
    end = utcnow() - ended_ago
    with staged(server) as session:
        job = repo.create_job(session, user_id, "portfolio_analysis")
        for i, (agent, kind, message) in enumerate(script):
            recorded = repo.append_event(session, job.id, _event(agent, kind, message))
            recorded.created_at = end - timedelta(seconds=(len(script) - 1 - i) * 1.25)
        repo.complete_job(session, job)
        job.started_at = end - timedelta(seconds=12)
        job.completed_at = end
        return str(job.id)


def test_team_shows_a_finished_job_as_finished_and_says_when_it_cannot_reach_the_server(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Alex Replay", unique_email("replay"))
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    user_id = api_get(server, token, "/api/user")["id"]
    # Every status the job header ever shows, from the first render on.
    page.add_init_script(
        """
        window.__jobStatuses = [];
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid=job-status]');
          const s = el && el.dataset.jobStatus;
          if (s && window.__jobStatuses.at(-1) !== s) window.__jobStatuses.push(s);
        }).observe(document, { subtree: true, childList: true, attributes: true });
        """
    )

    # Just finished (someone started it and came to watch): replayed at its recorded pace,
    # labelled as a replay, while the header says "completed" throughout.
    recent = _stage_finished_job(server, user_id, ended_ago=timedelta(seconds=5))
    s.goto(f"/team/?job={recent}")
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-mode", "replay")
    expect(page.get_by_test_id("replay-progress")).to_contain_text("Replaying the recorded run")
    expect(page.get_by_text("Replay of the recorded run")).to_be_visible()
    expect(page.get_by_test_id("agent-planner")).to_have_attribute("data-status", "working")
    s.shot("desktop-team-replay", settle=False)
    status.get_by_role("button", name="Show all").click()
    for agent in ("planner", "reporter", "charter", "retirement"):
        expect(page.get_by_test_id(f"agent-{agent}")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("agent-tagger")).to_have_attribute("data-status", "skipped")
    expect(status).to_contain_text("Recorded run")
    assert page.evaluate("() => window.__jobStatuses") == ["completed"]

    # Finished long ago: shown at once, as finished; a replay is offered, not forced.
    old = _stage_finished_job(server, user_id, ended_ago=timedelta(hours=3))
    s.goto(f"/team/?job={old}")
    expect(page.get_by_test_id("agent-reporter")).to_have_attribute("data-status", "done")
    expect(status.get_by_role("button", name="Replay it")).to_be_visible()
    expect(page.get_by_test_id("replay-progress")).to_have_count(0)
    assert page.evaluate("() => window.__jobStatuses") == ["completed"]

    # The server cannot be reached: a few retries, growing apart, then an error that says so
    # with a button; nothing retries forever. The page's clock is Playwright's, so the waits
    # pass without the test sleeping.
    s.console.allow(r"Failed to load resource: net::ERR_FAILED")
    page.clock.install()
    page.route(f"**/api/jobs/{old}", lambda route: route.abort())
    s.goto(f"/team/?job={old}")
    retrying = page.get_by_test_id("team-retrying")
    for attempt, wait_s in ((1, 1), (2, 2), (3, 4), (4, 8)):
        expect(retrying).to_contain_text(f"Trying again in {wait_s} s (attempt {attempt} of 4)")
        expect(retrying).to_contain_text("Cannot reach the Alex server")
        page.clock.run_for(wait_s * 1000)
    error = page.get_by_test_id("team-error")
    expect(error).to_contain_text("Progress stopped updating")
    expect(retrying).to_have_count(0)
    s.shot("desktop-team-error", settle=False)
    page.unroute(f"**/api/jobs/{old}")
    error.get_by_role("button", name="Try again").click()
    expect(status).to_have_attribute("data-job-status", "completed")
    expect(error).to_have_count(0)


# Wider than the viewport, or sticking out past either edge: the element and where it ends. An
# ancestor that hides its overflow clips what is seen (decorative shapes, truncated text); one
# that scrolls does not, so a table that only fits by scrolling sideways counts as too wide.
TOO_WIDE = """
(vw) => {
  const seen = (e) => {
    let { left, right, width, height } = e.getBoundingClientRect();
    if (width <= 1 && height <= 1) return null; // screen-reader-only text
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (!['hidden', 'clip'].includes(getComputedStyle(p).overflowX)) continue;
      const c = p.getBoundingClientRect();
      left = Math.max(left, c.left);
      right = Math.min(right, c.right);
    }
    return right - left > 0 ? { left, right } : null;
  };
  return [...document.querySelectorAll('body *')]
    .map((e) => [e, seen(e)])
    .filter(([, r]) => r && (r.right - r.left > vw + 0.5 || r.right > vw + 0.5 || r.left < -0.5))
    .slice(0, 12)
    .map(([e, r]) => {
      const id = e.dataset.testid ? `[${e.dataset.testid}]` : '';
      const cls = String(e.className?.baseVal ?? e.className).slice(0, 50);
      return `${e.tagName}${id}.${cls} ${Math.round(r.left)}..${Math.round(r.right)}`;
    });
}
"""


def assert_fits(page: Page, where: str) -> None:
    """Nothing scrolls sideways and no element is wider than the screen. The width is the one
    the test set: a phone browser widens its layout viewport (and `innerWidth`) to fit content
    that does not fit, so `innerWidth` alone would excuse exactly what this looks for."""
    assert page.viewport_size is not None
    width = page.viewport_size["width"]
    scroll = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    too_wide = page.evaluate(TOO_WIDE, width)
    fits = scroll[0] <= width and scroll[1] <= width and not too_wide
    assert fits, f"{where} at {width} px: scrollWidth, innerWidth = {scroll}; too wide: {too_wide}"


def test_every_page_fits_a_phone(new_session: Callable[..., Session], server: Server) -> None:
    visitor = new_session(phone=True)
    page = visitor.page
    for path, ready in (
        ("/signin/", page.get_by_role("button", name="Try the demo")),
        ("/signup/", page.get_by_role("button", name="Create account")),
    ):
        visitor.goto(path)
        expect(ready).to_be_visible()
        assert_fits(page, path)
    visitor.console.allow(r"status of 404")
    visitor.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    assert_fits(page, "404")

    s = new_session(phone=True)
    page = s.page
    s.goto("/signin/")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("accounts-summary")).to_be_visible()
    expect(page.locator("svg.recharts-surface").first).to_be_visible()
    assert_fits(page, "dashboard")
    # The accounts table keeps what matters most on a phone: each account's value.
    value_header = page.get_by_test_id("accounts-summary").get_by_role("columnheader", name="Value")
    expect(value_header).to_be_visible()

    s.goto("/accounts/")
    expect(page.get_by_test_id("account-list")).to_be_visible()
    assert_fits(page, "accounts")
    page.get_by_test_id("account-link").first.click()
    expect(page.get_by_test_id("positions-table")).to_be_visible()
    assert_fits(page, "account detail")
    s.goto("/accounts/health/")
    expect(page.get_by_test_id("health-statement")).to_be_visible()
    assert_fits(page, "data health")

    s.goto("/team/")
    page.get_by_test_id("start-analysis").click()
    expect(page.get_by_test_id("job-status")).to_be_visible()
    assert_fits(page, "team")
    wait_for_analysis(page)
    expect(page.get_by_test_id("markdown").first.locator("h1")).to_be_visible()
    assert_fits(page, "analysis overview")
    for tab, shown in (
        ("Charts", "[data-testid=chart] svg.recharts-surface"),
        ("Retirement", "[data-testid=fan-chart] svg.recharts-surface"),
        ("Data quality", "[data-testid=data-quality]"),
    ):
        page.get_by_role("tab", name=re.compile(f"^{tab}")).click()
        # Every section is in the page (for printing); the shown one is the tab panel.
        expect(page.get_by_role("tabpanel").locator(shown).first).to_be_visible()
        assert_fits(page, f"analysis {tab}")
    s.goto("/team/")
    expect(page.get_by_test_id("past-analyses")).to_be_visible()
    assert_fits(page, "team with past analyses")


_PDF_TITLE = re.compile(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")


def pdf_outline(pdf: bytes) -> list[str]:
    """The bookmark titles of a PDF written by Chromium (which stores its objects, and so its
    outline, uncompressed; only page contents are compressed). Titles are literal strings or
    UTF-16 hex strings. The first is the document's own title from its info dictionary."""
    titles = []
    for raw in _PDF_TITLE.findall(pdf):
        if raw.startswith(b"<"):
            data = bytes.fromhex(raw[1:-1].decode())
            titles.append(
                data[2:].decode("utf-16-be") if data[:2] == b"\xfe\xff" else data.decode()
            )
        else:
            body = re.sub(rb"\\([()\\])", rb"\1", raw[1:-1])
            titles.append(body.decode("latin-1"))
    return titles


def test_keep_the_report_as_markdown_and_pdf(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    s.goto("/signin/")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("greeting")).to_be_visible()
    s.goto("/team/")
    page.get_by_test_id("start-analysis").click()
    wait_for_analysis(page)
    job_id = page.url.split("job=")[1]
    page.get_by_role("tab", name="Retirement").click()
    income = page.get_by_role("tabpanel").get_by_test_id("sustainable-income").inner_text()

    # Markdown: the server's file, with the page's own figures.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Markdown").click()
    assert re.fullmatch(r"alex-analysis-\d{4}-\d{2}-\d{2}\.md", download.value.suggested_filename)
    markdown = Path(download.value.path()).read_text()
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    served = httpx.get(
        f"{server.url}/api/jobs/{job_id}/report.md", headers={"Authorization": f"Bearer {token}"}
    )
    assert markdown == served.text
    for heading in ("## Summary", "## Report", "## Retirement", "## Data quality"):
        assert f"\n{heading}\n" in markdown, heading
    assert f"| Sustainable income | {income} a year |" in markdown

    # PDF: the button opens the browser's print dialog (Save as PDF).
    page.evaluate(
        "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"
    )
    page.get_by_role("button", name="Download PDF").click()
    assert page.evaluate("() => window.__printed") == 1

    # On paper: no navigation, tabs or buttons; every section, charts drawn.
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("tablist")).to_be_hidden()
    expect(page.get_by_test_id("report-downloads")).to_be_hidden()
    for section in ("overview", "charts", "retirement", "quality"):
        expect(page.locator(f"[data-section={section}]")).to_be_visible()
    printed_charts = page.locator("[data-section=charts] [data-testid=chart] svg.recharts-surface")
    expect(printed_charts.nth(3)).to_be_visible()
    expect(page.locator("[data-section=retirement] [data-testid=fan-chart] svg")).to_be_visible()
    s.shot("desktop-analysis-print", settle=True)

    pdf = page.pdf(outline=True, tagged=True, print_background=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "analysis.pdf").write_bytes(pdf)  # to look at
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages > 3, f"{pages} pages"  # each section starts a page
    outline = pdf_outline(pdf)
    # The four sections' headings in order (the report has a "Data quality" heading of its own,
    # so the section's is the last one).
    last_dq = len(outline) - 1 - outline[::-1].index("Data quality")
    order = [outline.index("Report"), outline.index("Charts"), outline.index("Retirement"), last_dq]
    assert order == sorted(order), outline
    for heading in ("Portfolio report for Jordan Rivera", "Projected wealth", "Grounding check"):
        assert heading in outline, (heading, outline)
