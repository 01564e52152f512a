"""The demo: after `load_demo`, the coconut acknowledgement with its promise is a mail row, and
once sent (what the worker does) it is a file in the outbox folder (var/mail/outbox/ in
development)."""

import email
import email.policy

import pytest
from django.core.management import call_command
from django.utils import formats, timezone

from complaints.models import Complaint
from mail import services as mail_services
from mail.models import OutboundMail


@pytest.mark.django_db
def test_the_coconut_acknowledgement_with_its_promise_lands_in_the_outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent: no second mail either
    coconut = Complaint.objects.get(external_id="demo-coconut-remedied")
    mails = OutboundMail.objects.filter(complaint=coconut).order_by("pk")
    assert [m.kind for m in mails] == ["acknowledgement", "apology", "remedy"]
    ack = mails[0]
    assert ack.to == "coco@example.com"
    assert "incomplete too" in ack.message.body
    assert not OutboundMail.objects.filter(complaint__external_id="demo-coconut").exists()

    # The 30-day history's mails went out back then; only today's stories wait for the worker.
    history = OutboundMail.objects.filter(complaint__external_id__startswith="demo-history-")
    assert history.exists() and not history.exclude(status="sent").exists()
    assert all(m.sent_at == m.created_at for m in history)
    waiting = OutboundMail.objects.filter(status="pending")
    assert set(waiting.values_list("complaint__external_id", flat=True)) >= {
        "demo-coconut-remedied"
    }
    assert not waiting.filter(complaint__external_id__startswith="demo-history-").exists()
    pending = waiting.count()
    counts = mail_services.mail_send_due(batch_size=1000)
    assert counts == {"sent": pending} and not waiting.exists()
    sent = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in tmp_path.glob("*.log")
    ]
    ours = [m for m in sent if m["Message-ID"] == ack.msgid]
    assert len(ours) == 1
    message = ours[0]
    assert message["Subject"] == f"[{coconut.reference}] {coconut.subject}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    local = timezone.localtime(coconut.promised_by)
    promised = f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"
    assert f"You will hear from us by {promised} at the latest." in text
    assert "I understand — I once bought something that arrived incomplete too." in text
