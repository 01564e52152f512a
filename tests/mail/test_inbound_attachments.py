"""Files that come by mail: stored as attachments of the customer message the mail became, the
original kept beside them as message/rfc822 (staff only), refused ones (a program, however
named) noted for staff on the complaint — never dropped silently, never the mail lost."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import selectors
from complaints.models import Attachment, AttachmentKind, Complaint, MessageKind, Visibility
from mail.inbound import mail_ingest
from mail.models import InboundMail
from mail.parsing import mail_parse
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_FROM = "Redress care <care@shop.example>"


def mail_with(files, *, msgid="<att1@client.example>", subject="Broken coconut", html=True):
    """A mail as a phone sends it: text and HTML alternatives, then the files."""
    msg = EmailMessage()
    msg["From"] = "Ann Lee <ann@example.com>"
    msg["To"] = "care@shop.example"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content("The coconut arrived cracked, photo attached.")
    if html:
        msg.add_alternative("<p>The coconut arrived <b>cracked</b>, photo attached.</p>", "html")
    for name, content, ctype in files:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def test_the_files_of_a_new_mail_are_attachments_of_the_customers_message_with_the_original():
    photo = factories.png_bytes()
    raw = mail_with([("coconut.png", photo, "image/png"), ("order.txt", b"#5521", "text/plain")])
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "complaint"
    complaint = Complaint.objects.get(pk=result.complaint_id)
    message = complaint.messages.get(kind=MessageKind.CUSTOMER)
    files = list(message.attachments.order_by("id"))
    assert [(a.filename, a.content_type, a.kind) for a in files] == [
        ("coconut.png", "image/png", AttachmentKind.FILE),
        ("order.txt", "text/plain", AttachmentKind.FILE),
        (files[2].filename, "message/rfc822", AttachmentKind.ORIGINAL),
    ]
    assert files[0].thumbnail and files[0].size == len(photo)
    with files[2].file.open("rb") as f:
        assert f.read() == raw
    # InboundMail keeps its own original too (it has one for every mail, work or not)
    assert InboundMail.objects.get(pk=result.inbound_id).raw
    # the customer (their integration, their link) gets the files but not the original
    public = selectors.complaint_public_timeline(complaint=complaint)
    assert [a.filename for e in public for a in e.attachments] == ["coconut.png", "order.txt"]


def test_a_reply_with_a_file_lands_on_its_complaint():
    first = mail_ingest(raw=mail_with([], msgid="<a@client.example>"), source="test")
    complaint = Complaint.objects.get(pk=first.complaint_id)
    reply = EmailMessage()
    reply["From"] = "ann@example.com"
    reply["To"] = "care@shop.example"
    reply["Subject"] = f"Re: [{complaint.reference}] Broken coconut"
    reply["Message-ID"] = "<b@client.example>"
    reply["In-Reply-To"] = "<a@client.example>"
    reply.set_content("Here is the receipt.")
    reply.add_attachment(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        maintype="application",
        subtype="pdf",
        filename="receipt.pdf",
    )
    result = mail_ingest(raw=reply.as_bytes(), source="test")
    assert result.outcome == "message" and result.complaint_id == complaint.pk
    row = InboundMail.objects.get(pk=result.inbound_id)
    names = sorted(a.filename for a in row.message.attachments.filter(kind=AttachmentKind.FILE))
    assert names == ["receipt.pdf"]
    assert row.message.attachments.get(kind=AttachmentKind.FILE).content_type == "application/pdf"


def test_a_program_is_refused_noted_for_staff_and_the_rest_kept():
    raw = mail_with(
        [
            ("invoice.pdf.exe", factories.PE, "application/octet-stream"),
            ("photo.jpg", factories.ELF, "image/jpeg"),  # lies about being a picture
            ("coconut.png", factories.png_bytes(), "image/png"),
        ]
    )
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "complaint"
    complaint = Complaint.objects.get(pk=result.complaint_id)
    kept = Attachment.objects.filter(message__complaint=complaint, kind=AttachmentKind.FILE)
    assert [a.filename for a in kept] == ["coconut.png"]
    assert Attachment.objects.filter(kind=AttachmentKind.ORIGINAL).count() == 1
    note = complaint.messages.get(visibility=Visibility.INTERNAL)
    assert note.kind == MessageKind.SYSTEM
    assert "invoice.pdf.exe" in note.body and "photo.jpg" in note.body
    assert "program" in note.body


def test_parsing_finds_the_files_but_not_the_html_twin_of_the_text():
    raw = mail_with([("a.txt", b"a", "text/plain"), ("b.png", factories.png_bytes(), "image/png")])
    parsed = mail_parse(raw)
    assert [f.filename for f in parsed.files] == ["a.txt", "b.png"]
    assert parsed.text.startswith("The coconut arrived cracked")


def test_a_forwarded_mail_is_one_file():
    inner = mail_with([], msgid="<inner@shop.example>", subject="Your order", html=False)
    outer = EmailMessage()
    outer["From"] = "ann@example.com"
    outer["To"] = "care@shop.example"
    outer["Subject"] = "Fwd: Your order"
    outer["Message-ID"] = "<fwd@client.example>"
    outer.set_content("See the shop's mail below.")
    from email import message_from_bytes, policy

    outer.add_attachment(message_from_bytes(inner, policy=policy.default))
    parsed = mail_parse(outer.as_bytes())
    assert len(parsed.files) == 1 and parsed.files[0].filename == "forwarded.eml"
    assert b"Your order" in parsed.files[0].content


def test_ingest_query_count_does_not_grow_with_the_files():
    def queries(n: int, msgid: str) -> int:
        files = [(f"{i}.txt", f"file {i}".encode(), "text/plain") for i in range(n)]
        raw = mail_with(files, msgid=msgid, subject=f"Mail {msgid}")
        with CaptureQueriesContext(connection) as ctx:
            assert mail_ingest(raw=raw, source="test").outcome == "complaint"
        return len(ctx.captured_queries)

    queries(1, "<warm@client.example>")
    assert queries(1, "<one@client.example>") == queries(6, "<six@client.example>")
