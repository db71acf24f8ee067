"""Broker CSV import in a real browser: a Fidelity export previewed (layout, date, cash,
prices, bad lines) and imported; an unknown layout imported through the column mapping."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, Session
from tests.e2e.test_web_app import sign_up, unique_email

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "brokers"


def test_broker_export_and_column_mapping(
    new_session: Callable[..., Session], server: Server
) -> None:
    s = new_session()
    page = s.page
    sign_up(s, "Robin Broker", unique_email("robin"))
    page.get_by_role("link", name="Add an account").click()
    dialog = page.get_by_role("dialog", name="Add an account")
    dialog.get_by_label("Account name").fill("Fidelity brokerage")
    dialog.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/detail/\?id="))

    # A Fidelity export: recognised, dated by the file, its cash and prices shown.
    page.get_by_role("button", name="Import CSV").click()
    dialog = page.get_by_role("dialog", name="Import positions from CSV")
    dialog.locator("input[type=file]").set_input_files(SAMPLES / "fidelity_positions.csv")
    dialog.get_by_role("button", name="Preview").click()
    summary = dialog.get_by_test_id("import-summary")
    expect(summary).to_contain_text("Fidelity positions export")
    expect(summary).to_contain_text("Nov 28, 2026")
    expect(summary).to_contain_text("4 valid row(s)")
    expect(dialog.get_by_test_id("import-cash")).to_contain_text("$1,273.47")
    expect(dialog.get_by_test_id("import-cash")).to_contain_text("lines 2 and 8")
    preview = dialog.get_by_test_id("import-preview")
    expect(preview).to_contain_text("$232.10")
    expect(preview).to_contain_text("$5,123.30")
    s.shot("import-fidelity-preview", full_page=False)

    # A short position blocks the import and is named by its line.
    csv = dialog.get_by_label(re.compile("^CSV"))
    csv.fill(csv.input_value().replace(",30,$232.10", ",-30,$232.10"))
    dialog.get_by_role("button", name="Preview").click()
    expect(dialog.get_by_test_id("import-errors")).to_contain_text("Line 5:")
    expect(dialog.get_by_test_id("import-errors")).to_contain_text("short position")
    expect(dialog.get_by_role("button", name=re.compile("^Import"))).to_be_disabled()
    dialog.locator("input[type=file]").set_input_files(SAMPLES / "fidelity_positions.csv")
    dialog.get_by_role("button", name="Preview").click()
    dialog.get_by_role("button", name="Import 4 row(s) and cash").click()
    expect(page.locator("[data-toast=success]").last).to_contain_text("Imported 4 position(s)")
    aapl = page.get_by_test_id("position-AAPL")
    expect(aapl).to_contain_text("35")
    expect(aapl.get_by_test_id("position-price")).to_contain_text("$232.10")
    expect(page.get_by_text("$1,273", exact=False).first).to_be_visible()

    # An unknown layout: pick the columns (pre-filled from their names), then import.
    page.get_by_role("button", name="Import CSV").click()
    dialog = page.get_by_role("dialog", name="Import positions from CSV")
    dialog.locator("input[type=file]").set_input_files(SAMPLES / "other_broker.csv")
    dialog.get_by_role("button", name="Preview").click()
    mapping = dialog.get_by_test_id("import-mapping")
    expect(mapping.get_by_label("Symbol column")).to_have_value("Ticker")
    expect(mapping.get_by_label("Quantity column")).to_have_value("Shares Held")
    mapping.get_by_label("Price column (optional)").select_option("Last")
    s.shot("import-mapping", full_page=False)
    mapping.get_by_role("button", name="Preview with these columns").click()
    summary = dialog.get_by_test_id("import-summary")
    expect(summary).to_contain_text("Your column choice")
    expect(summary).to_contain_text("2 valid row(s)")
    expect(dialog.get_by_test_id("import-preview")).to_contain_text("2 line(s) not read")
    dialog.get_by_role("button", name="Import 2 row(s)").click()
    expect(page.locator("[data-toast=success]").last).to_contain_text("Imported 2 position(s)")
    expect(page.get_by_test_id("position-IWM").get_by_test_id("position-price")).to_contain_text(
        "$221.40"
    )
