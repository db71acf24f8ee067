"""One demo analysis, four places to read it: the Analysis page (figures the web app formats
itself: key figures, gauge, chart legends), the dashboard, the report the page shows, and
`alex plan` on the same database. Every figure must read identically; a page or command that
rounds or names a figure its own way fails this test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import REPO, Server, Session
from tests.figures import Figures, from_cli_plan, from_report

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LEGEND_ITEM = "li:has(> span.truncate):has(> span.num)"


def _legend(chart: Locator) -> dict[str, str]:
    """A pie or donut's legend: slice name → share as shown."""
    items = chart.locator(LEGEND_ITEM)
    expect(items.first).to_be_visible()
    return {
        item.locator("span.truncate").inner_text(): item.locator("span.num").inner_text()
        for item in items.all()
    }


def _stat(page: Page, name: str) -> str:
    return page.locator(
        f"xpath=//p[normalize-space()='{name}']/following-sibling::p[1]"
    ).inner_text()


def _cli_plan(server: Server) -> Figures:
    """`alex plan --user demo` on the server's own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEX_")}
    env["ALEX_DATABASE_URL"] = f"sqlite:///{server.log.parent / 'alex.db'}"
    env["ALEX_VAR_DIR"] = str(server.log.parent)
    result = subprocess.run(
        [sys.executable, "-m", "alex.cli", "plan", "--user", "demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return from_cli_plan(result.stdout)


def test_the_demo_reads_the_same_on_the_page_the_dashboard_the_report_and_the_cli(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    s.goto("/signin/")
    page.get_by_role("button", name="Try the demo").click()
    expect(page.get_by_test_id("greeting")).to_contain_text("Jordan")
    expect(page.get_by_test_id("drift-list")).to_be_visible()
    dashboard = Figures(
        total=_stat(page, "Total value"),
        cash=_stat(page, "Cash"),
        asset_classes=_legend(page.locator("body")),
        drift={
            row.locator("span").first.inner_text(): row.locator("span.num").inner_text()
            for row in page.get_by_test_id("drift-list").locator("li").all()
        },
    )

    s.goto("/team/")
    page.get_by_test_id("start-analysis").click()
    page.wait_for_url(re.compile(r"/analysis/\?job="), timeout=60_000)
    job_id = re.search(r"job=([0-9a-f-]+)", page.url).group(1)  # type: ignore[union-attr]
    token = page.evaluate("() => localStorage.getItem('alex.token')")
    job = httpx.get(
        f"{server.url}/api/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    report = from_report(job["report_payload"]["markdown"], job["retirement_payload"]["markdown"])

    key_figures = page.get_by_test_id("key-figures")
    expect(key_figures).to_be_visible()
    gauge = page.get_by_test_id("success-gauge").first
    analysis = Figures(
        total=key_figures.locator("[data-figure=total]").inner_text(),
        invested=key_figures.locator("[data-figure=invested]").inner_text(),
        cash=key_figures.locator("[data-figure=cash]").inner_text(),
        max_drift=key_figures.locator("[data-figure=drift]").inner_text(),
        success=(gauge.get_attribute("aria-label") or "").rsplit(": ", 1)[-1],
    )
    expect(gauge).to_contain_text(analysis.success or "?")
    page.get_by_role("tab", name=re.compile("^Charts")).click()
    analysis.asset_classes = _legend(page.locator("[data-chart-key=asset_class_donut]"))
    analysis.regions = _legend(page.locator("[data-chart-key=region_pie]"))

    cli = _cli_plan(server)

    # The same figure, character for character, wherever it appears.
    assert cli == report
    for name in ("total", "invested", "cash", "max_drift", "success"):
        assert getattr(analysis, name) == getattr(report, name), name
    assert analysis.asset_classes == report.asset_classes
    assert analysis.regions == report.regions
    assert (dashboard.total, dashboard.cash) == (report.total, report.cash)
    assert dashboard.asset_classes == report.asset_classes
    assert dashboard.drift == {k: report.drift[k] for k in dashboard.drift}
    assert len(dashboard.drift) >= 3  # the asset classes off target, both ways
