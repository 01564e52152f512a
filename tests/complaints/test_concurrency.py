"""Two staff acting on one complaint at once: exactly one wins, the other gets a 409 error.

Needs real row locks and concurrent connections, so it runs on PostgreSQL only.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, TransitionLog
from core.errors import ConflictError
from tests.factories import UserFactory, complaint_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_agents_different_transitions_one_wins_the_other_gets_conflict():
    """Both looked at version N: the second to commit would act on a changed complaint."""
    a = UserFactory(username="a", groups=["frontline"])
    b = UserFactory(username="b", groups=["frontline"])
    c = complaint_new()
    later = timezone.now() + timedelta(days=1)
    outcomes = race(
        lambda: services.complaint_acknowledge(
            complaint_id=c.pk,
            actor=a,
            summary="s",
            message="m",
            promised_by=later,
            expected_version=c.version,
        ),
        lambda: services.complaint_escalate(
            complaint_id=c.pk, actor=b, reason="too big", expected_version=c.version
        ),
    )
    winners = [o for o in outcomes if isinstance(o, Complaint)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], ConflictError) and losers[0].status == 409
    steps = TransitionLog.objects.filter(complaint=c).exclude(transition="intake")
    assert steps.count() == 1
    assert Complaint.objects.get(pk=c.pk).state == winners[0].state


def test_same_transition_twice_at_once_happens_once():
    a = UserFactory(username="a", groups=["frontline"])
    c = complaint_new()
    outcomes = race(
        *[
            lambda: services.complaint_escalate(complaint_id=c.pk, actor=a, reason="lapsed")
            for _ in range(4)
        ]
    )
    assert sum(isinstance(o, Complaint) for o in outcomes) == 1
    assert all(isinstance(o, ConflictError) for o in outcomes if not isinstance(o, Complaint))
    c.refresh_from_db()
    assert c.escalation_level == 1
    assert TransitionLog.objects.filter(complaint=c, transition="escalate").count() == 1
