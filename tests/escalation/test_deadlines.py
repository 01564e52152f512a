"""Each deadline's life as the complaint moves: started, met, cancelled, paused and resumed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from core.errors import InvalidTransitionError, RuleViolationError
from escalation.businesstime import business_time_between
from escalation.models import Deadline, ResponsePolicy
from tests.factories import UserFactory


def kinds(complaint_id, **filters):
    return sorted(
        Deadline.objects.filter(complaint_id=complaint_id, **filters).values_list("kind", "status")
    )


pytestmark = pytest.mark.django_db


def test_defaults_are_seeded_for_every_category_and_severity():
    assert ResponsePolicy.objects.count() == 9 * 4  # the financial categories too
    policy = ResponsePolicy.objects.get(category="missing_item", severity="normal")
    assert policy.calendar.time_zone == "Europe/Berlin"
    assert policy.first_response_minutes < policy.resolution_minutes


def test_intake_starts_first_response_and_resolution(filed):
    c = filed()
    rows = {d.kind: d for d in Deadline.objects.filter(complaint=c)}
    assert set(rows) == {"first_response", "resolution"}
    first = rows["first_response"]
    policy = ResponsePolicy.objects.get(category=c.category, severity=c.severity)
    schedule = policy.calendar.schedule
    window = business_time_between(schedule, c.created_at, first.due_at)
    assert window == timedelta(minutes=policy.first_response_minutes)
    assert first.started_at <= first.warn_at <= first.due_at
    assert business_time_between(schedule, c.created_at, first.warn_at) == window * 0.75
    assert first.status == "pending"


def test_acknowledge_meets_first_response_and_starts_the_promise(acknowledged):
    c = acknowledged(promise_in=timedelta(hours=2))
    assert kinds(c.pk) == [
        ("first_response", "met"),
        ("promise", "pending"),
        ("resolution", "pending"),
    ]
    promise = Deadline.objects.get(complaint=c, kind="promise")
    assert promise.due_at == c.promised_by
    assert promise.started_at < promise.warn_at < promise.due_at
    assert Deadline.objects.get(complaint=c, kind="first_response").met_at is not None


def test_a_promise_beyond_the_resolution_window_is_refused(filed, agent):
    c = filed(severity="critical")  # resolution within 3 business days
    resolution = Deadline.objects.get(complaint=c, kind="resolution")
    with pytest.raises(RuleViolationError) as refused:
        services.complaint_acknowledge(
            complaint_id=c.pk,
            actor=agent,
            summary="s",
            message="m",
            promised_by=resolution.due_at + timedelta(minutes=1),
        )
    assert refused.value.status == 422
    assert "promised_by" in refused.value.fields
    assert "no later than" in refused.value.message
    assert Complaint.objects.get(pk=c.pk).state == "venting"  # nothing written
    services.complaint_acknowledge(
        complaint_id=c.pk, actor=agent, summary="s", message="m", promised_by=resolution.due_at
    )


def test_promise_window_without_a_resolution_deadline_counts_from_now(agent):
    from tests.factories import complaint_new

    c = complaint_new(severity="critical")
    Deadline.objects.filter(complaint=c).delete()  # data from before intake started clocks
    with pytest.raises(RuleViolationError):
        services.complaint_acknowledge(
            complaint_id=c.pk,
            actor=agent,
            summary="s",
            message="m",
            promised_by=timezone.now() + timedelta(days=30),
        )


@pytest.mark.parametrize("transition", ["remedy", "approve"])
def test_remedy_and_approve_meet_what_is_open(committed, acknowledged, agent, transition):
    c = acknowledged()
    lead = UserFactory(username="lead1", groups=["team_lead"])
    if transition == "remedy":
        committed(
            services.complaint_apologize,
            complaint_id=c.pk,
            actor=agent,
            message="m",
            fault="company",
        )
        committed(
            services.complaint_remedy,
            complaint_id=c.pk,
            actor=agent,
            message="m",
            root_cause="r",
            outcome="upheld",
        )
    else:
        committed(services.complaint_escalate, complaint_id=c.pk, actor=agent, reason="big")
        assert ("approval", "pending") in kinds(c.pk)
        committed(
            services.complaint_approve, complaint_id=c.pk, actor=lead, note="ok", outcome="upheld"
        )
    assert not Deadline.objects.filter(complaint=c, status__in=["pending", "warned"]).exists()
    assert ("promise", "met") in kinds(c.pk)
    assert ("resolution", "met") in kinds(c.pk)


def test_limits_cancel_and_reopen_starts_again(committed, acknowledged, agent, manager):
    c = acknowledged()
    committed(
        services.complaint_set_limits,
        complaint_id=c.pk,
        actor=agent,
        reason="r",
        message="m",
        outcome="not_upheld",
        outcome_reason="Limits set.",
    )
    assert kinds(c.pk, status="cancelled") == [
        ("promise", "cancelled"),
        ("resolution", "cancelled"),
    ]
    committed(services.complaint_reopen, complaint_id=c.pk, actor=manager, message="again")
    assert kinds(c.pk, status="pending") == [
        ("first_response", "pending"),
        ("resolution", "pending"),
    ]


def test_escalate_starts_approval_and_return_cancels_it(committed, filed, agent, lead):
    c = filed()
    committed(services.complaint_escalate, complaint_id=c.pk, actor=agent, reason="big")
    approval = Deadline.objects.get(complaint=c, kind="approval")
    policy = ResponsePolicy.objects.get(category=c.category, severity=c.severity)
    assert business_time_between(
        policy.calendar.schedule, approval.started_at, approval.due_at
    ) == timedelta(minutes=policy.approval_minutes)
    committed(services.complaint_return, complaint_id=c.pk, actor=lead, note="yours")
    approval.refresh_from_db()
    assert approval.status == "cancelled"


def test_pause_stops_the_clock_and_resume_restores_what_was_left(committed, acknowledged, agent):
    c = acknowledged(promise_in=timedelta(hours=3))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    committed(services.complaint_pause, complaint_id=c.pk, actor=agent, reason="waiting on photos")
    promise.refresh_from_db()
    assert promise.paused_at is not None
    left = promise.remaining_seconds
    assert 3 * 3600 - 60 < left <= 3 * 3600
    # the sweep ignores paused rows even when their old due time has passed
    from escalation.services import deadline_sweep

    result = deadline_sweep(now=timezone.now() + timedelta(days=400))
    assert result.breached == 0
    promise.refresh_from_db()
    assert promise.status == "pending"
    committed(services.complaint_resume, complaint_id=c.pk, actor=agent)
    promise.refresh_from_db()
    assert promise.paused_at is None and promise.remaining_seconds is None
    resumed_at = Complaint.objects.get(pk=c.pk).updated_at
    assert abs((promise.due_at - resumed_at).total_seconds() - left) < 5
    assert promise.warn_at < promise.due_at


def test_cooling_off_pause_ends_by_itself_in_the_sweep(
    committed, acknowledged, agent, django_capture_on_commit_callbacks
):
    from escalation.services import deadline_sweep

    c = acknowledged(promise_in=timedelta(hours=3))
    until = timezone.now() + timedelta(minutes=30)
    committed(services.complaint_pause, complaint_id=c.pk, actor=agent, reason="cool", until=until)
    with django_capture_on_commit_callbacks(execute=True):
        result = deadline_sweep(now=until + timedelta(seconds=1))
    assert result.resumed == 1
    c.refresh_from_db()
    assert c.paused_at is None
    assert not Deadline.objects.filter(complaint=c, paused_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_returned_complaint_whose_clocks_all_lapsed_gets_a_resolution_clock(frontline, lead):
    """An open complaint never waits without a running clock (check_invariants' first rule)."""
    from tests import factories

    c = factories.complaint_new()
    services.complaint_escalate(complaint_id=c.pk, actor=frontline, reason="big")
    Deadline.objects.filter(complaint=c).exclude(kind="approval").update(status="breached")
    services.complaint_return(complaint_id=c.pk, actor=lead, note="Ask the shop first")
    running = Deadline.objects.filter(complaint=c, status__in=["pending", "warned"])
    assert list(running.values_list("kind", flat=True)) == ["resolution"]
    c.refresh_from_db()
    assert c.state == "venting" and c.next_due_at == running.get().due_at


@pytest.mark.django_db
def test_the_sweep_does_not_end_a_pause_taken_again_since_it_looked(frontline):
    """The sweep reads ended cooling-off pauses without a lock; under the lock it checks again."""
    from tests import factories

    c = factories.complaint_new()
    until = timezone.now() + timedelta(hours=1)
    services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="cooling off", until=until)
    services.complaint_resume(complaint_id=c.pk, actor=frontline)
    later = timezone.now() + timedelta(days=2)
    services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="photos", until=later)
    with pytest.raises(InvalidTransitionError, match="has not ended"):
        services.complaint_resume(
            complaint_id=c.pk, actor=None, pause_ended_by=until + timedelta(minutes=1)
        )
    assert Complaint.objects.get(pk=c.pk).pause_until == later
