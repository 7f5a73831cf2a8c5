"""Browser fixtures: Debian's Chromium driven by Playwright's sync API.

Never downloads a browser: `chromium_or_missing()` skips locally (fails under
CI=true) when /usr/bin/chromium is absent. The `server` fixture (tests/conftest.py)
serves the app from another thread, so the sync API is safe to use here.
"""

from collections.abc import Callable, Iterator

import pytest

from tests import services
from tests.browser.pages import ORGS
from tests.live import create_room

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
POLICY = "Content Security Policy"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


# Package scope, not session: while sync Playwright is running it leaves its event
# loop marked as running in the main thread, so every later `asyncio.run()` test
# (tests/rooms) would fail with "cannot be called from a running event loop".
# Package scope launches Chromium once for all of tests/browser and stops it before
# pytest moves on to other packages.
@pytest.fixture(scope="package")
def browser():
    services.chromium_or_missing()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=services.CHROMIUM, args=services.CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., object]]:
    """`new_context("laptop" | "phone", **overrides)`: a fresh context, closed after the test."""
    made = []
    refused: list[str] = []  # what the Content-Security-Policy blocked, on any page of any context

    def make(kind: str = "laptop", **overrides):
        options = {**(PHONE if kind == "phone" else LAPTOP), **overrides}
        context = browser.new_context(**options)
        context.set_default_timeout(5000)
        context.on("console", lambda message: refused.append(message.text) if POLICY in message.text else None)
        made.append(context)
        return context

    yield make
    for context in made:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - already closed by the test
            pass
    assert not refused, f"the pages broke their own Content-Security-Policy: {refused}"


@pytest.fixture
def room(server) -> dict:
    """A room for the two organisations of the browser tests, nobody in it yet."""
    return create_room(server, organisations=ORGS)
