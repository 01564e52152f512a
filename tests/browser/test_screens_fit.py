"""The queue and the approval queue fit a laptop: at 1280, 1366 and 1440 px wide, in English and
in Chinese, the page never scrolls sideways, every column header is fully on screen, and the
approval queue's reason reads as a sentence (no cell squeezed to one word per line).

Measured in Debian's chromium on the demo data: frontline on the queue, manager on the approval
queue (which the demo fills with the 400 EUR refund waiting for a manager).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser.test_frontline import login

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1280, 1366, 1440)
LANGUAGES = ("en", "zh-hans")

# What the page measures of itself: sideways overflow, headers cut off, and the tallest reason.
MEASURE = """(table) => {
  const root = document.scrollingElement;
  const width = window.innerWidth;
  const element = document.querySelector(table);
  // A box between the page and the table that scrolls sideways hides columns too.
  const scrollers = [];
  for (let box = element.parentElement; box && box !== root; box = box.parentElement) {
    if (getComputedStyle(box).overflowX !== 'visible' && box.scrollWidth > box.clientWidth + 1) {
      scrollers.push({box: box.className || box.id, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth});
    }
  }
  const visibleRight = Math.min(width, element.parentElement.getBoundingClientRect().right);
  const headers = [...element.querySelectorAll('thead th')]
    .filter((th) => th.offsetParent !== null)
    .map((th) => ({text: th.innerText.trim(), right: th.getBoundingClientRect().right}));
  // Lines of text in a reason cell: the distinct tops of its text's line boxes.
  const reasons = [...element.querySelectorAll('td.redress-reason')].map((td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return {text: td.innerText.trim(), lines: tops.size};
  });
  // A cell whose content spills over its neighbour (a chip that does not wrap, say).
  const spills = [...element.querySelectorAll('tbody td, tbody th')]
    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
    .map((cell) => ({text: cell.innerText.trim().slice(0, 40), scrollWidth: cell.scrollWidth,
                     clientWidth: cell.clientWidth}));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, width, visibleRight,
          scrollers, headers, reasons, spills};
}"""


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def assert_fits(page, table: str, *, reason_lines: float | None = None) -> None:
    m = page.evaluate(MEASURE, table)
    assert m["scrollWidth"] <= m["clientWidth"], (
        f"scrolls sideways: {m['scrollWidth']} px of content in {m['clientWidth']} px"
    )
    assert not m["scrollers"], f"a box around {table} scrolls sideways: {m['scrollers']}"
    assert not m["spills"], f"cells spill over their neighbours: {m['spills']}"
    assert m["headers"], f"no column headers in {table}"
    cut = [h for h in m["headers"] if h["right"] > m["visibleRight"] + 0.5]
    assert not cut, f"headers cut off at {m['width']} px: {cut}"
    if reason_lines is not None:
        assert m["reasons"], "no reason cells"
        tall = [r for r in m["reasons"] if r["lines"] > reason_lines]
        assert not tall, f"reason squeezed into more than {reason_lines} lines: {tall}"


def _set_language(page, language: str) -> None:
    """The language cookie for the whole site (a cookie set by URL would keep to its folder)."""
    host = urlsplit(page.url).hostname
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_frontline_queue_fits_a_laptop(demo, browse, step, language):
    with browse() as page:
        step("login")
        login(page, "frontline")
        _set_language(page, language)
        for width in WIDTHS:
            step(f"queue-{language}-{width}")
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/admin/complaints/complaint/?queue=open")
            page.wait_for_selector("#result_list")
            assert page.locator("#result_list tbody tr").count() > 1
            if language != "en":
                assert page.locator("html").get_attribute("lang") == language
            assert_fits(page, "#result_list")


@pytest.mark.parametrize("language", LANGUAGES)
def test_approval_queue_fits_a_laptop_and_reads_clearly(demo, browse, step, language):
    with browse() as page:
        step("login")
        login(page, "manager")
        _set_language(page, language)
        for width in WIDTHS:
            step(f"approvals-{language}-{width}")
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/admin/compensation/pendingapproval/")
            page.wait_for_selector("#approval-queue tr.queue-row")
            assert page.locator("html").get_attribute("lang") == language
            assert_fits(page, "#approval-queue", reason_lines=3)
            row = page.locator("#approval-queue tr.queue-row").first
            due = row.locator("td.redress-approval-due .redress-due")
            assert due.count() == 1, "no approval deadline with time left"
            assert row.locator("td.redress-received").inner_text().strip()
