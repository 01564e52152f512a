"""The staff screens in a real browser: a frontline agent works the demo coconut complaint from
venting to remedied (an opener by express and a coconut as a gift, granted on the spot), and a
manager clears the demo's 400 EUR refund from the approval queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from compensation.models import CompensationRequest
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
    """Sign in; every agent lands on the frontline queue."""
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
        # What is due, on the page itself: the running deadlines, each with its time left.
        assert page.locator("#deadlines-running .redress-due").count() >= 1

        def words_that_help(page):
            # The canned empathy texts come first; one is inserted into the reply box.
            picker = page.locator("#transition-form select.redress-canned-picker")
            first = picker.locator("option[data-kind]").first
            assert first.get_attribute("data-kind") == "empathy"
            picker.select_option(first.get_attribute("value"))
            assert "I understand" in page.input_value("#id_message")
            # The cursor waits on the text's gap, selected so typing replaces it.
            selected = page.evaluate(
                "() => { const t = document.querySelector('#id_message');"
                " return t.value.slice(t.selectionStart, t.selectionEnd); }"
            )
            assert selected == "…"
            # What the customer wrote stands beside the form; the date says its time zone.
            assert "taken me for a ride" in page.locator("#customer-words").inner_text()
            assert "time zone:" in page.locator("#transition-form").inner_text()
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
                # Within frontline authority: an opener by express and one coconut as a gift.
                "#id_item1_amount": "14.90",
                "#id_item1_note": "Coconut opener, sent by express",
                "#id_item2_amount": "3.50",
                "#id_item2_note": "One young coconut as an apology",
            },
            selects={
                "#id_item1_kind": "replacement",
                "#id_item2_kind": "gift",
                "#id_outcome": "upheld",
            },
        )
        # Granted on the spot: no approval waits, nothing escalated.
        assert page.locator(".messagelist .warning").count() == 0
        granted = page.locator("#compensation tr.compensation-granted")
        assert granted.count() == 2
        assert "Coconut opener, sent by express" in granted.first.inner_text()
        # What was granted beside what the customer asked for; the opener is redress, the
        # coconut goodwill (their kinds' defaults), and the outcome is on the complaint card.
        assert "Replacement" in page.locator("#compensation .redress-asks").inner_text()
        assert "Redress" in granted.first.inner_text()
        assert "Goodwill" in granted.nth(1).inner_text()
        assert "Upheld" in page.locator("#outcome").inner_text()

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
        # Closed: nothing counts down, and the agent who did the work holds it.
        assert page.locator("#deadlines .redress-due").count() == 0
        assert "nobody yet" not in page.locator("#complaint-summary").inner_text()
        assert page.locator("input[name=_save]").count() == 0

    complaint = Complaint.objects.get(external_id="demo-coconut")
    assert complaint.state == "remedied"
    assert complaint.fault == "company"
    assert complaint.promised_by is not None
    assert complaint.escalation_level == 0
    given = CompensationRequest.objects.filter(complaint=complaint).order_by("kind")
    assert [(r.kind, r.amount, r.currency, r.status) for r in given] == [
        ("gift", Decimal("3.50"), "EUR", "granted"),
        ("replacement", Decimal("14.90"), "EUR", "granted"),
    ]


def test_manager_approves_the_pending_refund_from_the_queue(demo, browse, step):
    waiting = Complaint.objects.get(external_id="demo-refund-400")
    assert waiting.state == "escalated"
    refund = CompensationRequest.objects.get(complaint=waiting, status="pending")
    with browse() as page:
        step("login")
        login(page, "manager")

        step("open-queue")
        page.click("a[href$='/admin/compensation/pendingapproval/']")
        page.wait_for_selector("#approval-queue")
        row = page.locator(f"#approval-queue tr.queue-row[data-request='{refund.pk}']")
        assert row.count() == 1
        text = row.inner_text()
        for shown in (waiting.reference, "400", "Refund", "Ravi Return"):
            assert shown in text, shown

        step("approve")
        row.locator("textarea[name=note]").fill("Faulty batch confirmed; refund approved in full.")
        row.locator("button.decide-approve").click()
        page.wait_for_selector(".messagelist .success")
        assert f"{waiting.reference} is now Remedied" in page.locator(".messagelist").inner_text()
        assert page.locator(f"tr.queue-row[data-request='{refund.pk}']").count() == 0

        step("complaint")
        page.goto(f"/admin/complaints/complaint/{waiting.pk}/change/")
        page.wait_for_selector("#timeline")
        assert page.locator("#compensation tr.compensation-approved").count() == 1
        assert "Faulty batch confirmed" in page.locator("#compensation").inner_text()

    waiting.refresh_from_db()
    refund.refresh_from_db()
    assert waiting.state == "remedied"
    assert (refund.status, refund.decided_by.username) == ("approved", "manager")
    assert refund.decision_note == "Faulty batch confirmed; refund approved in full."
