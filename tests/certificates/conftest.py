"""Browser fixtures for the certificate browser tests: like tests/e2e's, but the browser lives for
one module only, so it is closed before tests/e2e starts its own (Playwright's sync API allows one
at a time)."""

import os

import pytest

from tests.e2e.conftest import launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.console_errors = errors
    yield tab
    context.close()
