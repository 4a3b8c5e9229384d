"""The real app, served by gunicorn over a real demo database, driven by headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``), started with the flags this closed network
needs; Playwright drives it through ``executable_path`` and downloads nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from dashboard.packs import chromium
from queries.ingest import demo, loader
from queries.state import accounts

ROOT = Path(__file__).resolve().parents[2]
DEMO_END = dt.date(2021, 6, 30)  # fixed, so the figures are the same on every run
PASSWORD = "end to end password"
USERS = {
    "e2e-manager": ("service_manager", None, None),
    "e2e-north": ("team_manager", None, "IRO Team North"),
    "e2e-iro": ("iro", "S0001", None),  # an IRO in IRO Team North
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("e2e")
    demo.write_demo_extract(tmp / "extract", end=DEMO_END, scale=0.5)
    db = tmp / "sqa.duckdb"
    loader.load_extract(tmp / "extract", db, as_of=demo.extract_time(DEMO_END))
    return db


@pytest.fixture(scope="session")
def accounts_db(demo_db: Path) -> Path:
    path = demo_db.parent / "accounts.sqlite"
    for name, (role, staff_id, team) in USERS.items():
        accounts.add(path, name, role, PASSWORD, staff_id, team)
    return path


@pytest.fixture(scope="session")
def server(demo_db: Path, accounts_db: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "SQA_DB": str(demo_db),
        "SQA_AUTO_DEMO": "0",
        "SQA_CACHE_TYPE": "SimpleCache",
        "SQA_ACCOUNTS_DB": str(accounts_db),
        "SQA_SECRET_KEY_FILE": str(demo_db.parent / "secret-key"),
        "SQA_SNAPSHOTS_DB": str(demo_db.parent / "snapshots.sqlite"),
        "SQA_TODAY": "2021-07-01",  # the demo's extract date: the worklist counts from it
    }
    log = (demo_db.parent / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--timeout",
            "120",
            "app:server",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"gunicorn did not start: see {log.name}")
        time.sleep(0.5)
    yield base
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium.CHROMIUM, args=list(chromium.FLAGS))
        yield b
        b.close()


def sign_in(pg: Page, server: str, user: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    pg.goto(server + "/sign-in", wait_until="networkidle")
    pg.fill("#username", user)
    pg.fill("#password", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="en-GB", accept_downloads=True
    )


@pytest.fixture(scope="session")
def manager_state(browser: Browser, server: str) -> dict:  # type: ignore[type-arg]
    """Cookies of a service manager's session, signed in once for the whole run."""
    context = new_context(browser)
    pg = context.new_page()
    sign_in(pg, server, "e2e-manager")
    state: dict = context.storage_state()  # type: ignore[type-arg, assignment]
    context.close()
    return state


@pytest.fixture
def page(browser: Browser, server: str, manager_state: dict) -> Iterator[Page]:  # type: ignore[type-arg]
    """A fresh page signed in as a service manager; the test fails on any browser console
    error or uncaught exception."""
    yield from watched(browser, server, manager_state)


@pytest.fixture
def axe_page(browser: Browser, server: str, manager_state: dict) -> Iterator[Page]:  # type: ignore[type-arg]
    """As ``page``, but the test may inject axe-core, which the app's CSP (rightly)
    blocks as an inline script; only these accessibility checks bypass it."""
    yield from watched(browser, server, manager_state, bypass_csp=True)


@pytest.fixture
def anonymous_page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh page with nobody signed in, able to inject axe-core."""
    yield from watched(browser, server, None, bypass_csp=True)


def watched(
    browser: Browser,
    server: str,
    state: dict | None,  # type: ignore[type-arg]
    bypass_csp: bool = False,
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        locale="en-GB",
        accept_downloads=True,
        storage_state=state,  # type: ignore[arg-type]
        bypass_csp=bypass_csp,
    )
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(f"console: {msg.text}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    # Nothing may be fetched from outside the app: every asset is served locally.
    pg.on(
        "request",
        lambda req: (
            errors.append(f"external request: {req.url}")
            if not req.url.startswith((server, "data:", "blob:"))
            else None
        ),
    )
    yield pg
    context.close()
    assert errors == []
