"""Real-browser fixtures: Playwright driving Debian's Chromium against pytest-django's live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in this thread, so Django would refuse the
    tests' own (synchronous) database calls as "async unsafe". DJANGO_ALLOW_ASYNC_UNSAFE is set
    only while the browser lives: set for the whole session it would leak into other tests and
    into the processes they start (`manage.py check --deploy` warns about it).
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors and uncaught exceptions of the page (CSP violations show up here)."""
    return []


def open_page(browser, live_server, browser_errors):
    """A page in a browser context of its own (its own cookies), whose errors go to `browser_errors`."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda msg: browser_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    return page


@pytest.fixture
def page(browser, live_server, browser_errors):
    """A fresh browser context (no cookies) per test. Errors in the browser fail the test; a test
    that expects some (visiting a 404 page, say) can read and clear `browser_errors`."""
    page = open_page(browser, live_server, browser_errors)
    yield page
    page.context.close()
    assert not browser_errors, f"the browser reported errors: {browser_errors}"
