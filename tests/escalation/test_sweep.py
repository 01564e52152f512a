"""The sweep: warnings once, breaches escalate exactly once, bulk work, re-delivery, races."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Message, TransitionLog
from escalation import tasks
from escalation.models import Deadline
from escalation.services import SWEEP_LABEL, complaint_next_due_refresh, deadline_sweep
from tests import factories
from webhooks.models import OutboxEvent, OutboxMail
from webhooks.services import mail_send_due


@pytest.fixture
def team(db):
    return {
        "lead": factories.UserFactory(username="lead9", groups=["team_lead"], email="lead@x.test"),
        "lead2": factories.UserFactory(username="lead8", groups=["team_lead"], email="l2@x.test"),
        "manager": factories.UserFactory(username="mgr9", groups=["manager"], email="mgr@x.test"),
    }


@pytest.fixture
def received():
    """The deadline events the sweep recorded in the webhook outbox, as (what, kind, complaint)."""

    class Recorded:
        def rows(self):
            return [
                (type_.split(".")[1], payload["kind"], payload["complaint_id"])
                for type_, payload in OutboxEvent.objects.filter(type__startswith="deadline.")
                .order_by("occurred_at", "id")
                .values_list("type", "payload")
            ]

        def __eq__(self, other):
            return self.rows() == other

        def __contains__(self, item):
            return item in self.rows()

    return Recorded()


@pytest.fixture
def sweep():
    """One sweep as the beat task runs it: the sweep commits, then the outbox mail goes out."""

    def run(**kwargs):
        result = deadline_sweep(**kwargs)
        mail_send_due()
        return result

    return run


def lapse(deadlines, now=None):
    """Make these deadlines overdue by a minute, as time passing would (next_due_at follows)."""
    ids = list(deadlines.values_list("complaint_id", flat=True))
    deadlines.update(due_at=(now or timezone.now()) - timedelta(minutes=1))
    complaint_next_due_refresh(complaint_ids=ids)


pytestmark = pytest.mark.django_db


def test_warning_emails_the_assignee_once(acknowledged, agent, sweep, received, committed):
    c = acknowledged(promise_in=timedelta(hours=1))
    committed(services.complaint_assign, complaint_id=c.pk, actor=agent, assignee=agent)
    promise = Deadline.objects.get(complaint=c, kind="promise")
    at = promise.warn_at + timedelta(seconds=1)
    first = sweep(now=at)
    assert first.warned == 1 and first.breached == 0
    promise.refresh_from_db()
    assert promise.status == "warned" and promise.warn_notified_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["agent@example.com"]
    assert c.reference in mail.outbox[0].subject
    assert received == [("warned", "promise", c.pk)]
    again = sweep(now=at)
    assert (again.warned, again.notified) == (0, 0)
    assert len(mail.outbox) == 1


def test_breach_escalates_notifies_the_next_tier_and_says_why(acknowledged, team, sweep, received):
    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    result = sweep(now=promise.due_at + timedelta(seconds=1))
    assert (result.breached, result.escalated, result.raised) == (1, 1, 0)
    c.refresh_from_db()
    assert (c.state, c.tier, c.escalation_level, c.escalated_from) == (
        "escalated",
        "team_lead",
        1,
        "acknowledged",
    )
    assert c.assignee_id is None
    log = TransitionLog.objects.get(complaint=c, transition="escalate")
    assert log.actor is None and log.actor_label == SWEEP_LABEL
    assert "promise" in log.reason and "passed" in log.reason
    assert log.payload["deadline_id"] == promise.pk
    assert Message.objects.filter(complaint=c, kind="system", visibility="internal").exists()
    promise.refresh_from_db()
    assert promise.status == "breached" and promise.breach_notified_at is not None
    # the lead tier gets exactly one message; warnings that were never sent are dropped
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["l2@x.test", "lead@x.test"]
    assert "missed" in mail.outbox[0].subject
    assert ("breached", "promise", c.pk) in received
    # the next tier's approval clock runs, started once (not again by the event receiver)
    assert Deadline.objects.filter(complaint=c, kind="approval", status="pending").count() == 1


def test_each_staff_member_reads_the_breach_mail_in_their_language_and_time_zone(
    acknowledged, team, sweep
):
    from complaints.models import StaffProfile

    StaffProfile.objects.create(user=team["lead2"], language="th", time_zone="Asia/Bangkok")
    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    sweep(now=promise.due_at + timedelta(seconds=1))
    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {("lead@x.test",), ("l2@x.test",)}  # one mail per language
    english, thai = by_to[("lead@x.test",)], by_to[("l2@x.test",)]
    assert "missed" in english.subject and "Team lead" in english.subject
    assert c.reference in thai.subject and "missed" not in thai.subject
    assert "หัวหน้าทีม" in thai.subject
    bangkok = promise.due_at.astimezone(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m-%d %H:%M")
    assert bangkok in thai.body and bangkok not in english.body


def test_breach_of_an_escalated_complaint_raises_the_level(committed, filed, agent, team, sweep):
    c = filed()
    committed(services.complaint_escalate, complaint_id=c.pk, actor=agent, reason="big")
    approval = Deadline.objects.get(complaint=c, kind="approval")
    result = sweep(now=approval.due_at + timedelta(seconds=1))
    assert (result.escalated, result.raised) == (0, 1)
    c.refresh_from_db()
    assert (c.state, c.tier, c.escalation_level) == ("escalated", "manager", 2)
    assert TransitionLog.objects.filter(complaint=c, transition="raise_level").count() == 1
    assert mail.outbox[-1].to == ["mgr@x.test"]
    # the manager's own approval clock: missing it at the top tier raises the level again,
    # reminds the managers, and starts their clock again (an open complaint always has one)
    top = Deadline.objects.get(complaint=c, kind="approval", status="pending")
    sweep(now=top.due_at + timedelta(seconds=1))
    c.refresh_from_db()
    assert (c.tier, c.escalation_level) == ("manager", 3)
    assert mail.outbox[-1].to == ["mgr@x.test"]
    again = Deadline.objects.get(complaint=c, status="pending", kind="approval")
    assert again.pk != top.pk and again.started_at == top.due_at + timedelta(seconds=1)


def test_an_open_approval_clock_is_kept_not_restarted_by_the_receiver(filed, team, sweep):
    c = filed()
    now = Deadline.objects.get(complaint=c, kind="first_response").due_at + timedelta(seconds=1)
    approval = Deadline.objects.create(
        complaint=c,
        kind="approval",
        due_at=now + timedelta(days=5),
        warn_at=now + timedelta(days=4),
    )
    result = sweep(now=now)
    assert result.escalated == 1
    approval.refresh_from_db()
    assert approval.status == "pending"
    assert list(
        Deadline.objects.filter(complaint=c, kind="approval").values_list("pk", flat=True)
    ) == [approval.pk]


class FailingBackend(BaseEmailBackend):
    """The mail server is down (the edge of the world)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


def test_a_mail_outage_does_not_hold_up_escalation_and_the_email_follows(
    acknowledged, team, sweep, settings
):
    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    at = promise.due_at + timedelta(seconds=1)
    settings.EMAIL_BACKEND = "tests.escalation.test_sweep.FailingBackend"
    first = sweep(now=at)  # the outage is the mail pump's problem, after the sweep committed
    c.refresh_from_db()
    promise.refresh_from_db()
    assert (first.escalated, first.notified) == (1, 1)
    assert (c.state, c.escalation_level) == ("escalated", 1)
    assert promise.status == "breached" and promise.breach_notified_at is not None
    assert mail.outbox == []
    waiting = OutboxMail.objects.get()
    assert waiting.sent_at is None and "mail server down" in waiting.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMail.objects.update(claimed_until=None)  # its lease has run out
    again = sweep(now=at)
    assert (again.escalated, again.notified) == (0, 0)
    assert len(mail.outbox) == 1 and "missed" in mail.outbox[0].subject
    assert OutboxMail.objects.get().sent_at is not None
    assert mail_send_due() == 0  # sent once, never again
    assert TransitionLog.objects.filter(complaint=c, transition="escalate").count() == 1


def test_deadline_of_a_closed_complaint_is_cancelled_not_escalated(acknowledged, agent, sweep):
    c = acknowledged()
    services.complaint_apologize(complaint_id=c.pk, actor=agent, message="m", fault="company")
    services.complaint_remedy(
        outcome="upheld", complaint_id=c.pk, actor=agent, message="m", root_cause="r"
    )
    assert not Deadline.objects.filter(complaint=c, status__in=["pending", "warned"]).exists()
    # A deadline left running on a closed complaint (data from before the engine closed them in
    # the same transaction) is cancelled, never escalated.
    Deadline.objects.filter(complaint=c, kind="promise").update(status="pending", met_at=None)
    lapse(Deadline.objects.filter(complaint=c, kind="promise"), timezone.now())
    result = sweep(now=timezone.now() + timedelta(days=60))
    assert result.escalated == 0 and result.breached == 0 and result.cancelled >= 1
    assert Complaint.objects.get(pk=c.pk).state == "remedied"
    assert mail.outbox == []


def test_same_task_delivered_twice_escalates_once(
    acknowledged, team, django_capture_on_commit_callbacks
):
    c = acknowledged(promise_in=timedelta(seconds=1))
    lapse(Deadline.objects.filter(complaint=c, kind="promise"), timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deadline_sweep.apply()
        tasks.deadline_sweep.apply()
    c.refresh_from_db()
    assert c.escalation_level == 1
    assert (
        TransitionLog.objects.filter(
            complaint=c, transition__in=["escalate", "raise_level"]
        ).count()
        == 1
    )
    assert len(mail.outbox) == 1
    assert tasks.deadline_sweep.acks_late


def test_batches_are_set_based(filed, team):
    """The queries of a sweep do not grow with the number of due rows."""

    def count(n):
        complaints = [filed() for _ in range(n)]
        Deadline.objects.exclude(kind="first_response").update(
            due_at=timezone.now() + timedelta(days=9)
        )
        lapse(Deadline.objects.filter(complaint__in=complaints, kind="first_response"))
        with CaptureQueriesContext(connection) as ctx:
            result = deadline_sweep(batch_size=100)
        assert result.escalated == n and result.notified == n
        mail_send_due()  # one mark per message sent, by design: it is what bounds a repeat
        return len(ctx.captured_queries)

    assert count(3) == count(12)


def test_the_sweeps_events_reach_the_complaints_integrations_and_nothing_internal(filed, team):
    """The escalations the sweep writes in bulk carry their audience (the filer and the
    customer's owner, read in the rows the sweep locks) and a view without the reason; the
    deadline events are staff only."""
    shop = factories.UserFactory(username="shop9", groups=["integration"], is_staff=False)
    owner = factories.UserFactory(username="owner9", groups=["integration"], is_staff=False)
    mine, owned, neither = filed(actor=shop), filed(), filed()
    owned.customer.owner = owner
    owned.customer.save(update_fields=["owner"])
    lapse(Deadline.objects.filter(kind="first_response"))
    assert deadline_sweep(batch_size=100).escalated == 3
    transitioned = OutboxEvent.objects.filter(type="complaint.transitioned")
    events = {e.payload["complaint_id"]: e for e in transitioned}
    assert events[mine.pk].audience == [shop.pk]
    assert events[owned.pk].audience == [owner.pk]
    assert events[neither.pk].audience == []
    public = events[mine.pk].public
    assert (public["from_state"], public["to_state"]) == ("venting", "escalated")
    assert "reason" not in public and "actor" not in public and events[mine.pk].payload["reason"]
    deadline_events = OutboxEvent.objects.filter(type__startswith="deadline.")
    assert deadline_events and all(e.public is None for e in deadline_events)


def test_sweep_works_in_batches(filed, team, sweep):
    complaints = [filed() for _ in range(7)]
    lapse(Deadline.objects.filter(complaint__in=complaints, kind="first_response"))
    result = sweep(batch_size=3)
    assert result.escalated == 7 and result.notified == 7
    assert (
        Complaint.objects.filter(pk__in=[c.pk for c in complaints], state="escalated").count() == 7
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_each_complaint_exactly_once(seeded, team):
    complaints = [factories.complaint_new() for _ in range(60)]
    lapse(Deadline.objects.filter(kind="first_response"))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(deadline_sweep(batch_size=7))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.escalated for r in results) == 60
    ids = [c.pk for c in complaints]
    assert Complaint.objects.filter(pk__in=ids, escalation_level=1, state="escalated").count() == 60
    assert TransitionLog.objects.filter(complaint_id__in=ids, transition="escalate").count() == 60
    assert Deadline.objects.filter(complaint_id__in=ids, kind="approval").count() == 60
    assert OutboxMail.objects.count() == 60 and mail_send_due() == 60
    assert len(mail.outbox) == 60


def test_sweep_records_webhook_events_for_warnings_breaches_and_escalations(acknowledged, sweep):
    from webhooks.models import OutboxEvent

    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    before = OutboxEvent.objects.count()
    sweep(now=promise.warn_at + timedelta(seconds=1))
    sweep(now=promise.due_at + timedelta(seconds=1))
    new = OutboxEvent.objects.order_by("occurred_at")[before:]
    by_type = {e.type: e.payload for e in new}
    assert by_type["deadline.warned"]["deadline_id"] == promise.pk
    assert by_type["deadline.breached"]["kind"] == "promise"
    moved = by_type["complaint.transitioned"]
    assert (moved["reference"], moved["transition"], moved["to_state"]) == (
        c.reference,
        "escalate",
        "escalated",
    )
    assert moved["escalation_level"] == 1 and moved["actor"] == SWEEP_LABEL
    # the payloads in full (PostgreSQL builds them in SQL, other databases in Python)
    at = DjangoJSONEncoder().default(promise.due_at + timedelta(seconds=1))
    assert by_type["deadline.breached"] == {
        "deadline_id": promise.pk,
        "complaint_id": c.pk,
        "kind": "promise",
        "at": at,
    }
    log = TransitionLog.objects.get(complaint=c, transition="escalate")
    assert moved == {
        "complaint_id": c.pk,
        "reference": c.reference,
        "transition": "escalate",
        "from_state": "acknowledged",
        "to_state": "escalated",
        "actor": SWEEP_LABEL,
        "reason": log.reason,
        "escalation_level": 1,
        "at": at,
    }
    sweep(now=promise.due_at + timedelta(seconds=2))  # nothing new on a second pass
    assert OutboxEvent.objects.count() == before + len(new)


def test_bulk_insert_keeps_text_exactly(filed):
    """The sweep's COPY writer escapes what COPY's text format would misread."""
    from core.db import COPY_FROM
    from core.db import rows_insert as _insert

    c = filed()
    body = 'tab\there\nnew line\r\\back\\slash \\N "quoted" é ✓'
    now = timezone.now()
    row = {
        "complaint_id": c.pk,
        "author_id": None,
        "author_label": "x\ty",
        "kind": "system",
        "visibility": "internal",
        "body": body,
        "created_at": now,
    }
    _insert(Message, [row] * COPY_FROM)  # enough rows to take the COPY path
    log = {
        "complaint_id": c.pk,
        "transition": "escalate",
        "from_state": "venting",
        "to_state": "escalated",
        "actor_id": None,
        "actor_label": "sweep",
        "reason": body,
        "payload": {"text": body, "n": 1, "none": None},
        "created_at": now,
    }
    pks = _insert(TransitionLog, [log] * COPY_FROM, ids=True)
    messages = Message.objects.filter(complaint=c, author_label="x\ty")
    assert messages.count() == COPY_FROM
    assert {(m.body, m.author_id, m.created_at) for m in messages} == {(body, None, now)}
    saved = TransitionLog.objects.filter(pk__in=pks)
    assert len(pks) == len(set(pks)) == saved.count() == COPY_FROM
    assert all(
        s.reason == body and s.payload == {"text": body, "n": 1, "none": None} for s in saved
    )


def test_a_batch_dates_its_rows_when_it_writes_them_not_when_the_sweep_began(filed, agent):
    """A sweep that began before a staff change and escalates afterwards logs after it: the
    complaint's log still ends in its state (check_invariants), the timeline stays in order."""
    from escalation.invariants import invariant_violation_list

    c = filed()
    began = timezone.now()
    services.complaint_acknowledge(
        complaint_id=c.pk,
        actor=agent,
        summary="Opener missing",
        message="I understand.",
        promised_by=timezone.now() + timedelta(hours=2),
    )
    lapse(Deadline.objects.filter(complaint=c, kind="resolution"), began)  # lapsed meanwhile
    result = deadline_sweep(now=began)  # its cutoff is from before the acknowledgement
    assert result.escalated == 1
    logs = list(
        TransitionLog.objects.filter(complaint=c)
        .order_by("created_at", "id")
        .values_list("transition", flat=True)
    )
    assert logs[-2:] == ["acknowledge", "escalate"]
    assert invariant_violation_list() == []
