"""Inbound mail (DESIGN §9): one service from raw bytes to work on a complaint, or to nothing.

Pinned: any charset and transfer encoding reads as the customer wrote it; HTML-only mail becomes
text with no script; a reply threads by In-Reply-To or by the subject's reference from the
customer's own address (not from another's); a reply within the reopen window reopens a
remedied complaint; anything else is a new complaint in venting, channel email; the original is
kept; automatic mail and bounces create no work, a bounce marks the address and fails our mail,
and no mail is sent to a bouncing address; the same Message-ID is ingested once; too big,
rate-limited and malformed mail is quarantined with its reason; O(1) queries per mail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint, Customer, Message, MessageKind, State
from mail import services as mail_services
from mail.inbound import mail_ingest
from mail.models import BouncingAddress, InboundMail, MailStatus, OutboundMail
from tests import factories
from tests.mail.inbound_eml import dsn, eml

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_FROM = "Redress care <care@shop.example>"


def ingest(raw: bytes):
    return mail_ingest(raw=raw, source="test")


# --- new complaints, in every charset -------------------------------------------------------

CASES = [
    ("gb2312", "base64", "我买的椰子没有开椰器，请尽快处理。", "开椰器不见了"),
    ("big5", "quoted-printable", "我買的椰子沒有開椰器，請盡快處理。", "開椰器不見了"),
    ("tis-620", "base64", "มะพร้าวที่ซื้อมาไม่มีที่เปิด กรุณาช่วยด้วย", "ไม่มีที่เปิดมะพร้าว"),
    ("windows-1251", "quoted-printable", "Кокосите пристигнаха без отварачка.", "Липсва отварачка"),
    ("utf-8", "quoted-printable", "Ça ne va pas : l'ouvre-coco manque — 😞", "Ouvre-coco manquant"),
    ("utf-8", "base64", "Die Öffnung fehlt. Grüße", "Öffner fehlt"),
]


@pytest.mark.parametrize("charset,cte,body,subject", CASES)
def test_new_mail_in_any_charset_is_a_venting_complaint_in_the_customers_words(
    charset, cte, body, subject
):
    raw = eml(body=body, subject=subject, charset=charset, cte=cte, subject_charset=charset)
    result = ingest(raw)
    assert result.outcome == "complaint" and result.kind == "ingested"
    complaint = Complaint.objects.select_related("customer").get(pk=result.complaint_id)
    assert complaint.state == State.VENTING
    assert complaint.channel == "email"
    assert complaint.subject == subject
    assert complaint.description == body  # verbatim
    assert complaint.customer.email == "ann@example.com"
    assert complaint.customer.name == "Ann Lee"
    first = complaint.messages.get()
    assert first.kind == MessageKind.CUSTOMER and first.body == body
    row = InboundMail.objects.get(msgid="<m1@client.example>")
    assert row.complaint_id == complaint.pk and row.message_id == first.pk
    assert row.outcome == "complaint"


def test_display_name_in_rfc2047_is_decoded_and_the_original_bytes_are_kept():
    raw = eml(sender="=?utf-8?b?5byg5Lyf?= <zhang@example.com>", body="你好")
    result = ingest(raw)
    assert Customer.objects.get(email="zhang@example.com").name == "张伟"
    row = InboundMail.objects.get(pk=result.inbound_id)
    with default_storage.open(row.raw.name, "rb") as f:
        assert f.read() == raw
    assert row.size == len(raw)


def test_html_only_mail_becomes_safe_text():
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>My opener is <b>missing</b> &amp; the box was open.</p>"
        "<div>Please help<br>Ann</div><script>steal()</script></body></html>"
    )
    result = ingest(eml(body=html, html=True, cte="quoted-printable"))
    description = Complaint.objects.get(pk=result.complaint_id).description
    assert "My opener is missing & the box was open." in description
    assert "Please help\nAnn" in description
    for junk in ("<", ">", "alert", "steal", "color:red"):
        assert junk not in description


def test_a_new_complaint_keeps_the_whole_text_a_forward_included():
    body = (
        "This is what the shop sent me:\n\n"
        "---------- Forwarded message ---------\nFrom: Shop <orders@shop.example>\n"
        "Subject: Your order\n\nOne opener included.\n"
    )
    result = ingest(eml(body=body))
    assert Complaint.objects.get(pk=result.complaint_id).description == body.rstrip()


# --- replies --------------------------------------------------------------------------------


def _acknowledged():
    complaint = factories.complaint_in("acknowledged", customer_email="ann@example.com")
    return complaint, OutboundMail.objects.get(complaint=complaint)


def test_reply_by_in_reply_to_is_the_customers_message_with_the_quote_stripped():
    complaint, out = _acknowledged()
    body = (
        "Thank you, but the box is still missing.\n\n"
        "-- \nAnn Lee\n+66 1234\n\n"
        "On Tue, 1 Dec 2026 at 10:00, Redress care <care@shop.example> wrote:\n"
        "> We understand and will answer by Thursday.\n"
    )
    raw = eml(
        body=body,
        subject=f"Re: [{complaint.reference}] Coconut opener missing",
        msgid="<reply1@client.example>",
        headers={"In-Reply-To": out.msgid, "References": out.msgid},
    )
    result = ingest(raw)
    assert result.outcome == "message" and result.complaint_id == complaint.pk
    message = Message.objects.filter(complaint=complaint).order_by("-pk").first()
    assert message.kind == MessageKind.CUSTOMER and message.visibility == "public"
    assert message.body == "Thank you, but the box is still missing."
    assert message.author_id is None
    row = InboundMail.objects.get(msgid="<reply1@client.example>")
    assert row.message_id == message.pk
    with default_storage.open(row.raw.name, "rb") as f:
        assert b"We understand" in f.read()  # the original, quote and all
    assert Complaint.objects.count() == 1
    # The customer's words are not mailed back to them.
    assert OutboundMail.objects.filter(complaint=complaint).count() == 1


@pytest.mark.parametrize(
    "quote",
    [
        "在 2026年12月1日 10:00，Redress care <care@shop.example> 写道：\n> 我们理解。\n",
        "於 2026年12月1日 週二 10:00，Redress care <care@shop.example> 寫道：\n> 我們理解。\n",
        "เมื่อ อ. 1 ธ.ค. 2026 10:00 Redress care <care@shop.example> เขียนว่า:\n> เราเข้าใจ\n",
        "На вт, 1.12.2026 г. в 10:00 ч. Redress care <care@shop.example> написа:\n> Разбираме.\n",
        "-----Original Message-----\nFrom: care@shop.example\nSent: Tuesday\n\nWe understand.\n",
        "发件人: Redress care <care@shop.example>\n发送时间: 2026年12月1日\n主题: Re\n\n我们理解。\n",
        "> We understand.\n> Bye\n",
    ],
)
def test_quote_headers_in_our_customers_languages_are_stripped(quote):
    complaint, out = _acknowledged()
    raw = eml(body=f"还是没有收到。\n\n{quote}", headers={"In-Reply-To": out.msgid})
    ingest(raw)
    assert Message.objects.filter(complaint=complaint).order_by("-pk")[0].body == "还是没有收到。"


def test_reply_by_subject_reference_from_the_customers_address_threads():
    complaint, _out = _acknowledged()
    raw = eml(subject=f"Re: [{complaint.reference}] opener", body="Any news?", msgid="<s1@x>")
    result = ingest(raw)
    assert result.outcome == "message" and result.complaint_id == complaint.pk
    assert Complaint.objects.count() == 1


def test_subject_reference_from_another_address_is_a_new_complaint():
    complaint, _out = _acknowledged()
    raw = eml(
        sender="Mallory <mallory@evil.example>",
        subject=f"Re: [{complaint.reference}] opener",
        body="Cancel everything.",
        msgid="<s2@x>",
    )
    result = ingest(raw)
    assert result.outcome == "complaint" and result.complaint_id != complaint.pk
    assert not complaint.messages.filter(body="Cancel everything.").exists()


def test_reply_to_a_later_customer_mail_threads_by_its_inbound_msgid():
    first = ingest(eml(msgid="<first@x>"))
    second = ingest(eml(msgid="<second@x>", body="More!", headers={"References": "<first@x>"}))
    assert second.outcome == "message" and second.complaint_id == first.complaint_id


def test_reply_to_a_remedied_complaint_within_the_window_reopens_it():
    complaint = factories.complaint_in("remedied", customer_email="ann@example.com")
    out = OutboundMail.objects.filter(complaint=complaint).last()
    raw = eml(body="It broke again.", headers={"In-Reply-To": out.msgid}, msgid="<r@x>")
    result = ingest(raw)
    assert result.outcome == "reopened"
    complaint.refresh_from_db()
    assert complaint.state == State.VENTING and complaint.reopen_count == 1
    message = complaint.messages.order_by("-pk").first()
    assert message.kind == MessageKind.CUSTOMER and message.body == "It broke again."
    assert InboundMail.objects.get(msgid="<r@x>").message_id == message.pk


def test_reply_to_a_remedied_complaint_after_the_window_is_only_a_message(settings):
    settings.MAIL_REOPEN_WINDOW_DAYS = 30
    complaint = factories.complaint_in("remedied", customer_email="ann@example.com")
    Complaint.objects.filter(pk=complaint.pk).update(
        state_changed_at=timezone.now() - timedelta(days=31)
    )
    out = OutboundMail.objects.filter(complaint=complaint).last()
    result = ingest(eml(body="Thanks!", headers={"In-Reply-To": out.msgid}))
    assert result.outcome == "message"
    complaint.refresh_from_db()
    assert complaint.state == State.REMEDIED and complaint.reopen_count == 0


# --- no loops, no junk ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers,sender",
    [
        ({"Auto-Submitted": "auto-replied"}, "Ann Lee <ann@example.com>"),
        ({"Precedence": "bulk"}, "Ann Lee <ann@example.com>"),
        ({"Precedence": "auto_reply"}, "Ann Lee <ann@example.com>"),
        ({"Precedence": "list"}, "Ann Lee <ann@example.com>"),
        ({"X-Autoreply": "yes"}, "Ann Lee <ann@example.com>"),
        ({"X-Autorespond": "Out of office"}, "Ann Lee <ann@example.com>"),
        ({"List-Id": "<news.shop.example>"}, "News <news@shop.example>"),
        ({}, "MAILER-DAEMON@mx.example"),
        ({}, "postmaster@example.com"),
        ({}, "noreply@example.com"),
        ({}, "Redress care <care@shop.example>"),  # our own mail, looped back
    ],
)
def test_automatic_mail_creates_and_reopens_nothing(headers, sender):
    complaint = factories.complaint_in("remedied", customer_email="ann@example.com")
    out = OutboundMail.objects.filter(complaint=complaint).last()
    before = Message.objects.count()
    result = ingest(eml(sender=sender, headers={**headers, "In-Reply-To": out.msgid}))
    assert result.kind == "ignored"
    assert result.reason
    assert Complaint.objects.count() == 1 and Message.objects.count() == before
    complaint.refresh_from_db()
    assert complaint.state == State.REMEDIED
    row = InboundMail.objects.get(msgid="<m1@client.example>")
    assert row.outcome == "ignored" and row.raw.name


def test_auto_submitted_no_is_a_person_writing():
    result = ingest(eml(headers={"Auto-Submitted": "no"}))
    assert result.outcome == "complaint"


def test_delivery_report_marks_the_address_bouncing_and_fails_our_mail(smtp):
    complaint, out = _acknowledged()
    OutboundMail.objects.filter(pk=out.pk).update(status=MailStatus.SENT)
    result = ingest(dsn(recipient="ann@example.com", original_msgid=out.msgid))
    assert result.outcome == "bounce" and result.kind == "ingested"
    assert BouncingAddress.objects.filter(email="ann@example.com").exists()
    out.refresh_from_db()
    assert out.status == MailStatus.FAILED and "550" in out.last_error
    note = complaint.messages.filter(visibility="internal").order_by("-pk").first()
    assert "bounces" in note.body
    assert Complaint.objects.count() == 1
    assert complaint.messages.filter(kind=MessageKind.CUSTOMER).count() == 1  # intake only

    # The next mail to that address is not sent: it fails at once, and staff are told.
    from complaints import services

    services.complaint_apologize(
        complaint_id=complaint.pk, actor=factories._staff("fl", "frontline"), message="Sorry.",
        fault="company",
    )  # fmt: skip
    apology = OutboundMail.objects.filter(complaint=complaint).order_by("-pk").first()
    assert mail_services.mail_send(mail_id=apology.pk) == "failed"
    assert smtp.messages == []
    apology.refresh_from_db()
    assert apology.status == MailStatus.FAILED and "bouncing" in apology.last_error


def test_same_message_id_twice_is_ingested_once():
    first = ingest(eml())
    second = ingest(eml(body="a resend"))
    assert first.outcome == "complaint" and second.outcome == "duplicate"
    assert second.kind == "duplicate"
    assert Complaint.objects.count() == 1 and InboundMail.objects.count() == 1


def test_a_mail_without_message_id_is_keyed_by_its_bytes():
    raw = eml(msgid=None)
    assert ingest(raw).outcome == "complaint"
    assert ingest(raw).outcome == "duplicate"
    # Other bytes are another mail: no thread headers, no reference, so another complaint.
    assert ingest(eml(msgid=None, body="other words")).outcome == "complaint"
    assert Customer.objects.count() == 1


def test_too_big_is_quarantined_with_the_reason(settings):
    settings.MAIL_INBOUND_MAX_BYTES = 1000
    result = ingest(eml(body="x" * 2000))
    assert result.kind == "quarantined" and "Too big" in result.reason
    assert Complaint.objects.count() == 0
    row = InboundMail.objects.get()
    assert row.outcome == "quarantined" and row.msgid == "<m1@client.example>"
    assert default_storage.exists(row.raw.name)


def test_rate_limit_per_sender_quarantines(settings):
    settings.MAIL_INBOUND_PER_SENDER_PER_HOUR = 3
    outcomes = [ingest(eml(msgid=f"<n{i}@x>", body=f"mail {i}")).kind for i in range(5)]
    assert outcomes == ["ingested"] * 3 + ["quarantined"] * 2
    assert "Rate limit" in InboundMail.objects.get(msgid="<n4@x>").reason
    assert ingest(eml(sender="bob@example.com", msgid="<b@x>")).kind == "ingested"


@pytest.mark.parametrize(
    "raw,why",
    [
        (eml(sender=""), "no sender"),
        (eml(sender="not an address"), "no sender"),
        (
            eml(charset="latin-1", body="été déjà", cte="base64").replace(
                b"charset=latin-1", b"charset=x-unknown"
            ),
            None,
        ),
        (b"\x00\xff\xfe garbage without headers", "no sender"),
    ],
)  # fmt: skip
def test_malformed_mail_is_quarantined_never_a_crash(raw, why):
    result = ingest(raw)
    if why is None:  # an unknown charset whose bytes are not UTF-8 either
        assert result.kind == "quarantined"
        assert "character set" in result.reason or "decode" in result.reason
    else:
        assert result.kind == "quarantined" and why in result.reason
    assert Complaint.objects.count() == 0
    assert InboundMail.objects.get().outcome == "quarantined"


def test_ingesting_takes_a_bounded_number_of_queries_whatever_the_thread_length():
    complaint, out = _acknowledged()
    short = eml(body="Still waiting.", headers={"References": out.msgid}, msgid="<q0@x>")
    refs = " ".join(f"<old{i}@x>" for i in range(40)) + f" {out.msgid}"
    long = eml(body="Still waiting!", headers={"References": refs}, msgid="<q1@x>")
    with CaptureQueriesContext(connection) as short_queries:
        assert ingest(short).outcome == "message"
    with CaptureQueriesContext(connection) as reply_queries:
        assert ingest(long).outcome == "message"
    with CaptureQueriesContext(connection) as new_queries:
        assert ingest(eml(sender="new@example.com", msgid="<q2@x>")).outcome == "complaint"
    assert len(reply_queries) == len(short_queries)
    assert len(reply_queries) <= 20, [q["sql"] for q in reply_queries]
    assert len(new_queries) <= 30, [q["sql"] for q in new_queries]


def test_reply_to_a_complaint_whose_limits_were_set_is_only_a_message():
    complaint = factories.complaint_in("limit_set", customer_email="ann@example.com")
    raw = eml(subject=f"Re: [{complaint.reference}] opener", body="I disagree.", msgid="<l@x>")
    result = ingest(raw)
    assert result.outcome == "message"
    complaint.refresh_from_db()
    assert complaint.state == State.LIMIT_SET and complaint.reopen_count == 0


def test_relayed_customer_words_are_never_an_internal_note():
    from complaints import services
    from core.errors import NotPermittedError

    complaint = factories.complaint_in("venting")
    with pytest.raises(NotPermittedError):
        services.message_add(
            complaint_id=complaint.pk,
            actor=None,
            body="x",
            visibility="internal",
            customer_label="Ann Lee",
        )
    assert complaint.messages.count() == 1


def test_a_reply_to_a_merged_complaint_lands_on_the_one_it_was_merged_into():
    duplicate, _out = _acknowledged()
    survivor = factories.complaint_in("venting", customer_email="ann@example.com")
    agent = factories.UserFactory(username="merger", groups=["frontline"])
    from complaints import services as complaint_services

    complaint_services.complaint_merge(complaint_id=duplicate.pk, into_id=survivor.pk, actor=agent)
    raw = eml(subject=f"Re: [{duplicate.reference}] opener", body="Any news?", msgid="<m1@x>")
    result = ingest(raw)
    assert result.outcome == "message" and result.complaint_id == survivor.pk
