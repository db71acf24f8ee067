"""Sign-out and profile deletion hold across server processes: two apps on one database
stand in for two `alex serve` processes (or hosts), each with its own in-memory list. The
other process's poll is run by the test when it wants it (and the poller's own loop is tested
with its pause injected), so nothing waits for a timer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from alex.api.app import create_app, poll_revocations
from alex.auth.base import Principal
from alex.auth.revocations import Revocations
from alex.core.config import Settings
from alex.core.errors import AuthenticationError
from alex.db import repository as repo
from alex.db.models import TokenRevocation
from alex.db.session import session_scope
from alex.db.types import utcnow
from tests.api.conftest import Headers


@pytest.fixture
def other(settings: Settings, seeded: Engine) -> Iterator[TestClient]:
    """The second process. Its own poller would run hourly; `refused_after_poll` runs a poll."""
    app = create_app(
        settings.model_copy(update={"revocation_poll_seconds": 3600}),
        engine=seeded,
        start_workers=False,
    )
    with TestClient(app) as client:
        yield client


def refused_after_poll(client: TestClient, headers: Headers) -> str:
    """What the other process answers once its poller has run (its list reloaded)."""
    state = client.app.state  # type: ignore[attr-defined]
    state.revocations.refresh(state.engine)
    response = client.get("/api/accounts", headers=headers)
    assert response.status_code == 401, "the other process still accepts the token"
    return str(response.json()["detail"])


async def test_the_poller_reloads_the_list_after_each_pause(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        repo.revoke_token(session, "signed-out-elsewhere", utcnow() + timedelta(hours=1))
    revocations = Revocations()
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:  # the first poll has run
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await poll_revocations(revocations, seeded, 42.0, sleep=pause)
    assert pauses == [42.0, 42.0]
    claims = {"jti": "signed-out-elsewhere", "iat": int(utcnow().timestamp()), "exp": 0}
    with pytest.raises(AuthenticationError, match="token signed out"):
        revocations.check(Principal(subject="someone", claims=claims))


def test_sign_out_reaches_the_other_process(
    client: TestClient, other: TestClient, token_for: Callable[[str], Headers]
) -> None:
    erin = token_for("user_erin")
    kept = token_for("user_erin")  # a second session of the same user
    assert other.get("/api/accounts", headers=erin).status_code == 200  # verified and cached
    assert client.post("/api/auth/signout", headers=erin).status_code == 204
    assert client.post("/api/auth/signout", headers=erin).status_code == 204  # idempotent
    assert client.get("/api/accounts", headers=erin).status_code == 401  # at once, here
    assert refused_after_poll(other, erin) == "token signed out"
    assert other.get("/api/accounts", headers=kept).status_code == 200
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(TokenRevocation)) == 1


def test_profile_deletion_reaches_the_other_process(
    client: TestClient, other: TestClient, token_for: Callable[[str], Headers]
) -> None:
    frank = token_for("user_frank")
    assert client.post("/api/user/demo-data", headers=frank).status_code == 201
    assert len(other.get("/api/accounts", headers=frank).json()) == 3
    assert client.delete("/api/user", headers=frank).status_code == 204
    assert refused_after_poll(other, frank) == "this profile was deleted; sign in again"
    assert other.get("/api/user", headers=frank).status_code == 401  # nothing recreated


def test_a_restarted_process_loads_revocations(
    settings: Settings, seeded: Engine, client: TestClient, token_for: Callable[[str], Headers]
) -> None:
    gina = token_for("user_gina")
    assert client.post("/api/auth/signout", headers=gina).status_code == 204
    with TestClient(create_app(settings, engine=seeded, start_workers=False)) as restarted:
        assert restarted.get("/api/accounts", headers=gina).status_code == 401


def test_expired_revocations_are_purged(
    app: FastAPI, client: TestClient, token_for: Callable[[str], Headers]
) -> None:
    engine: Engine = app.state.engine
    with session_scope(engine) as session:
        repo.revoke_token(session, "long-gone", utcnow() - timedelta(seconds=1))
    assert client.post("/api/auth/signout", headers=token_for("user_hal")).status_code == 204
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(TokenRevocation)) == 1
        assert [r.jti for r in repo.token_revocations(session)] != ["long-gone"]


def test_a_process_that_has_not_polled_yet_does_not_recreate_the_profile(
    settings: Settings, seeded: Engine, client: TestClient, token_for: Callable[[str], Headers]
) -> None:
    from alex.db.models import User

    stale = create_app(
        settings.model_copy(update={"revocation_poll_seconds": 3600}),
        engine=seeded,
        start_workers=False,
    )
    ivan = token_for("user_ivan")
    with TestClient(stale) as other_process:
        assert other_process.get("/api/user", headers=ivan).status_code == 200
        assert client.delete("/api/user", headers=ivan).status_code == 204
        # Its in-memory list is stale, so reads pass (and find nothing), but nothing that
        # would create the profile again does.
        assert other_process.get("/api/accounts", headers=ivan).json() == []
        for method, path in (("GET", "/api/user"), ("POST", "/api/accounts")):
            response = other_process.request(
                method,
                path,
                headers=ivan,
                json={"account_name": "x", "account_type": "taxable", "cash_balance": "1"},
            )
            assert response.status_code == 401, path
            assert response.json() == {"detail": "this profile was deleted; sign in again"}
    with session_scope(seeded) as session:
        assert session.get(User, "user_ivan") is None
