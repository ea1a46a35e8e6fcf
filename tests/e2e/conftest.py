"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser."""

import os
import re
import socket
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def launch_chromium():
    """Debian's Chromium through Playwright, or a skip (a failure in CI) where it is missing."""
    if not os.path.exists(CHROMIUM):
        message = f"browser tests SKIPPED: {CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message.replace("SKIPPED", "cannot run in CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def browser():
    yield from launch_chromium()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.console_errors = errors
    yield tab
    context.close()


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


@pytest.fixture(autouse=True)
def no_player_unless_asked(request, settings):
    """The H5P player's origin defaults to http://localhost:8000, where a developer's own
    `make run` may be serving: its pages in the lessons' player frames would then fail these
    tests. Unless a test serves the player (`player_on_the_other_host`), the frames point at a
    port nobody listens on, as on a machine where nothing runs on 8000."""
    if "player_on_the_other_host" in request.fixturenames:
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.H5P_PLAYER_ORIGIN = f"http://localhost:{port}"


@pytest.fixture
def player_on_the_other_host(live_server, settings):
    """The H5P player served from the live server's other loopback name (127.0.0.1 ↔ localhost):
    a separate origin, as in production, without a second server. Returns the player's origin."""
    site = urlsplit(live_server.url)
    other = "localhost" if site.hostname == "127.0.0.1" else "127.0.0.1"
    settings.H5P_PLAYER_ORIGIN = f"http://{other}:{site.port}"
    settings.H5P_SITE_ORIGIN = live_server.url
    return settings.H5P_PLAYER_ORIGIN
