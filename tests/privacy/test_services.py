"""Anonymising and exporting one customer (privacy.services, privacy.export)."""

import io
import json
import zipfile
from decimal import Decimal

import pgtrigger
import pytest
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.models import CompensationRequest
from complaints import services as complaint_services
from complaints.models import Complaint, Customer, Message, TransitionLog
from core.errors import ConflictError, NotPermittedError
from mail.models import InboundMail
from privacy import export
from privacy.models import PersonalDataLog
from privacy.services import REMOVED, customer_anonymise, scrubber
from tests.factories import complaint_in
from webhooks.models import OutboxEvent, OutboxMail


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


CORA = {
    "customer_name": "Cora Nutley",
    "customer_email": "cora@example.com",
    "customer_phone": "+49 30 1234",
    "customer_external_ref": "shop-77",
    "subject": "Coconut opener missing, Cora Nutley",
    "description": "I am Cora, call me on +49 30 1234. Taken for a ride!",
}


def _cora_remedied(frontline):
    complaint = complaint_in("remedied", **CORA)
    complaint_services.message_add(
        complaint_id=complaint.pk,
        actor=frontline,
        body="Internal: Cora Nutley called again from +49 30 1234.",
        visibility="internal",
    )
    CompensationRequest.objects.create(
        complaint=complaint,
        customer=complaint.customer,
        kind="gift",
        amount="5.00",
        currency="EUR",
        requested_by=frontline,
        status="granted",
        required_tier="frontline",
        note="Gift for Cora",
    )
    return Complaint.objects.get(pk=complaint.pk)


def test_scrubber_cuts_identifiers_on_word_boundaries():
    scrub = scrubber(["Cora Nutley", "Cora", "cora@example.com", "王芳"])
    assert scrub("Dear Cora, about Coral reefs") == f"Dear {REMOVED}, about Coral reefs"
    assert scrub("CORA NUTLEY wrote from cora@example.com") == f"{REMOVED} wrote from {REMOVED}"
    assert scrub("王芳您好") == f"{REMOVED}您好"


@pytest.mark.django_db
def test_anonymise_removes_personal_data_and_keeps_the_facts(
    frontline, manager, django_capture_on_commit_callbacks
):
    complaint = _cora_remedied(frontline)
    customer = complaint.customer
    InboundMail.objects.create(
        complaint=complaint,
        msgid="<m1@example.com>",
        sender="cora@example.com",
        subject="Re: opener",
        raw=ContentFile(b"From: cora@example.com\r\n\r\nhello", name="m1.eml"),
    )
    raw_name = InboundMail.objects.get().raw.name
    storage = InboundMail.objects.get().raw.storage
    assert storage.exists(raw_name)
    note = OutboxMail.objects.create(
        to=["lead@example.com"],
        subject=f"[{complaint.reference}] Cora Nutley needs an answer",
        body=f"{complaint.reference}: Cora Nutley (cora@example.com) is waiting.",
    )
    OutboxEvent.objects.create(
        type="complaint.transitioned",
        payload={"complaint_id": complaint.pk, "reason": "Cora Nutley insists"},
        public={"complaint_id": complaint.pk, "note": "for shop-77"},
    )
    facts = (complaint.state, complaint.category, complaint.fault, complaint.root_cause)
    logs_before = TransitionLog.objects.filter(complaint=complaint).count()

    with pytest.raises(NotPermittedError):
        customer_anonymise(customer_id=customer.pk, actor=frontline)
    with django_capture_on_commit_callbacks(execute=True):
        result = customer_anonymise(customer_id=customer.pk, actor=manager, reason="DSR-1")

    customer.refresh_from_db()
    assert customer.anonymised_at is not None
    assert (customer.phone, customer.external_ref) == ("", "")
    assert "cora" not in customer.name.lower() and customer.email.endswith(".invalid")
    complaint.refresh_from_db()
    assert (complaint.subject, complaint.description, complaint.summary) == (REMOVED,) * 3
    assert (complaint.state, complaint.category, complaint.fault, complaint.root_cause) == facts
    everything = " ".join(
        [
            *Message.objects.filter(complaint=complaint).values_list("body", flat=True),
            *Message.objects.filter(complaint=complaint).values_list("author_label", flat=True),
            *(
                json.dumps(p)
                for p in TransitionLog.objects.filter(complaint=complaint).values_list(
                    "payload", flat=True
                )
            ),
            *TransitionLog.objects.filter(complaint=complaint).values_list("reason", flat=True),
            CompensationRequest.objects.get().note,
        ]
    )
    for needle in ("Cora", "Nutley", "1234", "cora@example.com", "shop-77", "Opener missing"):
        assert needle not in everything, needle
    # Kept: every audit row (plus one for the erasure), the amount, the staff's own words.
    assert TransitionLog.objects.filter(complaint=complaint).count() == logs_before + 1
    assert TransitionLog.objects.filter(complaint=complaint).latest("id").transition == "anonymise"
    assert CompensationRequest.objects.get().amount == Decimal("5.00")
    assert Message.objects.filter(complaint=complaint, body__contains="called again").exists()
    mail = InboundMail.objects.get()
    assert (mail.sender, mail.subject, mail.raw.name) == ("", "", "")
    events = json.dumps(
        list(OutboxEvent.objects.values_list("payload", "public")), cls=DjangoJSONEncoder
    )
    assert "Cora" not in events and "shop-77" not in events
    staff_mail = OutboxMail.objects.get(pk=note.pk)
    assert "Cora" not in staff_mail.body and complaint.reference in staff_mail.subject
    assert not storage.exists(raw_name)
    assert result.files == 1 and result.complaints == 1
    entry = PersonalDataLog.objects.get(action="anonymise")
    assert entry.reason == "DSR-1" and entry.actor == manager

    # Idempotent: a second run changes nothing.
    version = complaint.version
    again = customer_anonymise(customer_id=customer.pk, actor=manager)
    assert again.already
    assert Complaint.objects.get(pk=complaint.pk).version == version
    assert PersonalDataLog.objects.filter(action="anonymise").count() == 1


@pytest.mark.django_db
def test_anonymise_is_refused_while_a_complaint_is_open(manager):
    complaint = complaint_in("acknowledged", **CORA)
    with pytest.raises(ConflictError, match=complaint.reference):
        customer_anonymise(customer_id=complaint.customer_id, actor=manager)
    assert Customer.objects.get(pk=complaint.customer_id).name == "Cora Nutley"


@pytest.mark.django_db
def test_export_holds_the_public_timeline_and_internal_notes_only_when_asked(frontline, manager):
    complaint = _cora_remedied(frontline)
    InboundMail.objects.create(
        complaint=complaint,
        msgid="<m2@example.com>",
        sender="cora@example.com",
        raw=ContentFile(b"From: cora@example.com\r\n\r\nthe original", name="m2.eml"),
    )

    def unpack(include_internal):
        name, chunks = export.customer_export(
            customer_id=complaint.customer_id, actor=manager, include_internal=include_internal
        )
        assert name.endswith(".zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
        return archive, json.loads(archive.read("customer.json"))

    archive, data = unpack(False)
    assert data["customer"]["email"] == "cora@example.com"
    [exported] = data["complaints"]
    assert exported["description"] == CORA["description"]
    bodies = [m["body"] for m in exported["timeline"]]
    assert CORA["description"] in bodies
    assert not any("called again" in b for b in bodies)
    assert exported["compensation"][0]["amount"] == "5.00"
    assert archive.read(f"mail/{complaint.reference}/{InboundMail.objects.get().pk}.eml").endswith(
        b"the original"
    )
    _archive, full = unpack(True)
    assert any("called again" in m["body"] for m in full["complaints"][0]["timeline"])
    assert PersonalDataLog.objects.filter(action="export").count() == 2
    with pytest.raises(NotPermittedError):
        export.customer_export(customer_id=complaint.customer_id, actor=frontline)


@pytest.mark.django_db
def test_export_data_reads_a_fixed_number_of_queries(frontline):
    first = _cora_remedied(frontline)

    def count():
        with CaptureQueriesContext(connection) as queries:
            export.customer_export_data(customer_id=first.customer_id, include_internal=True)
        return len(queries)

    one = count()
    complaint_in("remedied", **{**CORA, "subject": "Second"})
    complaint_in("remedied", **{**CORA, "subject": "Third"})
    assert count() == one


@pytest.mark.django_db
def test_anonymise_scrubs_what_staff_typed_into_system_notes(frontline, manager):
    """A system note keeps what staff typed in its parameters ("Approved: {note}"): the
    customer's name goes from there too, in messages, log rows and decision notes."""
    complaint = _cora_remedied(frontline)
    typed = {"note": "Cora Nutley is a regular, refund her"}
    Message.objects.create(
        complaint=complaint,
        kind="staff",
        visibility="internal",
        body="Approved: Cora Nutley is a regular, refund her",
        note_code="approved",
        note_params=typed,
    )
    TransitionLog.objects.create(
        complaint=complaint,
        transition="approve",
        from_state="escalated",
        to_state="remedied",
        actor_label="lead",
        reason="Approved: Cora Nutley is a regular, refund her",
        reason_code="approved",
        reason_params=typed,
    )
    # A decided request is frozen by the audit trigger (PostgreSQL): the fixture alone may.
    with pgtrigger.ignore("compensation.CompensationRequest:audit_update"):
        CompensationRequest.objects.filter(complaint=complaint).update(
            decision_note="Approved: Cora Nutley is a regular",
            decision_note_code="approved",
            decision_note_params=typed,
        )

    customer_anonymise(customer_id=complaint.customer_id, actor=manager, reason="DSR-2")

    stored = json.dumps(
        [
            *Message.objects.filter(complaint=complaint).values_list("note_params", flat=True),
            *TransitionLog.objects.filter(complaint=complaint).values_list(
                "reason_params", flat=True
            ),
            *CompensationRequest.objects.values_list("decision_note_params", flat=True),
        ],
        ensure_ascii=False,
    )
    assert "is a regular" in stored  # the staff's own words stay
    assert "Cora" not in stored and "Nutley" not in stored


@pytest.mark.django_db
def test_anonymise_deletes_the_customers_files_but_not_bytes_another_customer_shares(
    frontline, manager, django_capture_on_commit_callbacks
):
    from complaints.models import Attachment
    from complaints.services.attachments import Upload

    def upload(name: str, content: bytes) -> Upload:
        return Upload(filename=name, size=len(content), content=content)

    cora = _cora_remedied(frontline)
    other = complaint_in("venting", customer_name="Olaf Berg", customer_email="olaf@example.com")
    complaint_services.message_add(
        complaint_id=cora.pk,
        actor=frontline,
        body="Her receipt and the common form.",
        files=[upload("receipt.txt", b"Receipt of Cora Nutley"), upload("form.txt", b"FORM v1")],
    )
    complaint_services.message_add(
        complaint_id=other.pk,
        actor=frontline,
        body="The form.",
        files=[upload("f.txt", b"FORM v1")],
    )
    receipt = Attachment.objects.get(filename="receipt.txt")
    kept = Attachment.objects.get(message__complaint=other)
    storage = receipt.file.storage
    assert kept.file.name == Attachment.objects.get(filename="form.txt").file.name  # one copy

    with django_capture_on_commit_callbacks(execute=True):
        result = customer_anonymise(customer_id=cora.customer_id, actor=manager, reason="DSR-3")

    assert not Attachment.objects.filter(message__complaint=cora).exists()
    assert not storage.exists(receipt.file.name)
    assert storage.exists(kept.file.name)  # Olaf's attachment keeps its bytes
    assert Attachment.objects.filter(pk=kept.pk).exists()
    assert result.files == 1
