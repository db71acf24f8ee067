"""First run: a new profile holds placeholder figures until the user saves their own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers

FIGURES = {
    "current_age": 34,
    "years_until_retirement": 31,
    "target_retirement_income": "55000",
    "annual_contribution": "12000",
    "asset_class_targets": {"equity": 90, "fixed_income": 10},
    "region_targets": {"north_america": 60, "europe": 25, "emerging_markets": 15},
}


def _bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def test_sign_up_leaves_the_profile_incomplete_until_its_figures_are_saved(
    client: TestClient,
) -> None:
    signup = client.post(
        "/api/auth/signup",
        json={"email": "erin@example.com", "password": "correct horse", "display_name": "Erin"},
    )
    assert signup.status_code == 201, signup.text
    headers = _bearer(signup.json()["access_token"])
    assert client.get("/api/user", headers=headers).json()["profile_completed_at"] is None

    # A rename or a partial save does not make the placeholder age and targets the user's.
    renamed = client.put("/api/user", headers=headers, json={"display_name": "Erin K"})
    assert renamed.status_code == 200 and renamed.json()["profile_completed_at"] is None
    partial = client.put("/api/user", headers=headers, json={"current_age": 34})
    assert partial.json()["profile_completed_at"] is None

    saved = client.put("/api/user", headers=headers, json=FIGURES).json()
    assert saved["profile_completed_at"] is not None
    assert (saved["current_age"], saved["region_targets"]["europe"]) == (34, 25)
    assert (
        client.get("/api/user", headers=headers).json()["profile_completed_at"]
        == (saved["profile_completed_at"])
    )

    # Completing is once: a later save keeps the first stamp.
    again = client.put("/api/user", headers=headers, json={**FIGURES, "current_age": 35}).json()
    assert again["profile_completed_at"] == saved["profile_completed_at"]


def test_a_profile_created_on_first_request_is_incomplete(
    client: TestClient, alice: Headers
) -> None:
    assert client.get("/api/user", headers=alice).json()["profile_completed_at"] is None


def test_the_seeded_demo_user_counts_as_completed(client: TestClient) -> None:
    demo = client.post("/api/auth/demo")
    assert demo.status_code == 200, demo.text
    user = client.get("/api/user", headers=_bearer(demo.json()["access_token"])).json()
    assert user["profile_completed_at"] is not None


def test_an_analysis_waits_for_the_profile_step(client: TestClient, alice: Headers) -> None:
    """The server refuses, not only the web app: an analysis of placeholders would present
    age 40 and $60,000 a year as the user's own plan."""
    assert client.post("/api/user/demo-data", headers=alice).status_code == 201
    refused = client.post("/api/analyze", headers=alice)
    assert refused.status_code == 422
    [error] = refused.json()["detail"]
    assert error["loc"] == ["body", "profile"]
    assert error["msg"].startswith("complete your profile")
    assert client.get("/api/jobs", headers=alice).json() == []  # nothing was queued

    # A partial save is not enough; saving every figure is.
    client.put("/api/user", headers=alice, json={"current_age": 34})
    assert client.post("/api/analyze", headers=alice).status_code == 422
    client.put("/api/user", headers=alice, json=FIGURES)
    assert client.post("/api/analyze", headers=alice).status_code == 202
