"""A process killed with SIGKILL in the middle of a change leaves all of it or nothing.

A child process runs intake (or acknowledge) against the test database with one more in-transaction
reaction registered, which runs after the engine and escalation have written every row of the
change (complaint, log, message, deadlines, outbox) and then holds there. The test kills the child
with SIGKILL at that point and checks that PostgreSQL kept none of it, and that the complaint is
not left locked: the same change then succeeds once.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Message, TransitionLog
from escalation.models import Deadline
from tests import factories
from webhooks.models import OutboxEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, sys, time
import django
django.setup()
from complaints import reactions, services
from django.utils import timezone
from datetime import timedelta

marker = sys.argv[1]

def hold(changes):
    open(marker, "w").write("held")  # every row of the change is written, nothing committed
    time.sleep(120)

reactions.reaction(sys.argv[2], name="test.hold")(hold)
if sys.argv[2] == "intake":
    services.complaint_intake(
        customer_name="Killed Midway", customer_email="killed@example.com",
        subject="Killed during intake", description="The worker dies here.",
        category="missing_item",
    )
else:
    from django.contrib.auth import get_user_model
    services.complaint_acknowledge(
        complaint_id=int(sys.argv[3]),
        actor=get_user_model().objects.get(username=sys.argv[4]),
        summary="Opener missing", message="I understand.",
        promised_by=timezone.now() + timedelta(days=1),
    )
"""


def killed_midway(tmp_path, *args: str) -> None:
    """Run the change in a child process, wait until it holds inside its transaction, kill -9."""
    marker = tmp_path / "held"
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'root'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), *args], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child ended before reaching the hold"
            assert time.monotonic() < deadline, "the child never reached the hold"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()


def rows() -> tuple:
    return (
        Complaint.objects.count(),
        sum(Complaint.objects.values_list("version", flat=True)),
        TransitionLog.objects.count(),
        Message.objects.count(),
        Deadline.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_intake_killed_midway_leaves_nothing(tmp_path):
    factories.complaint_new()  # some data around it
    before = rows()
    killed_midway(tmp_path, "intake")
    assert rows() == before
    assert not Complaint.objects.filter(subject="Killed during intake").exists()
    complaint, created = services.complaint_intake(
        customer_name="Killed Midway",
        customer_email="killed@example.com",
        subject="Killed during intake",
        description="The worker dies here.",
        category="missing_item",
    )
    assert created and complaint.deadlines.count() == 2


def test_transition_killed_midway_leaves_nothing_and_releases_the_lock(tmp_path):
    agent = factories.UserFactory(username="crash-agent", groups=["frontline"])
    c = factories.complaint_new()
    before = rows()
    killed_midway(tmp_path, "acknowledge", str(c.pk), agent.username)
    assert rows() == before
    assert Complaint.objects.get(pk=c.pk).state == "venting"
    # The dead transaction's row lock is gone: the same change goes through now, once.
    done = services.complaint_acknowledge(
        complaint_id=c.pk,
        actor=agent,
        summary="Opener missing",
        message="I understand.",
        promised_by=timezone.now() + timedelta(days=1),
    )
    assert done.state == "acknowledged"
    assert TransitionLog.objects.filter(complaint=c, transition="acknowledge").count() == 1
    assert Deadline.objects.filter(complaint=c, kind="promise").count() == 1
