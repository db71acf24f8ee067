"""POST /api/retirement/projection: overrides of the stored profile and plan, recomputed on
request; the saved plan is what the engine (and so the next analysis) uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Headers, add_position, complete_profile, make_account

SOCIAL_SECURITY = {
    "kind": "social_security",
    "start_age": 67,
    "annual_amount": 24_000,
    "indexed": True,
}


def _portfolio(client: TestClient, headers: Headers) -> None:
    complete_profile(client, headers, target_retirement_income="70000")
    pretax = make_account(client, headers, account_name="401k", account_type="401k")
    add_position(client, headers, pretax["id"], "SPY", "300")
    taxable = make_account(client, headers, account_name="Brokerage", account_type="taxable")
    add_position(client, headers, taxable["id"], "AGG", "400")


def _project(client: TestClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = client.post("/api/retirement/projection", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_overrides_change_the_projection_and_nothing_is_stored(
    client: TestClient, alice: Headers
) -> None:
    _portfolio(client, alice)
    base = _project(client, alice)
    stored_plan = base["projection"]["inputs"]
    assert stored_plan["return_model"] == "normal"
    assert stored_plan["income_streams"] == []
    assert stored_plan["taxes"]["bucket_pct"]["pretax"] > 0  # account types seed the buckets

    with_ss = _project(client, alice, plan={"income_streams": [SOCIAL_SECURITY]})
    assert with_ss["projection"]["success_pct"] > base["projection"]["success_pct"]
    historical = _project(
        client, alice, plan={"income_streams": [SOCIAL_SECURITY], "return_model": "historical"}
    )
    assert historical["projection"]["inputs"]["return_model"] == "historical"
    # One path per historical start year, whatever the requested path count.
    assert historical["projection"]["paths"] < 200
    later = _project(client, alice, years_until_retirement=28)
    assert later["projection"]["retirement_age"] == 68

    # Every model side by side, the levers ranked by their gain.
    assert [m["model"] for m in with_ss["by_model"]] == [
        "normal",
        "student_t",
        "historical",
        "bootstrap",
    ]
    changes = [lever["change_pp"] for lever in with_ss["levers"]]
    assert changes == sorted(changes, reverse=True)
    assert "claim_at_70" in {lever["key"] for lever in with_ss["levers"]}
    assert {a["basis"] for a in with_ss["allocations"]} == {"as_held", "targets"}

    # A what-if is not a save: the stored plan is untouched.
    assert client.get("/api/user", headers=alice).json()["retirement_plan"]["income_streams"] == []


def test_a_saved_plan_is_the_projection_without_overrides(
    client: TestClient, alice: Headers
) -> None:
    _portfolio(client, alice)
    plan = {"income_streams": [SOCIAL_SECURITY], "return_model": "bootstrap"}
    what_if = _project(client, alice, plan=plan)
    saved = client.put("/api/user", json={"retirement_plan": plan}, headers=alice)
    assert saved.status_code == 200, saved.text
    assert saved.json()["retirement_plan"]["return_model"] == "bootstrap"
    # Same seed, same paths, same plan: the very same figures.
    again = _project(client, alice)
    assert again["projection"]["success_pct"] == what_if["projection"]["success_pct"]
    assert again["levers"] == what_if["levers"]


def test_the_projection_is_the_callers_own(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    _portfolio(client, alice)
    complete_profile(client, bob, current_age=50)
    client.put("/api/user", json={"retirement_plan": {"return_model": "historical"}}, headers=alice)
    bobs = _project(client, bob)
    assert bobs["projection"]["inputs"]["current_age"] == 50
    assert bobs["projection"]["inputs"]["return_model"] == "normal"  # not Alice's saved plan


def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, alice: Headers, token_for: Callable[[str], Headers]
) -> None:
    _portfolio(client, alice)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"years_until_retirement": -1}, "years_until_retirement"),
        ({"target_income": "lots"}, "target_income"),
        ({"plan": {"return_model": "astrology"}}, "return_model"),
        ({"plan": {"income_streams": [{**SOCIAL_SECURITY, "start_age": 200}]}}, "start_age"),
        ({"plan": {"income_streams": [{**SOCIAL_SECURITY, "indexed": None}]}}, "indexed"),
        ({"plan": {"one_offs": [{"amount": 10_000, "age": 20}]}}, "one-off"),
        ({"plan": {"planning_age": 60}}, "planning_age"),
        ({"surprise": 1}, "surprise"),
    ]
    for body, needle in cases:
        response = client.post("/api/retirement/projection", json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
        assert needle in response.text, (body, response.text)
    assert client.get("/api/user", headers=alice).json()["retirement_plan"]["return_model"] == (
        "normal"
    )
    anonymous = client.post("/api/retirement/projection", json={})
    assert anonymous.status_code == 401


def test_a_check_across_fields_names_its_field(client: TestClient, alice: Headers) -> None:
    _portfolio(client, alice)
    response = client.post(
        "/api/retirement/projection", json={"plan": {"planning_age": 60}}, headers=alice
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"][0]["loc"] == ["body", "planning_age"]
    assert "Value error" not in response.text
