"""End to end: a real Celery worker (with embedded beat) sends the acknowledgement.

The test commits an acknowledgement (transactional test); the worker, a separate process on the
same database, picks the mail up (the task enqueued at commit, or the beat sweep) and writes it
with Django's file backend, exactly once.
"""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from complaints import services
from mail.models import OutboundMail
from tests import factories
from tests.escalation.conftest import seeded  # noqa: F401 (the fixture)
from tests.workers import celery_worker, database_url


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_a_real_worker_mails_the_acknowledgement_once(tmp_path):
    mail_dir = tmp_path / "outbox"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MAIL_SWEEP_INTERVAL": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_ENV": "development",
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "broker"),
    }
    agent = factories.UserFactory(username="mail-e2e", groups=["frontline"])
    complaint = factories.complaint_new(subject="Coconut opener missing (mail e2e)")
    services.complaint_acknowledge(
        complaint_id=complaint.pk,
        actor=agent,
        summary="Four coconuts came without the promised opener.",
        message="I understand — we will send the opener today.",
        promised_by=timezone.now() + timedelta(hours=24),
    )
    mail = OutboundMail.objects.get()
    with celery_worker(tmp_path=tmp_path, env=env, name="mail-e2e") as (worker, log_path):
        started = time.monotonic()
        while time.monotonic() - started < 90:
            mail.refresh_from_db()
            if mail.status == "sent":
                break
            assert worker.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.3)
        time.sleep(2.5)  # two more sweeps: they must send nothing more
    output = log_path.read_text()
    mail.refresh_from_db()
    assert mail.status == "sent", output[-3000:]
    files = [p.read_text() for p in mail_dir.glob("*.log")]
    written = "".join(files)
    assert written.count(f"Message-ID: {mail.msgid}") == 1
    assert f"Subject: [{complaint.reference}] Coconut opener missing (mail e2e)" in written
    assert mail.attempt_log.count() == 1
