"""The exported web app is served by the API process, after every API route."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.core.config import Settings


def test_next_export_paths(settings: Settings, seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "accounts").mkdir(parents=True)
    (out / "_next" / "static").mkdir(parents=True)
    (out / "index.html").write_text("<h1>dashboard</h1>")
    (out / "accounts.html").write_text("<h1>accounts</h1>")
    (out / "accounts" / "detail.html").write_text("<h1>account detail</h1>")
    (out / "404.html").write_text("<h1>not here</h1>")
    (out / "_next" / "static" / "app.js").write_text("console.log(1)")
    app = create_app(
        settings.model_copy(update={"frontend_dir": out}), engine=seeded, start_workers=False
    )
    with TestClient(app) as client:
        assert client.get("/").text == "<h1>dashboard</h1>"
        assert client.get("/accounts").text == "<h1>accounts</h1>"
        detail = client.get("/accounts/detail?id=123")
        assert detail.text == "<h1>account detail</h1>"
        assert "frame-ancestors 'none'" in detail.headers["content-security-policy"]
        assert client.get("/_next/static/app.js").text == "console.log(1)"
        missing = client.get("/nope")
        assert missing.status_code == 404
        assert missing.text == "<h1>not here</h1>"
        # API routes win over static paths, and unknown API paths stay JSON 404s.
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/api/accounts").status_code == 401
        assert client.get("/docs").status_code == 200
        unknown_api = client.get("/api/no-such-route")
        assert unknown_api.status_code == 404
        assert unknown_api.json() == {"detail": "Not Found"}


def test_openapi_file_is_current() -> None:
    """frontend/openapi.json (the web app's types come from it) matches the code."""
    import json

    from alex.api.openapi import openapi_schema

    path = Path(__file__).resolve().parents[2] / "frontend" / "openapi.json"
    assert json.loads(path.read_text()) == json.loads(json.dumps(openapi_schema())), (
        "regenerate: uv run python -m alex.api.openapi > frontend/openapi.json"
    )
