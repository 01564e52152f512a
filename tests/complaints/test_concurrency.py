"""Two staff acting on one complaint at once: the complaint row lock serialises them.

Each test forces the interleaving (`tests.concurrency.race`): A is held right after
`engine.complaint_lock` has locked the row, B then starts; B must wait for A, and the outcome
must be the serial one — one wins and the other is refused, or (where both may act) the audit
trail and the version show one after the other.

Every test here proves the SELECT ... FOR UPDATE in `engine.complaint_lock`: checked by
dropping `.select_for_update()` there, when each of them fails (B is not kept waiting, and
the outcome is the racy one: two winners, a lost update, a version that went up once).
Needs real row locks and concurrent connections, so it runs on PostgreSQL only.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, TransitionLog
from core.errors import ConflictError, InvalidTransitionError
from tests.concurrency import race
from tests.factories import complaint_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def acknowledge(complaint, actor, **kw):
    return lambda: services.complaint_acknowledge(
        complaint_id=complaint.pk,
        actor=actor,
        summary=f"Restated by {actor.username}",
        message="I understand.",
        promised_by=timezone.now() + timedelta(days=1),
        **kw,
    )


def steps(complaint):
    return list(
        TransitionLog.objects.filter(complaint=complaint)
        .exclude(transition="intake")
        .order_by("id")
        .values_list("transition", "payload")
    )


def test_acknowledge_while_another_escalates_the_same_version_gets_conflict(frontline, frontline2):
    """Both looked at version N: the one that gets the lock second acts on a changed complaint."""
    c = complaint_new()
    r = race(
        lambda: services.complaint_escalate(
            complaint_id=c.pk, actor=frontline, reason="too big", expected_version=c.version
        ),
        acknowledge(c, frontline2, expected_version=c.version),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint) and r.first.state == "escalated"
    assert type(r.second) is ConflictError and r.second.status == 409
    assert [t for t, _ in steps(c)] == ["escalate"]
    c.refresh_from_db()
    assert (c.state, c.version) == ("escalated", r.first.version)


def test_two_acknowledges_at_once_happen_once(frontline, frontline2):
    c = complaint_new()
    r = race(acknowledge(c, frontline), acknowledge(c, frontline2))
    assert r.second_waited
    assert isinstance(r.first, Complaint) and r.first.state == "acknowledged"
    # B waited, then read the acknowledged row: not a stale write, a refused transition.
    assert type(r.second) is InvalidTransitionError
    # The winner took the unassigned complaint as it acknowledged it; the loser wrote nothing.
    assert [t for t, _ in steps(c)] == ["assign", "acknowledge"]
    c.refresh_from_db()
    assert c.summary == "Restated by fl" and c.assignee == frontline


def test_two_assignments_at_once_are_serialised(frontline, frontline2, lead):
    c = complaint_new()
    r = race(
        lambda: services.complaint_assign(complaint_id=c.pk, actor=lead, assignee=frontline),
        lambda: services.complaint_assign(complaint_id=c.pk, actor=lead, assignee=frontline2),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint) and isinstance(r.second, Complaint)
    # B saw A's assignment: the log is a chain, the version went up twice, B's value stands.
    assert steps(c) == [
        ("assign", {"from": None, "to": frontline.pk}),
        ("assign", {"from": frontline.pk, "to": frontline2.pk}),
    ]
    c2 = Complaint.objects.get(pk=c.pk)
    assert (c2.assignee_id, c2.version) == (frontline2.pk, c.version + 2)


def test_resume_while_a_pause_is_being_written_waits_for_it(frontline, frontline2):
    c = complaint_new()
    r = race(
        lambda: services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="Waiting"),
        lambda: services.complaint_resume(complaint_id=c.pk, actor=frontline2),
    )
    assert r.second_waited
    # Without the wait B would have read "not paused" and been refused.
    assert isinstance(r.first, Complaint) and isinstance(r.second, Complaint)
    # The pausing agent took the unassigned complaint first (logged as its own step).
    assert [t for t, _ in steps(c)] == ["assign", "pause", "resume"]
    c2 = Complaint.objects.get(pk=c.pk)
    assert (c2.paused_at, c2.version) == (None, c.version + 2)


def test_two_pauses_at_once_pause_once(frontline, frontline2):
    c = complaint_new()
    r = race(
        lambda: services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="A"),
        lambda: services.complaint_pause(complaint_id=c.pk, actor=frontline2, reason="B"),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint)
    assert type(r.second) is InvalidTransitionError
    assert [t for t, _ in steps(c)] == ["assign", "pause"]  # the first pauser took it
    c2 = Complaint.objects.get(pk=c.pk)
    assert (c2.pause_reason, c2.version) == ("A", c.version + 1)


def test_two_detail_edits_at_once_are_serialised(frontline, frontline2):
    c = complaint_new()
    r = race(
        lambda: services.complaint_update_details(
            complaint_id=c.pk, actor=frontline, subject="Opener missing (A)"
        ),
        lambda: services.complaint_update_details(
            complaint_id=c.pk, actor=frontline2, subject="Opener missing (B)"
        ),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint) and isinstance(r.second, Complaint)
    # B's audit row records A's subject as the one it replaced.
    assert steps(c) == [
        ("details", {"subject": [c.subject, "Opener missing (A)"]}),
        ("details", {"subject": ["Opener missing (A)", "Opener missing (B)"]}),
    ]
    c2 = Complaint.objects.get(pk=c.pk)
    assert (c2.subject, c2.version) == ("Opener missing (B)", c.version + 2)
