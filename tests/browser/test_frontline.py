"""A frontline agent works the demo coconut complaint from venting to remedied in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def login(page, username: str, password: str = "demo") -> None:
    page.goto("/admin/login/?next=/admin/complaints/complaint/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/complaints/complaint/")


def fire(page, transition, fields, selects=None, checks=(), before=None) -> None:
    page.click(f"a[data-transition={transition}]")
    page.wait_for_selector("#transition-form")
    if before:
        before(page)
    for selector, value in fields.items():
        page.fill(selector, value)
    for selector, value in (selects or {}).items():
        page.select_option(selector, value)
    for selector in checks:
        page.check(selector)
    page.click("#transition-form input[name=_confirm]")
    page.wait_for_selector("#timeline")
    success = page.locator(".messagelist .success")
    assert success.count() == 1, page.locator(".messagelist").inner_text()


def test_frontline_works_the_coconut_complaint_to_remedied(demo, browse, step):
    with browse() as page:
        step("login")
        login(page, "frontline")

        step("search")
        page.fill("#searchbar", "coconut")
        page.press("#searchbar", "Enter")
        page.wait_for_url("**q=coconut**")
        # Two coconut stories: the one still venting is ours (the other was remedied already).
        rows = page.locator("#result_list tbody tr", has_text="Venting")
        assert rows.count() == 1
        rows.first.locator("a", has_text="Coconut opener").click()
        page.wait_for_selector("#timeline")
        assert "taken me for a ride" in page.locator("#timeline").inner_text()

        def words_that_help(page):
            # The canned empathy texts come first; one is inserted into the reply box.
            picker = page.locator("#transition-form select.redress-canned-picker")
            first = picker.locator("option[data-kind]").first
            assert first.get_attribute("data-kind") == "empathy"
            picker.select_option(first.get_attribute("value"))
            assert "I understand" in page.input_value("#id_message")
            # A harsh draft gets a hint from the server's tone function before it is sent.
            page.fill("#id_message", "That's our policy, you should have checked.")
            hints = page.locator(".redress-tone-hints li")
            hints.first.wait_for()
            assert hints.count() == 2
            assert page.locator(".redress-tone-hints li[data-kind=policy]").count() == 1

        step("acknowledge")
        promise = (timezone.localtime() + timedelta(days=2)).replace(hour=17, minute=0)
        fire(
            page,
            "acknowledge",
            {
                "#id_summary": "Four young coconuts arrived without the promised opener.",
                "#id_message": "I understand — I once bought something that arrived incomplete too.",
                "#id_promised_by": promise.strftime("%Y-%m-%dT%H:%M"),
            },
            checks=["#id_summary_confirmed"],
            before=words_that_help,
        )

        step("apologize")
        fire(
            page,
            "apologize",
            {"#id_message": "I am sorry: our packer forgot the opener. That was our mistake."},
            selects={"#id_fault": "company"},
        )

        step("remedy")
        fire(
            page,
            "remedy",
            {
                "#id_message": "An opener goes out by express today, with an extra coconut.",
                "#id_root_cause": "Packer forgot the opener",
            },
        )

        step("timeline")
        timeline = page.locator("#timeline").inner_text()
        for text in (
            "Acknowledge: Venting → Acknowledged",
            "Apologize: Acknowledged → Apologized",
            "Remedy: Apologized → Remedied",
            "arrived incomplete too",
            "our packer forgot the opener",
            "extra coconut",
        ):
            assert text in timeline, text
        assert page.locator("a[data-transition=acknowledge]").count() == 0

    complaint = Complaint.objects.get(external_id="demo-coconut")
    assert complaint.state == "remedied"
    assert complaint.fault == "company"
    assert complaint.promised_by is not None
