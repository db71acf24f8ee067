"""No request from one user reads or changes another user's data.

The routes are read from the app itself, not from a hand-kept list: every route is either a
known public one (no token, no per-user data) or is exercised here. A route that names a
resource gets user A's account, position, job or private symbol from user B and must be
refused (403/404) without a trace of A's data; a route that names none must answer B with
B's data only; afterwards A's data is exactly as before. A new route fails the test until it
is taught here how to call it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from alex.db import repository as repo
from alex.db.session import session_scope
from alex.schemas import JobEventCreate
from tests.api.conftest import PROFILE, Headers, add_position, make_account

# (method, path) of routes that need no token and serve nothing per user.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/api/auth/config"),
    ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/signin"),
    ("POST", "/api/auth/demo"),
    ("POST", "/api/auth/signout"),
}

# Routes only knowledge-base operators may use (a user in ALEX_OPERATOR_USER_IDS, or the
# service key): shared data that is nobody's own. An ordinary user is refused them outright.
OPERATOR_ONLY = {
    ("GET", "/api/knowledge"),
    ("POST", "/api/knowledge"),
    ("POST", "/api/knowledge/text"),
    ("DELETE", "/api/knowledge/{document_id}"),
}

# Which of A's resources fills each path parameter.
PATH_PARAMS = {
    "account_id": "account",
    "position_id": "position",
    "job_id": "job",
    "symbol": "symbol",
    "document_id": "document",
}

PRIVATE_SYMBOL = "QSEVENZ"  # known to no shared source: a private 'user' instrument of A's
SHARED_SYMBOL = "VTV"  # shared reference data that A has laid her own name and price over
CSV = "symbol,quantity\nSPY,1\n"
CLASSIFICATION = {
    "name": "Reclassified",
    "instrument_type": "etf",
    "allocation_asset_class": {"cash": 100},
    "allocation_regions": {"other": 100},
    "allocation_sectors": {"cash": 100},
}

# A's data, chosen so that any of it in B's answers is unmistakable.
ALICE_NAME = "Alice Q7-display"
ALICE_ACCOUNT = "Alice Q7-account"
ALICE_FUND = "Alice Q7-private-fund"
ALICE_VTV = "Alice Q7-view-of-VTV"
ALICE_EVENT = "Alice Q7-event"
ALICE_PRICES = ("4242.4242", "3131.3131")
ALICE_MARKERS = (ALICE_NAME, ALICE_ACCOUNT, ALICE_FUND, ALICE_VTV, ALICE_EVENT, *ALICE_PRICES)


@dataclass(frozen=True)
class Call:
    """One request to a route. A write carries a body its owner's request would have
    accepted, so that only ownership can refuse it to someone else."""

    query: str = ""
    json: Any = None
    csv: str | None = None


@dataclass
class World:
    alice: Headers
    bob: Headers
    ids: dict[str, str]  # A's resource per PATH_PARAMS value
    bob_account: str
    bob_job: str


class Response(Protocol):
    """What is read of the test client's responses (httpx's, or httpx2's when installed)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def request(self) -> Any: ...
    def json(self) -> Any: ...


Check = Callable[[Response, World], None]


def _json_list(response: Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


def _is_bob(response: Response, world: World) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "user_bob"


def _bob_export(response: Response, world: World) -> None:
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["user"]["id"] == "user_bob"
    assert {a["id"] for a in body["accounts"]} == {world.bob_account}
    assert {j["id"] for j in body["jobs"]} == {world.bob_job}
    assert body["classifications"] == [] and body["prices"] == []


def _demo_refused(response: Response, world: World) -> None:
    assert response.status_code == 409, response.text  # B already has an account


def _bob_accounts(response: Response, world: World) -> None:
    assert [a["id"] for a in _json_list(response)] == [world.bob_account]


def _account_is_bobs(response: Response, world: World) -> None:
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == "user_bob"


def _no_private_symbol(response: Response, world: World) -> None:
    assert PRIVATE_SYMBOL not in {i["symbol"] for i in _json_list(response)}


def _job_is_bobs(response: Response, world: World) -> None:
    assert response.status_code == 202, response.text


def _bob_jobs(response: Response, world: World) -> None:
    ids = {j["id"] for j in _json_list(response)}
    assert world.bob_job in ids and world.ids["job"] not in ids


def _bob_portfolio(response: Response, world: World) -> None:
    assert response.status_code == 200, response.text
    analysis = response.json()["analysis"]
    assert analysis["user_id"] == "user_bob"
    accounts = {a["account_id"] for a in analysis["valuation"]["accounts"]}
    assert world.bob_account in accounts and world.ids["account"] not in accounts


def _bob_projection(response: Response, world: World) -> None:
    assert response.status_code == 200, response.text
    inputs = response.json()["projection"]["inputs"]
    assert inputs["current_age"] == 33  # Bob's profile, as his PUT above set it
    assert inputs["target_income"] == 50_000


def _shared_passages(response: Response, world: World) -> None:
    _json_list(response)  # the knowledge base is shared: no one's own data in it


def _deleted(response: Response, world: World) -> None:
    assert response.status_code == 204, response.text


# Routes that name no resource: each call B makes, and what B must get back. Run in this
# order (the profile's deletion last).
OWN_DATA: dict[tuple[str, str], list[tuple[Call, Check]]] = {
    ("GET", "/api/user"): [(Call(), _is_bob)],
    ("PUT", "/api/user"): [(Call(json={"display_name": "Bob", "current_age": 33}), _is_bob)],
    ("GET", "/api/user/export"): [(Call(), _bob_export)],
    ("POST", "/api/user/demo-data"): [(Call(), _demo_refused)],
    ("GET", "/api/accounts"): [(Call(), _bob_accounts)],
    ("GET", "/api/instruments"): [
        (Call(), _no_private_symbol),
        (Call(query=f"q={PRIVATE_SYMBOL}"), _no_private_symbol),
        (Call(query="q=Alice"), _no_private_symbol),
    ],
    ("GET", "/api/jobs"): [(Call(), _bob_jobs)],
    ("GET", "/api/portfolio"): [(Call(), _bob_portfolio)],
    ("POST", "/api/accounts"): [
        (Call(json={"account_name": "Bob 2", "account_type": "roth_ira"}), _account_is_bobs)
    ],
    ("POST", "/api/analyze"): [(Call(), _job_is_bobs)],
    ("POST", "/api/retirement/projection"): [
        (Call(json={"target_income": 50_000}), _bob_projection)
    ],
    ("GET", "/api/knowledge/search"): [(Call(query="q=Alice"), _shared_passages)],
    ("DELETE", "/api/user"): [(Call(), _deleted)],
}

# Routes that name a resource: the calls (default: one without a body, for GET and DELETE).
NAMED: dict[tuple[str, str], list[Call]] = {
    ("PATCH", "/api/accounts/{account_id}"): [Call(json={"account_name": "pwned"})],
    ("POST", "/api/accounts/{account_id}/positions"): [Call(json={"symbol": "AGG", "quantity": 1})],
    ("POST", "/api/accounts/{account_id}/import"): [
        Call(csv=CSV),
        Call(query="commit=true", csv=CSV),
    ],
    ("PATCH", "/api/positions/{position_id}"): [Call(json={"quantity": "999"})],
    ("PUT", "/api/instruments/{symbol}/classification"): [Call(json=CLASSIFICATION)],
    ("PUT", "/api/instruments/{symbol}/price"): [Call(json={"price": "1.5"})],
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    params: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def app_routes(app: FastAPI) -> list[Route]:
    """Every (method, path) the app answers, through included routers."""
    routes = []
    for route in iter_route_contexts(app.routes):
        assert route.path is not None
        if route.methods is None:  # a mount: only the static frontend may be one
            assert route.name == "web", f"unexpected mount {route.path}: cover it here"
            continue
        params = tuple(re.findall(r"{(\w+)(?::\w+)?}", route.path))
        for method in sorted(route.methods - {"HEAD"}):
            routes.append(Route(method, route.path, params))
    return routes


def calls_for(route: Route) -> list[Call]:
    if route.key in NAMED:
        return NAMED[route.key]
    assert route.method in {"GET", "DELETE"}, (
        f"{route.method} {route.path} is not covered: add a request its owner would make to NAMED"
    )
    return [Call()]


def send(client: TestClient, headers: Headers, method: str, path: str, call: Call) -> Response:
    url = f"{path}?{call.query}" if call.query else path
    if call.csv is not None:
        headers = {**headers, "Content-Type": "text/csv"}
        return client.request(method, url, headers=headers, content=call.csv)
    return client.request(method, url, headers=headers, json=call.json)


def fill(route: Route, ids: dict[str, str]) -> str:
    unknown = [p for p in route.params if p not in PATH_PARAMS]
    assert not unknown, f"{route.method} {route.path}: say in PATH_PARAMS what fills {unknown}"
    return route.path.format(**{p: ids[PATH_PARAMS[p]] for p in route.params})


def state_of(client: TestClient, headers: Headers) -> dict[str, Any]:
    """Everything A can see of her data, minus the export's own timestamp."""
    export = client.get("/api/user/export", headers=headers).json()
    export.pop("exported_at")
    return {
        "export": export,
        "portfolio": client.get("/api/portfolio", headers=headers).json(),
        "instruments": [
            client.get(f"/api/instruments/{s}", headers=headers).json()
            for s in (PRIVATE_SYMBOL, SHARED_SYMBOL)
        ],
        "prices": [
            client.get(f"/api/instruments/{s}/prices", headers=headers).json()
            for s in (PRIVATE_SYMBOL, SHARED_SYMBOL)
        ],
    }


def _ok(response: Response) -> None:
    assert response.status_code < 300, response.text


def own(client: TestClient, headers: Headers, method: str, path: str, body: Any) -> Any:
    response = client.request(method, path, headers=headers, json=body)
    _ok(response)
    return response.json()


@pytest.fixture
def world(app: FastAPI, client: TestClient, alice: Headers, bob: Headers) -> World:
    own(client, alice, "PUT", "/api/user", {"display_name": ALICE_NAME, **PROFILE})
    account = make_account(client, alice, account_name=ALICE_ACCOUNT, account_type="401k")
    position = add_position(client, alice, account["id"], SHARED_SYMBOL, "7")
    add_position(client, alice, account["id"], PRIVATE_SYMBOL, "3")
    for symbol, name, price in zip(
        (PRIVATE_SYMBOL, SHARED_SYMBOL), (ALICE_FUND, ALICE_VTV), ALICE_PRICES, strict=True
    ):
        path = f"/api/instruments/{symbol}"
        own(client, alice, "PUT", f"{path}/classification", {**CLASSIFICATION, "name": name})
        own(client, alice, "PUT", f"{path}/price", {"price": price})
    assert own(client, alice, "GET", f"/api/instruments/{PRIVATE_SYMBOL}", None)["origin"] == "user"
    job = own(client, alice, "POST", "/api/analyze", None)["job_id"]
    with session_scope(app.state.engine) as session:
        event = JobEventCreate(agent="planner", kind="progress", message=ALICE_EVENT)
        repo.append_event(session, uuid.UUID(job), event)

    own(client, bob, "PUT", "/api/user", PROFILE)
    bob_account = make_account(client, bob, account_name="Bob's taxable")
    add_position(client, bob, bob_account["id"], "SPY", "3")
    bob_job = own(client, bob, "POST", "/api/analyze", None)["job_id"]
    ids = {
        "account": account["id"],
        "position": position["id"],
        "job": job,
        "symbol": PRIVATE_SYMBOL,
        "document": str(uuid.uuid4()),  # knowledge documents are nobody's: operator-only
    }
    return World(alice, bob, ids, bob_account["id"], bob_job)


def _no_trace_of_alice(response: Response, *, ids_too: bool, world: World) -> None:
    """B's answer holds none of A's data (an id B sent may be echoed in a 403/404)."""
    markers = [*ALICE_MARKERS]
    if ids_too:
        markers += [*world.ids.values()]
    leaked = [m for m in markers if m in response.text]
    assert not leaked, (response.request.method, response.request.url, leaked, response.text)


def _in_owner_order(routes: list[Route]) -> Iterator[Route]:
    """Writes before deletions, and the account's deletion last, so that each owner request
    still finds what it names."""
    yield from sorted(
        routes, key=lambda r: (r.method == "DELETE", r.method == "DELETE" and "account" in r.path)
    )


def test_every_route_keeps_users_apart(app: FastAPI, client: TestClient, world: World) -> None:
    routes = app_routes(app)
    known = {r.key for r in routes}
    stale = (PUBLIC | OWN_DATA.keys() | NAMED.keys() | OPERATOR_ONLY) - known
    assert not stale, f"routes that no longer exist: {stale}"
    shared = PUBLIC | OPERATOR_ONLY
    named = [r for r in routes if r.key not in shared and r.params]
    unnamed = [r for r in routes if r.key not in shared and not r.params]
    uncovered = {r.key for r in unnamed} - OWN_DATA.keys()
    assert not uncovered, f"routes this test does not exercise: {uncovered}; add them to OWN_DATA"
    assert {r.key for r in named} >= NAMED.keys()
    before = state_of(client, world.alice)

    # Operator-only routes: refused to B, an ordinary user, before anything is read.
    for route in (r for r in routes if r.key in OPERATOR_ONLY):
        response = send(client, world.bob, route.method, fill(route, world.ids), Call())
        assert response.status_code == 403, (route, response.text)

    # B names A's resources: refused, nothing of A's shown.
    for route in named:
        path = fill(route, world.ids)
        for call in calls_for(route):
            response = send(client, world.bob, route.method, path, call)
            assert response.status_code in (403, 404), (route, call, response.text)
            _no_trace_of_alice(response, ids_too=False, world=world)

    # A shared symbol A has her own name and price for: B may use his own view of it, but
    # sees none of A's and changes none of hers.
    for route in (r for r in named if r.params == ("symbol",)):
        path = fill(route, {**world.ids, "symbol": SHARED_SYMBOL})
        for call in calls_for(route):
            response = send(client, world.bob, route.method, path, call)
            assert response.status_code in (200, 204, 403), (route, call, response.text)
            _no_trace_of_alice(response, ids_too=False, world=world)
    assert state_of(client, world.alice) == before

    # Routes that name nothing answer B about B alone (his profile's deletion comes last).
    for key, probes in OWN_DATA.items():
        for call, check in probes:
            response = send(client, world.bob, *key, call)
            check(response, world)
            _no_trace_of_alice(response, ids_too=True, world=world)
    assert state_of(client, world.alice) == before

    # The same requests from A herself succeed: only ownership refused them to B.
    for route in _in_owner_order(named):
        path = fill(route, world.ids)
        for call in calls_for(route):
            _ok(send(client, world.alice, route.method, path, call))


def test_routes_need_a_token(app: FastAPI, client: TestClient) -> None:
    ids = {name: str(uuid.uuid4()) for name in ("account", "position", "job")}
    ids["symbol"] = "SPY"
    ids["document"] = str(uuid.uuid4())
    checked = 0
    for route in app_routes(app):
        if route.key in PUBLIC:
            continue
        response = client.request(route.method, fill(route, ids))
        assert response.status_code == 401, (route, response.status_code, response.text)
        checked += 1
    assert checked >= len(OWN_DATA) + len(NAMED)
