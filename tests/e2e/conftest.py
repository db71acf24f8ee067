"""Browser end-to-end fixtures: a real `alex serve` on a throwaway SQLite database serving the
static web app build, driven by Debian's Chromium through Playwright.

- The web app is built (`npm ci` when node_modules is missing, then `npm run build`) when
  frontend/out is missing or older than a source file; E2E_NO_BUILD=1 turns that off.
- Every page collects browser console errors and uncaught exceptions; a test fails on any it
  did not declare as expected.
- Screenshots go to test-results/e2e/ (desktop and phone widths); E2E_UPDATE_SCREENSHOTS=1
  also copies the curated set to docs/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
OUT = FRONTEND / "out"
SHOTS = REPO / "test-results" / "e2e"
DOCS_SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One browser and one server per xdist worker: keep every e2e test on the same worker.
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


# --------------------------------------------------------------------------- the web app build

_SOURCES = ("pages", "components", "lib", "styles", "public")
_SOURCE_FILES = (
    "package.json",
    "package-lock.json",
    "next.config.ts",
    "postcss.config.mjs",
    "tsconfig.json",
)


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCE_FILES:
        path = FRONTEND / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in _SOURCES:
        for path in (FRONTEND / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def build_is_stale() -> bool:
    index = OUT / "index.html"
    return not index.exists() or index.stat().st_mtime < _newest_source_mtime()


def _build(npm: str) -> None:
    """`npm run build`; when another build (e.g. `make frontend`) holds Next's build lock,
    wait for it and use its output if that is fresh."""
    for attempt in range(4):
        result = subprocess.run(
            [npm, "run", "build"], cwd=FRONTEND, capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return
        if "Another next build process is already running" not in result.stdout + result.stderr:
            pytest.fail(f"npm run build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        time.sleep(20 * (attempt + 1))
        if not build_is_stale():
            return
    pytest.fail("another `next build` kept running; could not build the web app")


@pytest.fixture(scope="session")
def frontend_build() -> Path:
    if build_is_stale():
        if os.environ.get("E2E_NO_BUILD") == "1":
            pytest.fail("frontend/out is missing or stale and E2E_NO_BUILD=1: run `make frontend`")
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is required to build the web app for the browser tests")
        if not (FRONTEND / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
        _build(npm)
    assert (OUT / "index.html").exists()
    return OUT


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str
    """The server's database, for tests that stage what a worker would have written."""

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@pytest.fixture(scope="session")
def server(frontend_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEX_")}
    env.update(
        {
            "ALEX_DATABASE_URL": f"sqlite:///{var / 'alex.db'}",
            "ALEX_VAR_DIR": str(var),
            "ALEX_HOST": "127.0.0.1",
            "ALEX_PORT": str(port),
            "ALEX_FRONTEND_DIR": str(frontend_build),
            "ALEX_AUTH": "local",
            "ALEX_QUEUE": "local",
            "ALEX_MODEL": "offline",
            "ALEX_LOCAL_WORKERS": "2",
            "ALEX_ANALYSIS_RATE_PER_HOUR": "1000",
            "ALEX_WRITE_RATE_PER_MINUTE": "100000",
            # Every test signs its own users up from 127.0.0.1, more than 10 a minute; the
            # limit itself is tested in tests/api.
            "ALEX_SIGNIN_RATE_PER_MINUTE": "100000",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
    )
    env.pop("OPENAI_API_KEY", None)
    cli = [sys.executable, "-m", "alex.cli"]
    subprocess.run([*cli, "db", "seed"], cwd=REPO, env=env, check=True, capture_output=True)
    log = var / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cli, "serve"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    srv = Server(f"http://127.0.0.1:{port}", process, log, env["ALEX_DATABASE_URL"])
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"alex serve exited with {process.returncode}:\n{srv.log_tail()}")
        try:
            if httpx.get(f"{srv.url}/api/auth/config", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"alex serve did not start within 60 s:\n{srv.log_tail()}")
        time.sleep(0.25)
    yield srv
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium "
            "chromium-driver`, done by .ci/run) to run the browser tests"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Console:
    """Console errors and page exceptions seen by one browser context."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Declare an expected error (e.g. the resource error of a deliberate 404)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@dataclass
class Session:
    """A browser context (one user) with its page, its console and screenshot helpers."""

    context: BrowserContext
    page: Page
    console: Console
    base_url: str

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, name: str, *, full_page: bool = True, settle: bool = True) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        if settle:
            self.page.wait_for_timeout(350)  # let charts settle
        # Toasts (feedback the test already checked) would cover the page.
        self.page.evaluate(
            "() => document.querySelectorAll('[data-toast] button').forEach(b => b.click())"
        )
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def new_session(browser: Browser, server: Server) -> Iterator[Callable[..., Session]]:
    """Factory: `new_session(phone=False)` opens a fresh browser context (a separate user)."""
    opened: list[Session] = []

    def open_session(*, phone: bool = False) -> Session:
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        console = Console()
        page.on(
            "console",
            lambda m: (
                console.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
        session = Session(context, page, console, server.url)
        opened.append(session)
        return session

    yield open_session
    problems = []
    for s in opened:
        problems += s.console.unexpected()
        s.context.close()
    assert not problems, (
        "browser console errors:\n"
        + "\n".join(problems)
        + "\n--- server log ---\n"
        + server.log_tail()
    )


def publish_screenshots(names: dict[str, str]) -> None:
    """Copy chosen screenshots (test-output name → docs name) when asked to."""
    if os.environ.get("E2E_UPDATE_SCREENSHOTS") != "1":
        return
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    for src, dst in names.items():
        path = SHOTS / f"{src}.png"
        if path.exists():
            shutil.copyfile(path, DOCS_SHOTS / f"{dst}.png")
