"""Serving the statically exported web app from the API process."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alex</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem; color: #062147">
<h1 style="color: #209DD7">Alex, an AI financial planner</h1>
<p>The API is running. The web app has not been built yet
(<code>frontend/out</code> is missing).</p>
<p>Explore the API at <a href="/docs">/docs</a>.</p>
</body></html>
"""


class NextStaticFiles(StaticFiles):
    """Static files with Next.js export conventions: `/accounts` serves `accounts.html`,
    `/accounts/detail?id=…` serves `accounts/detail.html`, a directory serves its
    `index.html`, and an unknown path gets `404.html` with status 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == "api" or path.startswith("api/"):
            # An unknown API path is an API error (JSON), not a missing web page.
            raise HTTPException(status_code=404)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405)
        candidates = [path]
        if path not in ("", ".") and not path.endswith(".html"):
            candidates.append(path.rstrip("/") + ".html")
        candidates.append(os.path.join(path, "index.html"))
        for candidate in candidates:
            full_path, stat_result = self.lookup_path(candidate)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return self.file_response(full_path, stat_result, scope)
        not_found = Path(str(self.directory)) / "404.html"
        if not_found.is_file():
            return HTMLResponse(not_found.read_text(encoding="utf-8"), status_code=404)
        raise HTTPException(status_code=404)


def placeholder() -> HTMLResponse:
    return HTMLResponse(PLACEHOLDER)
