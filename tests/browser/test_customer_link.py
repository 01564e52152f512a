"""The customer's side in a real browser, on a phone (390×844), with no staff cookies: the demo
coconut customer opens their link, confirms the summary, accepts the remedy and rates the
handling; then a frontline agent sees all three on the workbench. A tampered link is the plain
404, and no internal note reaches the customer's page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from complaints import services as complaint_services
from complaints.models import Complaint
from portal import selectors, services, tokens

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
NOTE = "INTERNAL-ONLY: customer sounded furious, handle gently"


@pytest.fixture
def coconut(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    complaint = Complaint.objects.get(customer__email="coco@example.com")  # she emailed in
    services.customer_links_ensure(complaint_ids=[complaint.pk])
    link = selectors.customer_link_active(complaint_id=complaint.pk)
    return complaint, f"/c/{tokens.token_for(link.key)}/"


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"


def test_customer_confirms_accepts_and_rates_then_frontline_sees_it(coconut, browse, step):
    complaint, path = coconut
    with browse(viewport=PHONE) as page:
        step("open")
        page.goto(path)
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator("h1").inner_text() == complaint.subject
        assert complaint.reference in page.content()
        assert all(c["name"] != "sessionid" for c in page.context.cookies())
        _fits_the_phone(page)

        step("confirm")
        page.get_by_role("button", name="Yes, that is right").click()
        page.wait_for_selector("text=You confirmed that this is right.")

        step("accept")
        page.get_by_label("Anything you would like to add (optional)").fill(
            "Thank you, the opener arrived and the extra coconut was a lovely surprise."
        )
        page.get_by_role("button", name="I accept").click()
        page.wait_for_selector("text=You accepted it on")

        step("rate")
        page.locator("input[name=fairness][value='5']").check()
        page.locator("input[name=solved][value=yes]").check()
        page.get_by_label("Anything else you would like to tell us (optional)").fill(
            "Kind and quick."
        )
        page.get_by_role("button", name="Send my rating").click()
        page.wait_for_selector("text=Thank you for rating how we handled your complaint.")
        _fits_the_phone(page)

    with browse() as page:
        step("workbench")
        page.goto("/admin/login/?next=/admin/complaints/complaint/")
        page.fill("#id_username", "frontline")
        page.fill("#id_password", "demo")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/complaints/complaint/")
        page.goto(f"/admin/complaints/complaint/{complaint.pk}/change/")
        panel = page.locator("#customer-answers").inner_text()
        assert "Confirmed by the customer" in panel
        assert "Accepted" in panel
        assert "the extra coconut was a lovely surprise" in panel
        assert "Treated fairly: 5/5" in panel and "Solved: yes" in panel
        assert "Kind and quick." in panel


def test_tampered_link_is_404_and_no_internal_note_on_the_page(coconut, browse, step):
    complaint, path = coconut
    frontline = get_user_model().objects.get(username="frontline")
    complaint_services.message_add(
        complaint_id=complaint.pk, actor=frontline, body=NOTE, visibility="internal"
    )
    internal = list(complaint.messages.filter(visibility="internal").values_list("body", flat=True))
    token = path.split("/")[2]
    tampered = f"/c/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/"
    with browse(viewport=PHONE) as page:
        step("tampered")
        response = page.goto(tampered)
        assert response.status == 404
        assert complaint.reference not in page.content()
        unknown = page.goto("/c/no-such-link/")
        assert unknown.status == 404

        step("no internal notes")
        assert page.goto(path).status == 200
        text = page.locator("body").inner_text()
        html = page.content()
        assert NOTE not in html
        for body in internal:
            assert body not in text, body
