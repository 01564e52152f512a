"""What the approval queue tells a manager: why a request waits (one sentence per limit), the
approval deadline, and what the customer already received (30 days / all), each read in one
query for any number of rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from compensation import decision, selectors
from compensation.admin import received_line, waiting_reason
from compensation.models import CompensationRequest, Status
from escalation.models import Deadline, DeadlineKind, DeadlineStatus
from tests.factories import UserFactory, complaint_in

RULE = {
    "role": "frontline",
    "kind": "refund",
    "max_per_grant": "50.00",
    "max_per_complaint": "80.00",
    "max_per_customer_30d": "150.00",
    "currency": "EUR",
}


def _request(limit: str, rule: dict | None = RULE, tier: str = "manager") -> CompensationRequest:
    return CompensationRequest(
        kind="refund",
        amount=Decimal("400"),
        currency="EUR",
        required_tier=tier,
        stopped_by={"limit": limit, "rule": rule},
        reason="refund of 400.00 EUR exceeds ...; needs approval by manager.",
    )


@pytest.mark.parametrize(
    "limit,tier,sentence",
    [
        (
            decision.PER_GRANT,
            "manager",
            "Above the Frontline limit of 50.00 EUR per grant: needs a manager.",
        ),
        (
            decision.PER_COMPLAINT,
            "team_lead",
            "Above the Frontline limit of 80.00 EUR per complaint, counting what this complaint "
            "already has: needs a team lead or a manager.",
        ),
        (
            decision.PER_CUSTOMER,
            "superuser",
            "Above the Frontline limit of 150.00 EUR per customer in 30 days, counting what "
            "this customer already has: needs a superuser.",
        ),
    ],
)
def test_the_reason_is_one_sentence_naming_the_limit_and_who_decides(limit, tier, sentence):
    with override("en"):
        assert waiting_reason(_request(limit, tier=tier)) == sentence


def test_the_reason_without_a_rule_or_a_recorded_limit():
    with override("en"):
        assert waiting_reason(_request("no_rule", rule=None)) == (
            "The requester may not grant refund in EUR at all: needs a manager."
        )
        legacy = CompensationRequest(kind="refund", currency="EUR", required_tier="team_lead")
        assert waiting_reason(legacy) == (
            "Beyond the requester's authority: needs a team lead or a manager."
        )


def test_the_reason_never_repeats_itself():
    with override("en"):
        text = waiting_reason(_request(decision.PER_GRANT))
    assert text.count("needs") == 1 and "approval by" not in text


def test_received_line_is_compact():
    with override("en"):
        assert received_line([]) == "nothing yet"
        line = received_line([selectors.Received("EUR", Decimal("20"), 1, Decimal("45.5"), 3)])
    assert line == "30 days: 20.00 EUR (1) · all: 45.50 EUR (3)"


@pytest.mark.django_db
def test_customer_received_counts_the_window_and_everything_in_one_query(frontline):
    c = complaint_in("apologized", customer_email="twice@example.com")
    now = timezone.now()

    def given(amount, days_ago, status=Status.GRANTED, currency="EUR"):
        CompensationRequest.objects.create(
            complaint=c,
            customer_id=c.customer_id,
            kind="voucher",
            amount=Decimal(amount),
            currency=currency,
            requested_by=frontline,
            status=status,
            required_tier="frontline",
            created_at=now - timedelta(days=days_ago),
        )

    given("20", 2)
    given("5", 10, status=Status.APPROVED)
    given("30", 45)  # outside the 30 days
    given("99", 1, status=Status.PENDING)  # not received
    given("99", 1, status=Status.REJECTED)  # not received
    given("7", 40, currency="USD")  # only long ago, in another currency
    other = complaint_in("apologized")
    with CaptureQueriesContext(connection) as ctx:
        received = selectors.customer_received(customer_ids={c.customer_id, other.customer_id})
    assert len(ctx.captured_queries) == 1
    assert received[c.customer_id] == [
        selectors.Received("EUR", Decimal("25"), 2, Decimal("55"), 3),
        selectors.Received("USD", Decimal("0"), 0, Decimal("7"), 1),
    ]
    assert other.customer_id not in received


@pytest.mark.django_db
def test_approval_deadlines_are_the_running_ones_in_one_query():
    a, b, c = (complaint_in("venting") for _ in range(3))
    now = timezone.now()

    def deadline(complaint, hours, status=DeadlineStatus.PENDING, kind=DeadlineKind.APPROVAL):
        due = now + timedelta(hours=hours)
        return Deadline.objects.create(
            complaint=complaint, kind=kind, status=status, due_at=due, warn_at=due
        )

    later = deadline(a, 8)
    sooner = deadline(a, 3, status=DeadlineStatus.WARNED)
    deadline(b, 1, status=DeadlineStatus.MET)  # decided: not shown
    deadline(b, 2, kind=DeadlineKind.RESOLUTION)  # another kind
    with CaptureQueriesContext(connection) as ctx:
        found = selectors.approval_deadlines(complaint_ids=[a.pk, b.pk, c.pk])
    assert len(ctx.captured_queries) == 1
    assert found == {a.pk: sooner}
    assert later.pk != sooner.pk


@pytest.mark.django_db
def test_the_queue_shows_the_approval_deadline_in_the_viewers_time_zone(client, manager):
    from compensation import services

    requester = UserFactory(username="asker", groups=["frontline"])
    c = complaint_in("apologized")
    services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=c.pk,
        actor=requester,
        message="Full refund.",
        root_cause="Faulty",
        items=[{"kind": "refund", "amount": "400"}],
    )
    deadline = Deadline.objects.get(complaint=c, kind=DeadlineKind.APPROVAL)
    Deadline.objects.filter(pk=deadline.pk).update(due_at=timezone.now() - timedelta(hours=2))
    client.force_login(manager)
    html = client.get("/admin/compensation/pendingapproval/").content.decode()
    local = timezone.localtime(timezone.now() - timedelta(hours=2))
    assert local.strftime("%Y-%m-%d %H:%M") in html
    assert local.tzname() in html  # the zone is said
    assert 'class="redress-due redress-due-overdue"' in html and "overdue" in html


@pytest.mark.django_db
def test_the_complaint_page_says_why_a_request_waits_once(client, frontline, manager):
    from compensation import services

    c = complaint_in("apologized")
    services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=c.pk,
        actor=frontline,
        message="Full refund.",
        root_cause="Faulty",
        items=[{"kind": "refund", "amount": "400"}],
    )
    client.force_login(manager)
    html = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    panel = html[html.index('id="compensation"') :]
    assert "Above the Frontline limit of 50.00 EUR per grant: needs a manager." in panel
    assert "needs approval by" not in panel and "needs Manager" not in panel
