"""Sending a letter: rendered from the regime's text, checked for what the regime requires,
sent as a public message (mailed) with its PDF, logged, the clock met — or refused with one 422
naming each missing item and nothing written. Template edits by managers, each one logged."""

from __future__ import annotations

import pytest
from django.utils import timezone

from complaints.models import Attachment, Message
from core.errors import NotPermittedError, RuleViolationError
from letters import services
from letters.models import Letter, LetterTemplate, LetterTemplateChange
from mail.models import OutboundMail
from tests.factories import complaint_in
from tests.letters.conftest import FCA, FOS, FOS_SITE, clocks, remedied

pytestmark = pytest.mark.django_db


def test_a_final_response_says_all_it_must_and_goes_out_as_a_pdf(frontline):
    c = remedied(frontline)
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="final_response")
    body = letter.message.body
    for needed in (
        "Partly upheld",
        "The card was charged twice.",
        "Refund: 20.00 EUR",
        "Voucher: 5.00 EUR",
        FOS,
        FOS_SITE,
        "within six months",
        "We do not consent",
    ):
        assert needed in body, needed
    assert letter.checked == [
        "outcome",
        "reasons",
        "redress",
        "ombudsman_name",
        "ombudsman_website",
        "referral_right",
        "waiver",
    ]
    assert (letter.regime, letter.source, letter.message.visibility) == (
        "uk_fca_disp",
        "standard",
        "public",
    )
    (pdf,) = letter.message.attachments.all()
    assert pdf.content_type == "application/pdf"
    assert pdf.file.open("rb").read(5) == b"%PDF-"
    assert OutboundMail.objects.filter(message=letter.message).count() == 1
    # Remedying closed neither FCA clock (closing is no stop event there); the letter met both.
    assert clocks(c) == {"reg_final_response": "met", "reg_summary_window": "met"}


def test_a_final_response_without_the_facts_is_refused_naming_each_and_writes_nothing(frontline):
    c = complaint_in("apologized", category=FCA)  # no outcome, no reasons, no redress yet
    messages = Message.objects.count()
    with pytest.raises(RuleViolationError) as refused:
        services.letter_send(complaint_id=c.pk, actor=frontline, kind="final_response")
    # Redress is owed only once an outcome upholds the complaint: with none, outcome is missing.
    assert list(refused.value.fields) == ["outcome", "reasons"]
    assert "not recorded" in refused.value.fields["outcome"][0]
    assert Message.objects.count() == messages
    assert not Letter.objects.exists() and not Attachment.objects.exists()
    assert "met" not in clocks(c).values()


def test_free_text_is_checked_for_the_same_items(frontline):
    c = remedied(frontline)
    text = (
        "Dear {{ customer_name }}, our decision: {{ outcome }}. {{ outcome_reason }}\n"
        "{{ redress }}\nThe ombudsman: {{ ombudsman_name }}, {{ ombudsman_website }}.\n"
        "{{ referral_right }}"
    )
    with pytest.raises(RuleViolationError) as refused:
        services.letter_send(complaint_id=c.pk, actor=frontline, kind="final_response", body=text)
    assert list(refused.value.fields) == ["waiver"]
    assert "{{ waiver }}" in refused.value.fields["waiver"][0]
    letter = services.letter_send(
        complaint_id=c.pk, actor=frontline, kind="final_response", body=text + "\n{{ waiver }}"
    )
    assert letter.source == "free_text" and letter.message.body.count(FOS) >= 2


def test_not_upheld_owes_no_redress(frontline):
    c = remedied(frontline, outcome="not_upheld", reason="The charge was correct.")
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="final_response")
    assert "redress" not in letter.checked


def test_a_summary_resolution_must_say_resolved_and_the_referral_right(frontline):
    c = remedied(frontline)
    with pytest.raises(RuleViolationError) as refused:
        services.letter_send(
            complaint_id=c.pk, actor=frontline, kind="summary_resolution", body="All sorted."
        )
    assert list(refused.value.fields) == ["resolved", "referral_right"]
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="summary_resolution")
    assert "We consider your complaint resolved." in letter.message.body
    assert clocks(c)["reg_final_response"] == "met"


def test_an_unregulated_complaint_gets_its_letter_unchecked(frontline):
    c = complaint_in("acknowledged")
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="acknowledgement")
    assert (letter.regime, letter.checked) == ("none", [])
    assert c.reference in letter.message.body


def test_only_staff_send_letters(integration):
    c = complaint_in("acknowledged")
    with pytest.raises(NotPermittedError):
        services.letter_send(complaint_id=c.pk, actor=integration, kind="acknowledgement")


def test_a_managers_template_for_the_regime_and_language_wins_and_edits_are_logged(
    manager, frontline
):
    data = {
        "regime": "uk_fca_disp",
        "kind": "summary_resolution",
        "language": "en",
        "subject": "Resolved: {{ subject }}",
        "body": "Hello {{ customer_name }}. {{ resolved }} {{ referral_right }}",
    }
    template = services.letter_template_save(actor=manager, data=data)
    services.letter_template_save(
        actor=manager, data={**data, "body": data["body"] + " Bye."}, template_id=template.pk
    )
    services.letter_template_save(  # the same again: nothing changed, nothing logged
        actor=manager, data={**data, "body": data["body"] + " Bye."}, template_id=template.pk
    )
    changes = list(LetterTemplateChange.objects.order_by("id"))
    assert [ch.action for ch in changes] == ["created", "changed"]
    assert changes[1].before["body"].endswith("{{ referral_right }}")
    assert changes[1].after["body"].endswith("Bye.")
    with pytest.raises(NotPermittedError):
        services.letter_template_save(actor=frontline, data=data, template_id=template.pk)

    c = remedied(frontline)
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="summary_resolution")
    assert (letter.source, letter.template_id) == ("template", template.pk)
    assert letter.message.body.startswith(f"Resolved: {c.subject}\n\nHello ")
    assert LetterTemplate.objects.count() == 1


def test_a_summary_resolution_after_its_window_is_refused(frontline):
    from datetime import timedelta

    from escalation.models import Deadline

    c = remedied(frontline)
    window = Deadline.objects.filter(complaint=c, kind="reg_summary_window")
    assert window.exists()
    window.update(due_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(RuleViolationError) as refused:
        services.letter_send(complaint_id=c.pk, actor=frontline, kind="summary_resolution")
    assert list(refused.value.fields) == ["kind"]
    assert not Letter.objects.exists()
    final = services.letter_send(complaint_id=c.pk, actor=frontline, kind="final_response")
    assert final.kind == "final_response"


def test_the_customers_email_carries_the_letters_pdf(frontline, settings):
    from django.core import mail as outbox

    from mail import services as mail_services

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = complaint_in("acknowledged")
    letter = services.letter_send(complaint_id=c.pk, actor=frontline, kind="holding_reply")
    sent = OutboundMail.objects.get(message=letter.message)
    assert mail_services.mail_send(mail_id=sent.pk) == "sent"
    (email,) = [m for m in outbox.outbox if m.extra_headers["Message-ID"] == sent.msgid]
    (name, content, content_type) = email.attachments[0]
    assert (name, content_type) == (letter.message.attachments.get().filename, "application/pdf")
    assert content.startswith(b"%PDF-")
