"""The demo (`make run`): the coconut story remedied within frontline authority and a 400 EUR
refund waiting in the manager's queue; the untouched coconut complaint still venting; and a
history of complaints over the last 30 days, walked through the real services, so the dashboard
shows real medians, causes, breaches and compensation."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from compensation.management.demo_history import PREFIX, demo_clock
from compensation.models import CompensationRequest
from compensation.selectors import compensation_granted, compensation_queue
from complaints.models import Complaint, Customer, Message, TransitionLog
from complaints.selectors import insight_summary
from escalation.invariants import invariants_check
from escalation.models import Deadline
from webhooks.models import OutboxEvent, OutboxMail

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.django_db
def test_load_demo_compensation_stories_idempotent():
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    users = {u.username: u for u in get_user_model().objects.all()}
    assert Complaint.objects.get(external_id="demo-coconut").state == "venting"
    remedied = Complaint.objects.get(customer__email="coco@example.com")  # she emailed in
    assert remedied.state == "remedied"
    items = CompensationRequest.objects.filter(complaint=remedied).order_by("id")
    assert [(r.kind, r.status, r.requested_by.username, r.rule.role) for r in items] == [
        ("replacement", "granted", "frontline", "frontline"),
        ("gift", "granted", "frontline", "frontline"),
    ]
    waiting = CompensationRequest.objects.get(complaint__external_id="demo-refund-400")
    assert (waiting.status, waiting.required_tier) == ("pending", "manager")
    assert waiting.complaint.state == "escalated"
    # The history's approvals were all decided long ago: the queues hold the present-day story.
    assert list(compensation_queue(user=users["manager"])) == [waiting]
    assert list(compensation_queue(user=users["lead"])) == []
    present = CompensationRequest.objects.exclude(complaint__external_id__startswith=PREFIX)
    assert present.count() == 3


def _counts() -> list[int]:
    models = (Complaint, Customer, Message, TransitionLog, Deadline, CompensationRequest)
    return [m.objects.count() for m in (*models, OutboxEvent, OutboxMail)]


@pytest.mark.django_db
def test_demo_history_fills_the_dashboard_with_real_figures():
    call_command("load_demo", verbosity=0)
    counts = _counts()
    history = Complaint.objects.filter(external_id__startswith=PREFIX)
    assert 40 <= history.count() <= 60
    now = timezone.now()
    span = history.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] <= now - timedelta(days=25)
    assert span["last"] < Complaint.objects.get(external_id="demo-coconut").created_at

    summary = insight_summary()
    # Filing to first answer takes hours, to the remedy about a day or more: not 0.0 h.
    assert 0.5 < summary["median_hours_to_acknowledge"] < 48
    assert summary["median_hours_to_acknowledge"] < summary["median_hours_to_remedy"] < 24 * 10
    assert len(summary["top_categories"]) == 5
    assert len(summary["top_root_causes"]) == 5
    assert len(summary["repeat_complainants"]) >= 3

    deadlines = Deadline.objects.filter(complaint__in=history)
    breached = deadlines.filter(status="breached")
    assert breached.filter(kind="first_response").exists()
    assert breached.filter(kind="promise").exists()
    assert deadlines.filter(status="met").count() > 3 * breached.count()  # most are kept
    # The sweep did the breaching, at past moments, and escalated through the engine.
    assert TransitionLog.objects.filter(
        complaint__in=history, transition="escalate", actor_label="system: deadline sweep"
    ).exists()
    assert Complaint.objects.filter(reopen_count__gt=0, external_id__startswith=PREFIX).exists()
    transitions = set(
        TransitionLog.objects.filter(complaint__in=history).values_list("transition", flat=True)
    )
    assert {"acknowledge", "apologize", "remedy", "escalate", "approve", "return"} <= transitions
    assert {"set_limits", "reopen"} <= transitions
    assert {"frontline", "frontline2", "lead"} <= set(
        TransitionLog.objects.filter(complaint__in=history, transition="acknowledge").values_list(
            "actor__username", flat=True
        )
    )

    granted = compensation_granted()
    assert {g.tier for g in granted["by_tier"]} >= {"frontline", "team_lead", "manager"}
    assert len(granted["by_kind"]) >= 5

    # Rows are dated when they happened, not when the demo ran.
    assert OutboxEvent.objects.filter(occurred_at__lt=now - timedelta(days=20)).exists()
    assert Customer.objects.filter(created_at__lt=now - timedelta(days=20)).exists()
    # Nothing of the past leaves the database on the first `make run`.
    assert not OutboxMail.objects.filter(
        sent_at__isnull=True, created_at__lt=now - timedelta(minutes=1)
    ).exists()
    assert not OutboxEvent.objects.filter(
        dispatched_at__isnull=True, payload__complaint_id__in=list(history.values_list("pk"))
    ).exists()

    assert invariants_check().violations == []
    call_command("load_demo", verbosity=0)
    assert _counts() == counts


# Awkward moments for a history to end at: Monday early after Christmas, a Sunday night of a
# daylight-saving change, a Friday just before closing.
@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 28, 6, 30, tzinfo=BERLIN),
        datetime(2027, 3, 28, 23, 10, tzinfo=BERLIN),
        datetime(2027, 6, 4, 16, 55, tzinfo=BERLIN),
    ],
)
def test_demo_history_holds_whenever_it_is_loaded(moment):
    with demo_clock(moment):
        call_command("load_demo", verbosity=0)
        summary = insight_summary()
    history = Complaint.objects.filter(external_id__startswith=PREFIX)
    assert history.count() >= 40
    assert summary["median_hours_to_acknowledge"] > 0
    assert Deadline.objects.filter(complaint__in=history, status="breached").exists()
    assert invariants_check().violations == []
    users = {u.username: u for u in get_user_model().objects.all()}
    waiting = CompensationRequest.objects.get(complaint__external_id="demo-refund-400")
    assert list(compensation_queue(user=users["manager"])) == [waiting]
