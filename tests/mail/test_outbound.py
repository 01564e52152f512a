"""Outbound customer mail against a real SMTP server (aiosmtpd, started per test).

What is pinned: one row per public staff message, written in the change's transaction (none
after a rollback, none for the customer's own words or internal notes, none when the filer mails
its customers itself); after commit a task per mail is enqueued; the send carries the reference
in the subject, the threading headers, plain text and HTML in the customer's language, the
promise; a second run sends nothing; a 5xx fails the mail and tells staff on the timeline; a 4xx
is retried with exponential backoff until the attempts run out.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation

from complaints import services
from complaints.models import Message, MessageKind, Visibility
from mail import services as mail_services
from mail import tasks
from mail.models import IntegrationMailSetting, MailAttempt, MailTemplate, OutboundMail
from portal import selectors as portal_selectors
from tests import factories

pytestmark = pytest.mark.django_db

EMPATHY = "I understand — I once bought something that arrived incomplete too."


def promise(hours: int = 48):
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


def acknowledge(complaint, actor, *, when=None):
    return services.complaint_acknowledge(
        complaint_id=complaint.pk,
        actor=actor,
        summary="Four young coconuts came without the promised opener.",
        message=EMPATHY,
        promised_by=when or promise(),
    )


def as_shown(value, language: str) -> str:
    with translation.override(language):
        local = timezone.localtime(value)
        return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_an_acknowledgement_is_mailed_once_with_reference_threading_parts_and_promise(
    smtp, frontline, django_capture_on_commit_callbacks
):
    complaint = factories.complaint_new(subject="Coconut opener missing")
    when = promise()
    with django_capture_on_commit_callbacks() as callbacks:
        acknowledge(complaint, frontline, when=when)
    mail = OutboundMail.objects.get()
    assert (mail.kind, mail.to, mail.language, mail.status) == (
        "acknowledgement",
        complaint.customer.email,
        "en",
        "pending",
    )
    assert mail.message.body == EMPATHY and mail.in_reply_to == "" and mail.references == ""
    assert len(callbacks) == 1  # the enqueue waits for the commit

    with mock.patch.object(tasks.mail_send, "delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(mail.pk)

    assert tasks.mail_send(mail.pk) == "sent"  # the task's own body, in-process
    assert len(smtp.messages) == 1
    rcpt, sent = smtp.messages[0]
    assert rcpt == [complaint.customer.email]
    assert sent["Subject"] == f"[{complaint.reference}] Coconut opener missing"
    assert sent["Message-ID"] == mail.msgid and mail.msgid.endswith("@shop.example>")
    assert sent["In-Reply-To"] is None and sent["References"] is None
    assert sent["From"] == "Redress care <care@shop.example>"
    assert sent["Reply-To"] == "replies@shop.example"
    assert sent["Auto-Submitted"] is None  # a person wrote it
    body = parts(sent)
    assert set(body) == {"text/plain", "text/html"}
    for content in body.values():
        assert EMPATHY in content
        assert f"You will hear from us by {as_shown(when, 'en')} at the latest." in content
        assert "Fran, for the shop&#x27;s care team" in content or "Fran, for the shop's" in content
        assert complaint.reference in content
    assert "<p>" in body["text/html"] and "<p>" not in body["text/plain"]

    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.subject) == ("sent", 1, sent["Subject"])
    assert list(mail.attempt_log.values_list("number", "outcome")) == [(1, "sent")]

    # Idempotent: the task again, a re-delivery, the sweep — nothing more leaves.
    assert tasks.mail_send(mail.pk) == "skipped"
    assert mail_services.mail_send_due() == {}
    assert len(smtp.messages) == 1
    assert MailAttempt.objects.count() == 1


def test_later_mails_thread_onto_the_earlier_ones_and_the_customers_own_mail(smtp, frontline):
    from mail.models import InboundMail

    complaint = factories.complaint_new()
    InboundMail.objects.create(complaint=complaint, msgid="<first@customer.example>")
    acknowledge(complaint, frontline)
    services.complaint_apologize(
        complaint_id=complaint.pk, actor=frontline, message="Sorry: our packer.", fault="company"
    )
    services.message_add(complaint_id=complaint.pk, actor=frontline, body="It ships today.")
    ack, apology, reply = OutboundMail.objects.order_by("pk")
    assert [m.kind for m in (ack, apology, reply)] == ["acknowledgement", "apology", "reply"]
    assert ack.in_reply_to == "<first@customer.example>"
    assert apology.in_reply_to == ack.msgid
    assert apology.references.split() == ["<first@customer.example>", ack.msgid]
    assert reply.references.split() == ["<first@customer.example>", ack.msgid, apology.msgid]

    assert mail_services.mail_send_due() == {"sent": 3}
    headers = {m["Message-ID"]: m for _, m in smtp.messages}
    last = headers[reply.msgid]
    assert last["In-Reply-To"] == apology.msgid
    assert last["References"].split() == reply.references.split()
    assert len({m["Subject"] for _, m in smtp.messages}) == 1  # one thread, one subject


def test_the_customers_language_picks_the_templates(smtp, frontline):
    complaint = factories.complaint_new()
    complaint.customer.language = "zh_Hans"
    complaint.customer.save(update_fields=["language"])
    when = promise()
    acknowledge(complaint, frontline, when=when)
    mail = OutboundMail.objects.get()
    assert mail.language == "zh-hans"
    mail_services.mail_send(mail_id=mail.pk)
    _, sent = smtp.messages[0]
    for content in parts(sent).values():
        assert f"{complaint.customer.name}，您好" in content
        assert f"我们会在 {as_shown(when, 'zh-hans')} 之前给您答复。" in content
        assert EMPATHY in content  # the agent's own words, as written
        assert "You will hear from us" not in content


def test_an_unknown_language_falls_back_to_the_default(frontline):
    complaint = factories.complaint_new()
    complaint.customer.language = "xx"
    complaint.customer.save(update_fields=["language"])
    acknowledge(complaint, frontline)
    assert OutboundMail.objects.get().language == "en"


def test_a_managers_text_wins_over_the_file_template(smtp, frontline):
    MailTemplate.objects.create(
        kind="apology",
        language="en",
        subject="Our apology",
        body="Hello {{ customer_name }}, {{ message }} ({{ reference }})",
    )
    complaint = factories.complaint_in("acknowledged")
    services.complaint_apologize(
        complaint_id=complaint.pk, actor=frontline, message="Sorry!", fault="company"
    )
    mail_services.mail_send_due()
    by_kind = {m["Subject"]: m for _, m in smtp.messages}
    sent = by_kind[f"[{complaint.reference}] Our apology"]
    text = parts(sent)["text/plain"]
    # The manager's text, then the customer's link every customer mail carries (issue 12).
    own, link = text.replace("\r\n", "\n").strip().split("\n\n", 1)
    assert own == f"Hello {complaint.customer.name}, Sorry! ({complaint.reference})"
    assert link.splitlines()[-1] == portal_selectors.customer_url(complaint_id=complaint.pk)
    assert "Sorry!" in parts(sent)["text/html"]


def test_every_public_staff_message_is_mailed_and_nothing_else(frontline, manager, integration):
    complaint = factories.complaint_new(actor=integration)  # the customer's words: no mail
    assert not OutboundMail.objects.exists()
    services.message_add(
        complaint_id=complaint.pk, actor=frontline, body="Angry.", visibility=Visibility.INTERNAL
    )
    services.message_add(complaint_id=complaint.pk, actor=integration, body="Still waiting!")
    assert not OutboundMail.objects.exists()  # an internal note; the customer's own message
    acknowledge(complaint, frontline)
    services.complaint_apologize(
        complaint_id=complaint.pk, actor=frontline, message="Sorry.", fault="company"
    )
    services.complaint_remedy(
        outcome="upheld",
        complaint_id=complaint.pk,
        actor=frontline,
        message="Opener sent.",
        root_cause="Packing",
    )
    limited = factories.complaint_in("acknowledged")
    services.complaint_set_limits(
        outcome="not_upheld",
        outcome_reason="Limits set.",
        complaint_id=limited.pk,
        actor=frontline,
        reason="Threats",
        message="We end this here.",
    )
    kinds = list(OutboundMail.objects.order_by("pk").values_list("kind", "message__body"))
    assert [k for k, _ in kinds] == [
        "acknowledgement",
        "apology",
        "remedy",
        "acknowledgement",  # the walk to `acknowledged`
        "limit_set",
    ]
    assert kinds[-1][1] == "We end this here."  # the final message, not the internal reason


def test_a_mail_nobody_wrote_is_marked_automatic(smtp):
    complaint = factories.complaint_new()
    services.message_add(complaint_id=complaint.pk, actor=None, body="We received your message.")
    mail = OutboundMail.objects.get()
    assert mail.automatic and mail.message.kind == MessageKind.SYSTEM
    mail_services.mail_send(mail_id=mail.pk)
    assert smtp.messages[0][1]["Auto-Submitted"] == "auto-replied"


def test_one_mail_per_message_at_most(frontline):
    complaint = factories.complaint_in("acknowledged")
    mail = OutboundMail.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMail.objects.create(
            complaint=complaint,
            message=mail.message,
            kind="reply",
            to="x@example.com",
            language="en",
            msgid="<other@x>",
        )
    assert mail_services.mail_record_for_messages(step="message", messages=[]) == []


def test_a_rolled_back_change_leaves_no_mail_and_enqueues_nothing(
    frontline, django_capture_on_commit_callbacks
):
    complaint = factories.complaint_new()

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            acknowledge(complaint, frontline)
            assert OutboundMail.objects.count() == 1  # written inside the change's transaction
            raise Boom
    assert not OutboundMail.objects.exists()
    assert not Message.objects.filter(body=EMPATHY).exists()
    assert callbacks == []


def test_a_failing_reaction_after_the_mail_row_rolls_it_back(frontline):
    from complaints import reactions

    complaint = factories.complaint_new()

    def boom(changes):
        raise RuntimeError("deadline table unavailable")

    with reactions.replaced("acknowledge", "escalation.deadlines", boom):
        with pytest.raises(RuntimeError):
            acknowledge(complaint, frontline)
    assert not OutboundMail.objects.exists()


def test_an_integration_that_mails_its_customers_itself_gets_no_mail_rows(frontline, integration):
    other = factories.UserFactory(username="crm", groups=["integration"], is_staff=False)
    IntegrationMailSetting.objects.create(integration=integration, mail_customers=False)
    IntegrationMailSetting.objects.create(integration=other, mail_customers=True)
    silent = factories.complaint_new(actor=integration)
    mailed = factories.complaint_new(actor=other)
    staff_filed = factories.complaint_new()
    for complaint in (silent, mailed, staff_filed):
        acknowledge(complaint, frontline)
        services.message_add(complaint_id=complaint.pk, actor=frontline, body="News.")
    assert set(OutboundMail.objects.values_list("complaint_id", flat=True)) == {
        mailed.pk,
        staff_filed.pk,
    }
    assert not OutboundMail.objects.filter(complaint=silent).exists()


def test_a_lost_enqueue_is_no_lost_mail(smtp, frontline, django_capture_on_commit_callbacks):
    complaint = factories.complaint_new()
    with django_capture_on_commit_callbacks(execute=True):
        with mock.patch.object(tasks.mail_send, "delay", side_effect=OSError("broker down")):
            acknowledge(complaint, frontline)  # robust: the change committed all the same
    assert OutboundMail.objects.get().status == "pending"
    assert tasks.mail_send_due() == {"sent": 1}
    assert len(smtp.messages) == 1


def test_the_sweep_sends_a_batch_through_one_session_and_a_refusal_breaks_no_other(smtp, frontline):
    complaints = [factories.complaint_new() for _ in range(4)]
    for complaint in complaints:
        acknowledge(complaint, frontline)
    assert mail_services.mail_send_due() == {"sent": 4}
    assert len(smtp.messages) == 4 and len(set(smtp.sessions)) == 1  # one connection, 4 mails

    smtp.messages.clear()
    smtp.sessions.clear()
    refused = complaints[1].customer.email
    smtp.refuse = {refused}
    for complaint in complaints:
        services.message_add(complaint_id=complaint.pk, actor=frontline, body="Any news?")
    assert mail_services.mail_send_due() == {"sent": 3, "failed": 1}
    assert sorted(rcpt for (rcpt,), _m in smtp.messages) == sorted(
        c.customer.email for c in complaints if c.customer.email != refused
    )
    # The refusal closed that session: the mails after it went through a new one.
    assert len(set(smtp.sessions)) == 2
    # Every attempt is logged, one per mail.
    assert MailAttempt.objects.filter(mail__kind="reply").count() == 4


def test_a_mail_held_by_another_worker_is_not_sent_again(smtp, frontline):
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    OutboundMail.objects.filter(pk=mail.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=60), attempts=1
    )
    assert mail_services.mail_send(mail_id=mail.pk) == "skipped"
    assert mail_services.mail_send_due() == {}
    later = timezone.now() + timedelta(minutes=3)  # that worker died: its lease ended
    assert mail_services.mail_send(mail_id=mail.pk, now=later) == "sent"
    assert len(smtp.messages) == 1
    assert list(MailAttempt.objects.values_list("number", flat=True)) == [2]


def test_a_5xx_refusal_fails_the_mail_and_tells_staff_on_the_complaint(smtp, frontline):
    smtp.rcpt_reply = "550 5.1.1 No such user here"
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    assert mail_services.mail_send(mail_id=mail.pk) == "failed"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == ("failed", 1) and mail.failed_at
    attempt = mail.attempt_log.get()
    assert (attempt.outcome, attempt.smtp_code) == ("failed", 550)
    note = Message.objects.filter(complaint=complaint, visibility=Visibility.INTERNAL).last()
    assert note.kind == MessageKind.SYSTEM
    assert "did not get our email" in note.body and complaint.customer.email in note.body
    assert "550" in note.body
    assert OutboundMail.objects.count() == 1  # the note is internal: no mail about the mail
    assert smtp.messages == []
    assert mail_services.mail_send_due() == {}  # failed for good: never retried


def test_a_5xx_on_the_message_itself_fails_it_too(smtp, frontline):
    smtp.data_reply = "554 5.6.0 Message rejected"
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    assert mail_services.mail_send(mail_id=mail.pk) == "failed"
    assert mail.attempt_log.get().smtp_code == 554


def test_a_4xx_is_retried_with_exponential_backoff_until_the_attempts_run_out(
    smtp, frontline, settings
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.MAIL_CUSTOMER_MAX_ATTEMPTS = 3
    smtp.rcpt_reply = "451 4.3.0 Try again later"
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()

    start = timezone.now()
    assert mail_services.mail_send(mail_id=mail.pk, now=start) == "retry"
    mail.refresh_from_db()
    first_wait = mail.next_attempt_at - start
    assert mail.status == "pending" and timedelta(seconds=59) < first_wait < timedelta(seconds=70)
    assert mail_services.mail_send(mail_id=mail.pk, now=start) == "skipped"  # not due yet

    second = mail.next_attempt_at
    assert mail_services.mail_send_due(now=second) == {"retry": 1}
    mail.refresh_from_db()
    assert timedelta(seconds=119) < mail.next_attempt_at - second < timedelta(seconds=130)

    assert mail_services.mail_send_due(now=mail.next_attempt_at) == {"failed": 1}
    mail.refresh_from_db()
    assert mail.status == "failed"
    assert list(mail.attempt_log.values_list("number", "outcome", "smtp_code")) == [
        (1, "retry", 451),
        (2, "retry", 451),
        (3, "failed", 451),
    ]
    note = Message.objects.filter(complaint=complaint, kind=MessageKind.SYSTEM).last()
    assert "after 3 attempts" in note.body
    assert smtp.messages == []


def test_a_4xx_that_clears_is_sent_on_the_retry(smtp, frontline):
    smtp.rcpt_reply = "451 4.3.0 Try again later"
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    assert mail_services.mail_send(mail_id=mail.pk) == "retry"
    smtp.rcpt_reply = None
    mail.refresh_from_db()
    assert mail_services.mail_send(mail_id=mail.pk, now=mail.next_attempt_at) == "sent"
    assert len(smtp.messages) == 1
    assert list(mail.attempt_log.values_list("outcome", flat=True)) == ["retry", "sent"]


def test_a_mail_server_that_is_down_is_a_retry(settings, frontline):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    assert mail_services.mail_send(mail_id=mail.pk) == "retry"
    assert mail.attempt_log.get().smtp_code is None


def test_a_remedy_that_waited_for_approval_is_mailed_as_the_remedy(frontline, manager):
    from compensation import services as compensation

    complaint = factories.complaint_in("apologized")
    outcome = compensation.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=complaint.pk,
        actor=frontline,
        message="We refund the full 400 EUR.",
        root_cause="Faulty batch",
        items=[{"kind": "refund", "amount": "400.00", "currency": "EUR"}],
    )
    assert not outcome.granted
    assert not OutboundMail.objects.filter(kind="remedy").exists()  # nothing promised yet
    compensation.compensation_approve(request_id=outcome.requests[0].pk, actor=manager)
    remedy = OutboundMail.objects.get(kind="remedy")
    assert remedy.message.body == "We refund the full 400 EUR."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_both_send_one_mail(smtp, frontline):
    from tests.concurrency import after, race

    complaint = factories.complaint_new()
    acknowledge(complaint, frontline)
    mail = OutboundMail.objects.get()
    # A has claimed the mail and is about to send it when B tries the same mail.
    outcome = race(
        lambda: mail_services.mail_send(mail_id=mail.pk),
        lambda: mail_services.mail_send(mail_id=mail.pk),
        gate=after(mail_services, "mail_render"),
    )
    assert (outcome.first, outcome.second) == ("sent", "skipped")
    assert len(smtp.messages) == 1
    assert MailAttempt.objects.filter(mail=mail).count() == 1


def test_a_long_thread_keeps_its_root_and_newest_references(frontline):
    complaint = factories.complaint_in("acknowledged")
    for n in range(25):
        services.message_add(complaint_id=complaint.pk, actor=frontline, body=f"Update {n}.")
    mails = list(OutboundMail.objects.filter(complaint=complaint).order_by("pk"))
    references = mails[-1].references.split()
    assert len(references) == mail_services.MAX_REFERENCES
    assert references[0] == mails[0].msgid  # the root: the acknowledgement
    assert references[-1] == mails[-2].msgid == mails[-1].in_reply_to


def test_every_customer_mail_carries_the_customers_link(smtp, frontline, client):
    complaint = factories.complaint_in("remedied", customer_language="bg")
    mail_services.mail_send_due()
    url = portal_selectors.customer_url(complaint_id=complaint.pk)
    assert url
    sent = [m for _, m in smtp.messages]
    assert len(sent) == 3  # acknowledgement, apology, remedy
    for message in sent:
        assert url in parts(message)["text/plain"]
        assert f'href="{url}"' in parts(message)["text/html"]
    assert "Следете оплакването си" in parts(sent[0])["text/plain"]
    assert client.get(url.split("8000", 1)[1]).status_code == 200
