"""The subject-access export (GDPR Art. 15) of one customer: JSON plus files, as a streamed ZIP.

What is in it (decided for Redress):
- `customer.json`: the customer's contact data; each complaint with what it records about them
  (subject, their own words, the key points, state and dates, fault, outcome, the promise), its
  public timeline (the customer's messages and the replies they were sent — staff named by
  their display label), the compensation given or asked for, and the emails sent to and
  received from them.
- Internal notes are staff's working notes (and often name colleagues — other people's data,
  Art. 15(4)): left out by default. `include_internal=True` adds them, for a reviewed full
  disclosure (the API's `?internal=true`, the admin's second export action).
- `attachments/<reference>/<id>-<name>`: files on the customer's complaints (once
  `complaints.Attachment` exists), and `mail/<reference>/<id>.eml`: the originals of the emails
  they sent us.
The ZIP is written as it is sent (`zip_stream`): a file at a time, in chunks, never the whole
archive in memory. Every export is logged (`PersonalDataLog`), with who asked for it.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from compensation import money
from compensation.models import CompensationRequest
from complaints import services as complaint_services
from complaints.models import Complaint, Customer, Message, Visibility
from core import roles
from core.errors import NotFoundError, NotPermittedError
from mail.models import InboundMail, OutboundMail
from privacy.models import PersonalDataAction, PersonalDataLog
from privacy.services import attachment_message_field, attachment_model, no_customer_message

CHUNK = 64 * 1024


def customer_export_data(*, customer_id: int, include_internal: bool = False) -> dict[str, Any]:
    """Everything the export's JSON holds. A fixed number of queries, whatever the number of
    complaints and messages."""
    try:
        customer = Customer.objects.get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(no_customer_message()) from None
    complaints = list(
        Complaint.objects.filter(customer=customer)
        .select_related("merged_into")
        .order_by("created_at", "pk")
    )
    ids = [c.pk for c in complaints]
    messages: dict[int, list[dict]] = {pk: [] for pk in ids}
    timeline = Message.objects.filter(complaint_id__in=ids)
    if not include_internal:
        timeline = timeline.filter(visibility=Visibility.PUBLIC)
    for m in timeline.order_by("created_at", "pk"):
        messages[m.complaint_id].append(
            {
                "at": m.created_at,
                "from": m.kind,
                "author": m.author_label,
                "visibility": m.visibility,
                "body": m.body,
            }
        )
    compensation: dict[int, list[dict]] = {pk: [] for pk in ids}
    for r in CompensationRequest.objects.filter(complaint_id__in=ids).order_by("created_at", "pk"):
        compensation[r.complaint_id].append(
            {
                "kind": r.kind,
                "amount": money.as_text(r.amount, r.currency),
                "currency": r.currency,
                "quantity": r.quantity,
                "status": r.status,
                "at": r.created_at,
                "decided_at": r.decided_at,
            }
        )
    sent: dict[int, list[dict]] = {pk: [] for pk in ids}
    for mail in OutboundMail.objects.filter(complaint_id__in=ids).order_by("pk"):
        sent[mail.complaint_id].append(
            {"to": mail.to, "subject": mail.subject, "status": mail.status, "kind": mail.kind}
        )
    received: dict[int, list[dict]] = {pk: [] for pk in ids}
    for mail in InboundMail.objects.filter(complaint_id__in=ids).order_by("pk"):
        received[mail.complaint_id].append(
            {"from": mail.sender, "subject": mail.subject, "received_at": mail.received_at}
        )
    return {
        "exported_at": timezone.now(),
        "internal_notes_included": include_internal,
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "external_ref": customer.external_ref,
            "language": customer.language,
            "created_at": customer.created_at,
            "anonymised_at": customer.anonymised_at,
        },
        "complaints": [
            {
                "reference": c.reference,
                "created_at": c.created_at,
                "channel": c.channel,
                "category": c.category,
                "subject": c.subject,
                "description": c.description,
                "summary": c.summary,
                "summary_confirmed": c.summary_confirmed,
                "state": c.state,
                "state_changed_at": c.state_changed_at,
                "fault": c.fault,
                "root_cause": c.root_cause,
                "promised_by": c.promised_by,
                "reopen_count": c.reopen_count,
                "merged_into": c.merged_into.reference if c.merged_into else None,
                "timeline": messages[c.pk],
                "compensation": compensation[c.pk],
                "emails_sent": sent[c.pk],
                "emails_received": received[c.pk],
            }
            for c in complaints
        ],
    }


def _files(customer_id: int) -> Iterator[tuple[str, Any]]:
    """(name in the ZIP, stored file) for the customer's attachments and original emails."""
    references = dict(
        Complaint.objects.filter(customer_id=customer_id).values_list("pk", "reference")
    )
    model = attachment_model()
    if model is not None:
        file_fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        fk = attachment_message_field(model)
        rows = model._base_manager.filter(
            **{f"{fk}__complaint_id__in": list(references)}
        ).select_related(fk)
        for row in rows.order_by("pk"):
            for f in file_fields:
                stored = getattr(row, f.attname)
                if stored and stored.name:
                    base = stored.name.rsplit("/", 1)[-1]
                    ref = references.get(getattr(row, fk).complaint_id, "complaint")
                    yield f"attachments/{ref}/{row.pk}-{base}", stored
    for mail in InboundMail.objects.filter(complaint_id__in=list(references)).order_by("pk"):
        if mail.raw and mail.raw.name:
            yield f"mail/{references.get(mail.complaint_id)}/{mail.pk}.eml", mail.raw


class _Sink:
    """A write-only file for `zipfile` that hands out what was written so far."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_stream(*, data: dict[str, Any], files: Iterator[tuple[str, Any]]) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: `customer.json` first, then each file as it is read."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        archive.writestr("customer.json", body.encode())
        yield sink.take()
        for name, stored in files:
            with stored.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def customer_export(
    *, customer_id: int, actor: Any, include_internal: bool = False, reason: str = ""
) -> tuple[str, Iterator[bytes]]:
    """Log the export and return (file name, the ZIP's chunks)."""
    refusal = roles.personal_data_refusal(actor)
    if refusal:
        raise NotPermittedError(refusal)
    data = customer_export_data(customer_id=customer_id, include_internal=include_internal)
    PersonalDataLog.objects.create(
        customer_id=customer_id,
        action=PersonalDataAction.EXPORT,
        actor=actor,
        actor_label=complaint_services.actor_display(actor, None),
        reason=reason[:500],
        details={
            "complaints": len(data["complaints"]),
            "internal_notes_included": include_internal,
        },
    )
    stamp = timezone.now().strftime("%Y%m%d")
    return f"customer-{customer_id}-{stamp}.zip", zip_stream(data=data, files=_files(customer_id))
