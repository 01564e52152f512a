"""Browser fixtures: Playwright for Python driving Debian's chromium at /usr/bin/chromium.

The test tool never downloads a browser: `.ci/run` installs chromium with apt. Without the
binary the browser tests skip on a developer's machine but FAIL when `CI` is set, so a missing
browser can never pass for a green run. When a step fails, the page is saved as a screenshot
under test-artifacts/ (named after the test and the step) for whoever reads the CI log;
`snapshot(page, label)` saves one on success too when REDRESS_SCREENSHOTS=1 (to look at the
glyphs of a language: `.ci/run` installs the CJK and Thai fonts that make them readable).

`browse(locale="th-TH")` sets the browser's language (Accept-Language and navigator.language);
the default is British English. Other keywords go to Playwright's `new_context` (e.g.
`viewport={"width": 390, "height": 844}` for a phone).

Use it as `with browse() as page:` and touch the database only outside that block: the sync
Playwright API runs an asyncio loop and greenlets in the test thread, and a Django connection
opened inside it lands in a context that teardown cannot close.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from tests.mail.conftest import smtp  # noqa: F401 - a real SMTP server (the mail round trip)

CHROMIUM = Path(os.environ.get("REDRESS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot_path(nodeid: str, label: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    return ARTIFACTS / f"{safe}-{label}.png"


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def step(request) -> Callable[[str], None]:
    """`step("acknowledge")` names the step under way, so a failure screenshot says which."""

    def name(label: str) -> None:
        request.node.redress_step = label

    return name


@pytest.fixture
def snapshot(request) -> Callable[..., Path | None]:
    """`snapshot(page, "done")`: a full-page screenshot, kept when REDRESS_SCREENSHOTS=1."""

    def take(page, label: str) -> Path | None:
        if os.environ.get("REDRESS_SCREENSHOTS") != "1":
            return None
        ARTIFACTS.mkdir(exist_ok=True)
        target = screenshot_path(request.node.nodeid, label)
        page.screenshot(path=str(target), full_page=True)
        return target

    return take


@pytest.fixture
def browse(request, chromium_path, live_server) -> Callable[..., AbstractContextManager]:
    """`with browse() as page:` a fresh page on the live server; a failure keeps a screenshot."""
    from playwright.sync_api import sync_playwright

    @contextmanager
    def session(locale: str = "en-GB", **options) -> Iterator:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(base_url=live_server.url, locale=locale, **options)
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                yield page
            except BaseException:
                ARTIFACTS.mkdir(exist_ok=True)
                label = getattr(request.node, "redress_step", "failure")
                target = screenshot_path(request.node.nodeid, label)
                page.screenshot(path=str(target), full_page=True)
                print(f"screenshot of the failed page: {target}")
                raise
            finally:
                context.close()
                browser.close()

    return session
