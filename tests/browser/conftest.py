"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a live server that
serves the portal, the admin, the bus (``/gateway/``) and the demo upstreams, on the demo data of ``make run``.

One browser and one demo world for the test module: the demo data is seeded once, each role logs in once (its
storage state is reused by every page opened as that role), and the database is flushed at the end, as a
transactional test leaves it. pytest-django's ``live_server`` is overridden (the bus in front of Django) and so
is its per-test helper, which would flush the database after every test, logging everyone out.

Without /usr/bin/chromium the tests are skipped with a message saying so; with CI set they fail instead.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

from access.gateway import PREFIX, Gateway
from monitoring.logbuffer import build_buffer

from .ui import log_in

CHROMIUM = Path("/usr/bin/chromium")
MISSING = f"Chromium not found at {CHROMIUM}: browser tests skipped; apt-get install chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
WIDTHS = {"desktop": 1366, "mobile": 390}

_skipped = []


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or IN_CI:  # in CI a missing browser is a failure (the `chromium` fixture)
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
            _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line(f"{MISSING} ({len(_skipped)} tests)", yellow=True)


def with_bus(app):
    """The live server's application with the bus in front, as splp.wsgi composes them in production."""
    gateway = Gateway(buffer_factory=build_buffer)

    def application(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return gateway(environ, start_response)
        return app(environ, start_response)

    return application


@pytest.fixture(scope="session")
def _browser_media(tmp_path_factory):
    return tmp_path_factory.mktemp("browser-media")


@pytest.fixture(autouse=True)
def _media_root(_browser_media):
    """One media folder for the session (the seeded Pemda logo is needed by every report), not one per test."""
    return _browser_media


@pytest.fixture(scope="session")
def live_server(django_db_setup):
    """pytest-django's live server, with the bus in front of Django; stopped before the test database is dropped."""
    server = LiveServer("localhost", start=False)
    static_handler = server.thread.static_handler
    server.thread.static_handler = lambda app: with_bus(static_handler(app))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_server_helper():
    """Replaces pytest-django's per-test helper, which would flush the database after every test (logging every
    role out and dropping the demo world): ``demo_site`` seeds once for the module and flushes at its end."""


@pytest.fixture(scope="module")
def demo_site(live_server, django_db_blocker, tmp_path_factory, _browser_media):
    """The live server on the demo data of `make run` (seed_demo), its demo upstreams served by itself."""
    overrides = override_settings(
        ALLOWED_HOSTS=[live_server.thread.host],
        MEDIA_ROOT=_browser_media,
        SITE_URL=live_server.url,
        SPLP_DEMO_UPSTREAM=True,
        SPLP_DEMO_UPSTREAM_BASE=f"{live_server.url}/demo-upstream",
        SPLP_LOG_BUFFER_PATH=str(tmp_path_factory.mktemp("browser-bus") / "reqlog-buffer.sqlite3"),
        SPLP_GATEWAY_CACHE_SECONDS=0,
        REDIS_URL="",
    )
    overrides.enable()
    django_db_blocker.unblock()
    try:
        call_command("seed_demo", "--force", stdout=StringIO(), stderr=StringIO())
        yield live_server
    finally:
        # What a transactional test leaves: an empty database, for the transactional tests that follow.
        call_command("flush", "--noinput", verbosity=0)
        # Left open (it was opened while Playwright's event loop ran), this connection kept PostgreSQL from
        # dropping the test database at the end of the session.
        connections.close_all()
        django_db_blocker.restore()
        overrides.disable()


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module."""
    if not CHROMIUM.exists():  # only reached in CI: elsewhere the tests were skipped at collection
        pytest.fail(f"CI is set and {MISSING.split(':')[0]}: .ci/run installs it with apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop in this thread: Django's guard would take the tests' own
        # database calls (seeding, setting up a grant, the flush) for async code. The server has its own threads.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def login_states(chromium, demo_site, tmp_path_factory):
    """login_states(username): the storage state file of that demo account, logged in through /masuk/ once."""
    folder, states = tmp_path_factory.mktemp("browser-states"), {}

    def state(username):
        if username not in states:
            context = chromium.new_context(base_url=demo_site.url)
            page = context.new_page()
            log_in(page, username)
            states[username] = folder / f"{username}.json"
            context.storage_state(path=states[username])
            context.close()
        return states[username]

    return state


@pytest.fixture
def open_as(chromium, demo_site, login_states):  # chromium first: without it, fail before seeding
    """open_as(username or None, width="desktop"): a new page, logged in as that demo account (None: anonymous)."""
    contexts = []

    def open_page(username, width="desktop"):
        context = chromium.new_context(
            base_url=demo_site.url, viewport={"width": WIDTHS[width], "height": 900},
            storage_state=login_states(username) if username else None, accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
