"""Merging a duplicate complaint into another of the same customer (complaints.services.merge)."""

import pytest
from django.test import Client
from django.urls import reverse

from compensation.models import CompensationRequest
from complaints import services
from complaints.models import Complaint, Message, TransitionLog
from core.errors import InvalidTransitionError, NotPermittedError, RuleViolationError
from escalation.models import Deadline
from tests.factories import complaint_in, complaint_new
from webhooks.models import OutboxEvent


def _pair(state_a="venting", state_b="venting"):
    first = complaint_in(state_a, customer_email="twice@example.com", customer_name="Twice")
    second = complaint_in(state_b, customer_email="twice@example.com", customer_name="Twice")
    assert first.customer_id == second.customer_id
    return first, second


@pytest.mark.django_db
def test_merge_moves_timeline_deadlines_and_compensation_and_closes_the_duplicate(frontline):
    survivor, duplicate = _pair("acknowledged", "acknowledged")
    CompensationRequest.objects.create(
        complaint=duplicate,
        customer=duplicate.customer,
        kind="gift",
        amount="5.00",
        currency="EUR",
        requested_by=frontline,
        status="granted",
        required_tier="frontline",
    )
    messages = set(Message.objects.filter(complaint=duplicate).values_list("pk", flat=True))
    deadlines = set(Deadline.objects.filter(complaint=duplicate).values_list("pk", flat=True))
    assert messages and deadlines
    survivor_due = Complaint.objects.get(pk=survivor.pk).next_due_at

    result = services.complaint_merge(
        complaint_id=duplicate.pk, into_id=survivor.pk, actor=frontline, reason="Same parcel"
    )

    assert result.pk == survivor.pk
    duplicate.refresh_from_db()
    assert duplicate.state == "merged" and duplicate.merged_into_id == survivor.pk
    assert duplicate.next_due_at is None
    moved = set(Message.objects.filter(complaint=survivor).values_list("pk", flat=True))
    assert messages <= moved
    # Only the note pointing to the survivor stays behind.
    assert list(Message.objects.filter(complaint=duplicate).values_list("body", flat=True)) == [
        f"Merged into {survivor.reference}."
    ]
    assert (
        set(Deadline.objects.filter(complaint=survivor).values_list("pk", flat=True)) >= deadlines
    )
    # The duplicate's running clocks were cancelled: the survivor's own still say what is due.
    assert not Deadline.objects.filter(pk__in=deadlines, status__in=["pending", "warned"]).exists()
    assert Complaint.objects.get(pk=survivor.pk).next_due_at == survivor_due
    assert CompensationRequest.objects.get().complaint_id == survivor.pk
    log = TransitionLog.objects.filter(complaint=duplicate).latest("id")
    assert (log.transition, log.from_state, log.to_state) == ("merge", "acknowledged", "merged")
    assert log.payload["into"] == survivor.pk and log.reason == "Same parcel"
    merged_in = TransitionLog.objects.filter(complaint=survivor).latest("id")
    assert merged_in.transition == "merge_in" and merged_in.payload["from"] == duplicate.pk
    event = OutboxEvent.objects.get(type="complaint.merged")
    assert event.payload["merged_into"] == survivor.pk
    assert event.payload["complaint_id"] == duplicate.pk


@pytest.mark.django_db
def test_merge_refusals_write_nothing(frontline):
    survivor, duplicate = _pair()
    other = complaint_new(customer_email="someone@example.com")
    closed = complaint_in("remedied", customer_email="twice@example.com")
    before = TransitionLog.objects.count()
    with pytest.raises(RuleViolationError):
        services.complaint_merge(complaint_id=duplicate.pk, into_id=duplicate.pk, actor=frontline)
    with pytest.raises(RuleViolationError):
        services.complaint_merge(complaint_id=duplicate.pk, into_id=other.pk, actor=frontline)
    with pytest.raises(InvalidTransitionError):
        services.complaint_merge(complaint_id=duplicate.pk, into_id=closed.pk, actor=frontline)
    with pytest.raises(InvalidTransitionError):  # a closed complaint is not merged either
        services.complaint_merge(complaint_id=closed.pk, into_id=survivor.pk, actor=frontline)
    services.complaint_merge(complaint_id=duplicate.pk, into_id=survivor.pk, actor=frontline)
    after_merge = TransitionLog.objects.count()
    with pytest.raises(InvalidTransitionError):  # into a merged one
        services.complaint_merge(complaint_id=survivor.pk, into_id=duplicate.pk, actor=frontline)
    with pytest.raises(NotPermittedError):
        services.complaint_merge(complaint_id=survivor.pk, into_id=duplicate.pk, actor=None)
    # assign (the agent claims the unassigned duplicate), merge, and merge_in on the survivor
    assert TransitionLog.objects.count() == after_merge == before + 3
    assert Complaint.objects.get(pk=survivor.pk).state == "venting"


@pytest.mark.django_db
def test_a_pending_approval_must_be_decided_before_merging(frontline):
    survivor, duplicate = _pair("venting", "escalated")
    CompensationRequest.objects.create(
        complaint=duplicate,
        customer=duplicate.customer,
        kind="refund",
        amount="400.00",
        currency="EUR",
        requested_by=frontline,
        status="pending",
        required_tier="manager",
    )
    with pytest.raises(RuleViolationError, match="waiting for approval"):
        services.complaint_merge(complaint_id=duplicate.pk, into_id=survivor.pk, actor=frontline)
    assert Complaint.objects.get(pk=duplicate.pk).state == "escalated"


@pytest.mark.django_db
def test_admin_merge_button_offers_the_customers_open_complaints(frontline):
    survivor, duplicate = _pair()
    complaint_new(customer_email="someone@example.com")
    client = Client()
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[duplicate.pk, "merge"])
    page = client.get(url)
    assert page.status_code == 200
    choices = page.context["form"].fields["into"].choices
    assert [pk for pk, _label in choices] == [survivor.pk]
    response = client.post(
        url, {"into": survivor.pk, "reason": "Duplicate", "expected_version": duplicate.version}
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
