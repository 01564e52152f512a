"""End to end: a real Celery worker (with embedded beat) escalates a lapsed promise.

The worker is a separate process on the same database (the file-based SQLite test database, or
PostgreSQL's test database) and the same broker as the test run (filesystem or Redis), so the
data is committed (transactional test).
"""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, TransitionLog
from escalation.models import Deadline
from escalation.services import SWEEP_LABEL
from tests import factories
from tests.workers import celery_worker, database_url


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_real_worker_escalates_an_acknowledged_complaint_after_its_promise_lapses(seeded, tmp_path):
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDRESS_SWEEP_INTERVAL": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_ENV": "development",
        # A broker folder of its own: no stale message from another run can get in the way.
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "broker"),
    }
    agent = factories.UserFactory(username="e2e-agent", groups=["frontline"])
    factories.UserFactory(username="e2e-lead", groups=["team_lead"], email="e2e-lead@x.test")
    complaint = factories.complaint_new(subject="Coconut opener missing (e2e)")
    promised_by = timezone.now() + timedelta(seconds=3)
    services.complaint_acknowledge(
        complaint_id=complaint.pk,
        actor=agent,
        summary="Four coconuts came without the promised opener.",
        message="I understand — we will get back to you shortly.",
        promised_by=promised_by,
    )
    assert Deadline.objects.get(complaint=complaint, kind="promise").due_at == promised_by

    started = time.monotonic()
    with celery_worker(tmp_path=tmp_path, env=env, name="e2e") as (worker, log_path):
        while time.monotonic() - started < 90:
            complaint.refresh_from_db()
            # The customer's acknowledgement lands in the same folder (mail app): wait for
            # the lead's notice itself.
            sent = "".join(p.read_text() for p in mail_dir.glob("*.log"))
            if complaint.state == "escalated" and "e2e-lead@x.test" in sent:
                break
            assert worker.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.3)
    output = log_path.read_text()
    assert complaint.state == "escalated", output[-3000:]
    assert timezone.now() >= promised_by
    assert (complaint.tier, complaint.escalation_level) == ("team_lead", 1)
    why = TransitionLog.objects.get(complaint=complaint, transition="escalate")
    assert why.actor_label == SWEEP_LABEL and "promise" in why.reason
    assert Deadline.objects.get(complaint=complaint, kind="promise").status == "breached"
    mails = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert "e2e-lead@x.test" in mails and complaint.reference in mails
    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 1
