"""Admin screens: the approval queue (flat query count, buttons by role, decisions), the rules
admin (managers only, edits logged) and the complaint page's Remedy with compensation."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compensation import services
from compensation.models import AuthorityRule, AuthorityRuleChange, CompensationRequest
from complaints.models import Complaint
from tests.factories import UserFactory, complaint_in

QUEUE = "admin:compensation_pendingapproval_changelist"


def pending(n, requesters):
    out = []
    for i in range(n):
        c = complaint_in("apologized")
        outcome = services.complaint_remedy_with_compensation(
            outcome="upheld",
            complaint_id=c.pk,
            actor=requesters[i % len(requesters)],
            message="Full refund.",
            root_cause="Faulty",
            items=[{"kind": "refund", "amount": "400"}],
        )
        out.extend(outcome.requests)
    return out


def queue_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(QUEUE))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.django_db
def test_queue_query_count_is_flat(client, manager):
    requesters = [UserFactory(username=f"agent{i}", groups=["frontline"]) for i in range(5)]
    pending(5, requesters)
    few, response = queue_queries(client, manager)
    assert response.content.count(b'class="queue-row"') == 5
    pending(45, requesters)
    many, response = queue_queries(client, manager)
    assert response.content.count(b'class="queue-row"') == 50
    # The columns that read other tables are there on every row: the approval deadline and
    # what the customer already received.
    assert (
        response.content.count(b'<td class="redress-approval-due"><span class="redress-due') == 50
    )
    assert response.content.count(b'<td class="redress-received">nothing yet</td>') == 50
    print(f"queue: {few} queries for 5 rows, {many} for 50")
    assert many == few, f"{few} queries for 5 rows, {many} for 50"


@pytest.mark.django_db
def test_queue_shows_what_a_manager_needs_and_decide_buttons(client, frontline, manager):
    earlier = complaint_in("apologized", customer_email="twice@example.com")
    services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=earlier.pk,
        actor=frontline,
        message="Voucher.",
        root_cause="Late",
        items=[{"kind": "voucher", "amount": "20"}],
    )
    (req,) = services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=complaint_in("apologized", customer_email="twice@example.com").pk,
        actor=frontline,
        message="Full refund.",
        root_cause="Faulty",
        items=[{"kind": "refund", "amount": "400"}],
    ).requests
    _, response = queue_queries(client, manager)
    html = response.content.decode()
    assert req.complaint.reference in html
    assert "400.00 EUR" in html and "Refund" in html
    # One sentence: the limit that stopped it and who may decide; said once, in no English code.
    reason = "Above the Frontline limit of 50.00 EUR per grant: needs a manager."
    assert html.count(reason) == 1
    assert "needs approval by" not in html and "needs Manager" not in html
    # What the customer already received: one compact line (the voucher on the other complaint).
    assert "30 days: 20.00 EUR (1) · all: 20.00 EUR (1)" in html
    # The approval deadline, with time left coloured by urgency.
    due = re.search(
        r'<td class="redress-approval-due"><span class="redress-due [^"]+">([^<]+)<', html
    )
    assert due and due.group(1).endswith("left"), html
    assert "decide-approve" in html and "decide-reject" in html


@pytest.mark.django_db
def test_frontline_sees_own_waiting_requests_without_decide_buttons(client, frontline, manager):
    (req,) = pending(1, [frontline])
    _, response = queue_queries(client, frontline)
    html = response.content.decode()
    assert req.complaint.reference in html
    assert "decide-approve" not in html and "decide-reject" not in html
    # Posting anyway changes nothing.
    client.post(
        reverse("admin:compensation_pendingapproval_decide", args=[req.pk, "approve"]),
        {"note": "me"},
    )
    req.refresh_from_db()
    assert req.status == "pending"


@pytest.mark.django_db
def test_lead_cannot_approve_beyond_authority_manager_can(client, frontline, lead, manager):
    (req,) = pending(1, [frontline])
    _, response = queue_queries(client, lead)
    assert req.complaint.reference not in response.content.decode()
    url = reverse("admin:compensation_pendingapproval_decide", args=[req.pk, "approve"])
    response = client.post(url, {"note": "ok"}, follow=True)
    assert "Only a manager can approve this compensation" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "pending"

    client.force_login(manager)
    response = client.post(url, {"note": "Goodwill"}, follow=True)
    assert "Approved" in response.content.decode()
    req.refresh_from_db()
    assert (req.status, req.decided_by) == ("approved", manager)
    assert Complaint.objects.get(pk=req.complaint_id).state == "remedied"


@pytest.mark.django_db
def test_reject_from_the_queue_needs_a_note(client, frontline, manager):
    (req,) = pending(1, [frontline])
    client.force_login(manager)
    url = reverse("admin:compensation_pendingapproval_decide", args=[req.pk, "reject"])
    client.post(url, {"note": ""})
    req.refresh_from_db()
    assert req.status == "pending"
    client.post(url, {"note": "Offer store credit"})
    req.refresh_from_db()
    assert req.status == "rejected"
    assert Complaint.objects.get(pk=req.complaint_id).state == "apologized"


@pytest.mark.django_db
def test_rules_admin_is_editable_by_managers_only_and_logged(client, frontline, lead, manager):
    rule = AuthorityRule.objects.get(role="frontline", kind="gift")
    url = reverse("admin:compensation_authorityrule_change", args=[rule.pk])
    data = {
        "role": "frontline",
        "kind": "gift",
        "max_per_grant": "25.00",
        "max_per_complaint": "30.00",
        "max_per_customer_30d": "50.00",
        "currency": "EUR",
    }
    for who in (frontline, lead):
        client.force_login(who)
        assert client.get(url).status_code == 200  # they may look
        client.post(url, data)
        rule.refresh_from_db()
        assert rule.max_per_grant == Decimal("20")
    assert not AuthorityRuleChange.objects.exists()
    client.force_login(manager)
    response = client.post(url, data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.max_per_grant == Decimal("25")
    change = AuthorityRuleChange.objects.get()
    assert (change.actor, change.before["max_per_grant"], change.after["max_per_grant"]) == (
        manager,
        "20.00",
        "25.00",
    )


@pytest.mark.django_db
def test_complaint_page_remedy_with_compensation(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    assert b'id="compensation"' in page.content
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    form = client.get(url)
    assert b"item1_kind" in form.content
    response = client.post(
        url,
        {
            "message": "Opener by express plus a coconut.",
            "root_cause": "Packer forgot the opener",
            "outcome": "upheld",
            "item1_kind": "replacement",
            "item1_amount": "14.90",
            "item1_currency": "EUR",
            "item1_quantity": "1",
            "item1_note": "Opener, express",
            "item2_kind": "gift",
            "item2_amount": "3.50",
            "item2_currency": "EUR",
            "item2_quantity": "1",
            "item3_kind": "",
            "expected_version": str(c.version),
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=c.pk).state == "remedied"
    assert CompensationRequest.objects.filter(complaint=c, status="granted").count() == 2
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    assert b"Opener, express" in page.content


@pytest.mark.django_db
def test_complaint_page_remedy_bad_amount_writes_nothing(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    response = client.post(
        url,
        {
            "message": "Refund.",
            "root_cause": "Faulty",
            "outcome": "upheld",
            "item1_kind": "refund",
            "item1_amount": "10.001",
            "item1_currency": "EUR",
            "item1_quantity": "1",
        },
    )
    assert response.status_code == 200
    assert "decimal place" in response.content.decode()
    assert Complaint.objects.get(pk=c.pk).state == "apologized"
    assert not CompensationRequest.objects.exists()


@pytest.mark.django_db
def test_complaint_page_remedy_beyond_authority_escalates(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    client.post(
        url,
        {
            "message": "Full refund.",
            "root_cause": "Faulty",
            "outcome": "upheld",
            "item1_kind": "refund",
            "item1_amount": "400",
            "item1_currency": "EUR",
            "item1_quantity": "1",
        },
    )
    assert Complaint.objects.get(pk=c.pk).state == "escalated"
    assert CompensationRequest.objects.get(complaint=c).status == "pending"
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    assert "waits for approval by Manager" in page.content.decode()


def _buttons(client, user, complaint):
    import re

    client.force_login(user)
    html = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content
    return set(re.findall(r'data-transition="(\w+)"', html.decode())), html.decode()


@pytest.mark.django_db
def test_complaint_page_offers_decisions_only_to_who_may_decide(client, frontline, lead, manager):
    (req,) = pending(1, [frontline])
    c = req.complaint
    lead_buttons, _ = _buttons(client, lead, c)
    assert not {"approve", "return", "remedy"} & lead_buttons
    manager_buttons, _ = _buttons(client, manager, c)
    assert {"approve", "return"} <= manager_buttons and "remedy" not in manager_buttons
    client.post(
        reverse("admin:complaints_complaint_transition", args=[c.pk, "approve"]),
        {"note": "Goodwill", "expected_version": str(Complaint.objects.get(pk=c.pk).version)},
    )
    assert Complaint.objects.get(pk=c.pk).state == "remedied"
    _, html = _buttons(client, frontline, c)
    # The history on the complaint page: who decided, under which rule.
    assert "Approved" in html and "mgr" in html and "manager · Refund ≤ 2000.00 EUR" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [("max_per_grant", "-5"), ("max_per_grant", "1.234"), ("currency", "ZZZ")],
)
def test_rules_admin_refuses_bad_limits(client, manager, field, value):
    rule = AuthorityRule.objects.get(role="frontline", kind="gift")
    url = reverse("admin:compensation_authorityrule_change", args=[rule.pk])
    data = {
        "role": "frontline",
        "kind": "gift",
        "max_per_grant": "20.00",
        "max_per_complaint": "30.00",
        "max_per_customer_30d": "50.00",
        "currency": "EUR",
        field: value,
    }
    client.force_login(manager)
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    rule.refresh_from_db()
    assert (rule.max_per_grant, rule.currency) == (Decimal("20"), "EUR")
    assert not AuthorityRuleChange.objects.exists()


@pytest.mark.django_db
def test_complaint_page_compensation_above_you_is_refused_with_the_reason(client, frontline):
    """The admin door of the same rule: no Remedy button for frontline on a complaint escalated
    to a lead, and a forced post is refused with the sentence, in the page's language."""
    c = complaint_in("escalated")
    client.force_login(frontline)
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    assert url not in page.content.decode()
    post = {
        "message": "Opener by express.",
        "root_cause": "Packer forgot the opener",
        "outcome": "upheld",
        "item1_kind": "refund",
        "item1_amount": "10.00",
        "item1_currency": "EUR",
        "item1_quantity": "1",
        "expected_version": str(c.version),
    }
    response = client.post(url, post)
    assert response.status_code == 403
    assert (
        "Only a team lead or a manager can remedy or compensate this complaint: it was "
        "escalated to team lead." in response.content.decode()
    )
    chinese = client.post(url, post, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "只有组长或经理可以补救或补偿这件投诉：它已升级至组长。" in chinese.content.decode()
    assert not CompensationRequest.objects.filter(complaint=c).exists()
    assert Complaint.objects.get(pk=c.pk).state == "escalated"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "note,shown",
    [
        ("Goodwill", "Approved: Goodwill"),
        ("Approved: faulty batch confirmed.", "Approved: faulty batch confirmed."),
        ("approved in full, faulty batch", "approved in full, faulty batch"),
    ],
)
def test_an_approval_note_is_labelled_once(client, frontline, manager, note, shown):
    from complaints.models import Message

    (req,) = pending(1, [frontline])
    client.force_login(manager)
    url = reverse("admin:compensation_pendingapproval_decide", args=[req.pk, "approve"])
    client.post(url, {"note": note})
    bodies = list(
        Message.objects.filter(complaint_id=req.complaint_id, visibility="internal")
        .filter(body__icontains="approved")
        .values_list("body", flat=True)
    )
    assert bodies == [shown]
    page = client.get(reverse("admin:complaints_complaint_change", args=[req.complaint_id]))
    assert "Approved: Approved" not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "withdrawn"),
    [("zh-hans", "已撤回："), ("th", "ถอนคำขอแล้ว:"), ("bg", "Оттеглено:")],
)
def test_decision_reasons_and_notes_read_in_the_readers_language(
    client, frontline, manager, language, withdrawn
):
    from complaints import services as complaint_services

    c = complaint_in("apologized")
    services.complaint_remedy_with_compensation(
        complaint_id=c.pk,
        actor=frontline,
        message="Refund and a voucher.",
        root_cause="Faulty",
        outcome="upheld",
        items=[{"kind": "refund", "amount": "5"}, {"kind": "refund", "amount": "400"}],
    )
    # Limits set directly on the escalated complaint: the pending remedy is withdrawn.
    complaint_services.complaint_set_limits(
        complaint_id=c.pk,
        actor=manager,
        reason="Threats",
        message="We end this here.",
        outcome="not_upheld",
        outcome_reason="Threats to staff.",
    )
    withdrawn_rows = CompensationRequest.objects.filter(complaint=c, decision_note_code="withdrawn")
    assert withdrawn_rows.exists()
    assert withdrawn_rows.first().decision_note.startswith("Withdrawn: the complaint left")
    client.force_login(manager)
    html = client.get(
        reverse("admin:complaints_complaint_change", args=[c.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    panel = html[html.index('id="compensation"') :]
    panel = panel[: panel.index("</table>")]
    assert "authority" not in panel and "Withdrawn" not in panel and "left escalated" not in panel
    assert withdrawn in panel
    granted = complaint_in("apologized")
    services.complaint_remedy_with_compensation(
        complaint_id=granted.pk,
        actor=frontline,
        message="Refund.",
        root_cause="Faulty",
        outcome="upheld",
        items=[{"kind": "refund", "amount": "5"}],
    )
    assert "within frontline authority" in CompensationRequest.objects.get(complaint=granted).reason
    html = client.get(
        reverse("admin:complaints_complaint_change", args=[granted.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    panel = html[html.index('id="compensation"') :]
    panel = panel[: panel.index("</table>")]
    assert "authority" not in panel and "frontline" not in panel


@pytest.mark.parametrize("language", ["zh-hans", "th", "bg"])
def test_what_stops_an_approval_is_said_in_the_readers_language(language):
    from django.utils import translation

    from compensation import decision
    from compensation.services.decisions import _beyond
    from compensation.services.items import Item

    rule = decision.Rule(
        "team_lead", "refund", Decimal(100), Decimal(200), Decimal(300), "EUR", id=1
    )
    item = Item("refund", Decimal(400), "EUR", 1, "")
    d = decision.decide(
        roles=["team_lead"], kind="refund", amount=Decimal(400), currency="EUR", rules=[rule]
    )
    assert not d.granted and "exceeds" in d.reason  # the stored English reason
    with translation.override(language):
        text = _beyond(item, d)
    assert "400.00 EUR" in text and "100.00 EUR" in text
    assert "exceeds" not in text and "limit" not in text and "refund" not in text
