"""Print the OpenAPI schema: `uv run python -m alex.api.openapi > frontend/openapi.json`.
The web app generates its TypeScript types from it."""

from __future__ import annotations

import json
import sys
from typing import Any

from alex.api.app import create_app
from alex.core.config import Settings


def openapi_schema() -> dict[str, Any]:
    # The schema does not depend on the database or the signing key: build with throwaway ones.
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            var_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/schema.db",
            auth="local",
            queue="local",
            local_workers=0,
        )
        schema: dict[str, Any] = create_app(settings, start_workers=False).openapi()
    return schema


def main() -> None:
    json.dump(openapi_schema(), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
