"""The served app (one `panel serve` for the whole run), Chromium, and a fresh tab per test."""
from __future__ import annotations

import pytest

from .app_page import AppPage, chromium_path, launch_chromium, new_context, served_app


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("chromium is not installed")
    log = tmp_path_factory.mktemp("server") / "panel-serve.log"
    with served_app(log_path=log) as url:
        yield url


@pytest.fixture(scope="session")
def chromium(app_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture
def app(chromium, app_url):
    """An `AppPage` in a new browser context (its own Panel session)."""
    context = new_context(chromium)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield AppPage(page, app_url)
    context.close()
