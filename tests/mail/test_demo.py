"""The demo: the coconut customer's first message arrives as a real `.eml` through the ingest
service; after `load_demo` the acknowledgement with its promise, answering her mail, is a mail
row, and once sent (what the worker does) it is a file in the outbox folder (var/mail/outbox/
in development)."""

import email
import email.policy

import pytest
from django.core.management import call_command
from django.utils import formats, timezone

from complaints.models import Complaint
from mail import services as mail_services
from mail.models import InboundMail, OutboundMail

COCONUT_MSGID = "<9f1c2e7a.coconut-opener@mail.example.com>"


@pytest.mark.django_db
def test_the_coconut_acknowledgement_with_its_promise_lands_in_the_outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent: no second mail either
    first = InboundMail.objects.get(msgid=COCONUT_MSGID)  # her mail, through the ingest service
    assert (first.source, first.outcome, first.sender) == ("demo", "complaint", "coco@example.com")
    assert (tmp_path / "media" / first.raw.name).read_bytes().startswith(b"From: Coco Palmer")
    coconut = first.complaint
    assert coconut.channel == "email" and coconut.category == "missing_item"
    assert coconut.customer.name == "Coco Palmer"
    assert coconut.messages.get(kind="customer").body.startswith("I ordered 4 young coconuts")
    assert Complaint.objects.filter(customer__email="coco@example.com").count() == 1
    mails = OutboundMail.objects.filter(complaint=coconut).order_by("pk")
    assert [m.kind for m in mails] == ["acknowledgement", "apology", "remedy"]
    ack = mails[0]
    assert ack.to == "coco@example.com"
    assert ack.in_reply_to == COCONUT_MSGID  # the answer threads onto her mail
    assert "incomplete too" in ack.message.body
    assert not OutboundMail.objects.filter(complaint__external_id="demo-coconut").exists()

    # The 30-day history's mails went out back then; only today's stories wait for the worker.
    history = OutboundMail.objects.filter(complaint__external_id__startswith="demo-history-")
    assert history.exists() and not history.exclude(status="sent").exists()
    assert all(m.sent_at == m.created_at for m in history)
    waiting = OutboundMail.objects.filter(status="pending")
    assert waiting.filter(complaint=coconut).count() == 3
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
