"""Anonymise one customer (right to erasure): `customer_anonymise`.

What is removed, and what is kept (decided for Redress, DESIGN §12):
- The customer row: name → "Anonymised customer <id>", email → an address under the reserved
  `.invalid` domain, phone and external_ref emptied; `anonymised_at` set. The row stays, so
  complaints, per-customer compensation limits and reports still count one customer.
- The customer's own words are replaced by `REMOVED`: every customer-authored message body, and
  the complaint's subject, description (their words verbatim) and key-point summary (their
  words restated). Category, severity, states, dates, amounts, fault, outcome and root cause are
  kept, so reports still add up.
- Text staff wrote (replies, internal notes, pause reasons, decision notes, remedy messages,
  audit reasons) stays, with the customer's identifiers — name (and each part of it), email,
  phone, external_ref — cut out of it (`scrub`).
- Audit rows (TransitionLog reason, actor label and payload; the compensation decision fields)
  are redacted only through `core.audit.audit_redact`, and only where they held personal text.
- Mail: outgoing mail rows get the anonymous address and no subject; incoming mails lose sender,
  subject and their stored original (the file, deleted after commit); the address leaves the
  bouncing list.
- The outbox: webhook events about their complaints and staff emails naming them are scrubbed
  of the customer's identifiers too.
- Attachments of the customer's complaints' messages, when the app that stores them exists
  (`complaints.Attachment`): their files are deleted from storage after commit, the rows with
  them. Looked up by `apps.get_model`, so this works before and after that model lands.
A customer with an open complaint is refused (409): close it first, so nobody is left waiting
for an answer sent to an address that no longer exists.
Each complaint gets an `anonymise` TransitionLog row (the erasure is audited where staff read
the history) and the customer a `PersonalDataLog` row. Running it twice changes nothing more.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compensation.models import CompensationRequest
from complaints import services as complaint_services
from complaints.models import OPEN_STATES, Customer, Message, MessageKind, TransitionLog
from core import roles
from core.audit import audit_redact
from core.errors import ConflictError, NotFoundError, NotPermittedError
from mail.models import BouncingAddress, InboundMail, MailAttempt, OutboundMail
from privacy.models import PersonalDataAction, PersonalDataLog
from webhooks.models import OutboxEvent, OutboxMail

log = logging.getLogger(__name__)

REMOVED = "[removed]"
# Payload keys of audit rows that hold the customer's words (acknowledge's summary, intake's
# contact data that was not stored, a subject edit): replaced whole.
PERSONAL_PAYLOAD_KEYS = frozenset({"summary", "customer_not_stored", "subject"})
ANONYMISE_STEP = "anonymise"


@dataclass
class AnonymiseResult:
    customer_id: int
    already: bool = False
    complaints: int = 0
    messages: int = 0
    audit_rows: int = 0
    files: int = 0
    details: dict[str, int] = field(default_factory=dict)


def anonymous_email(customer_id: int) -> str:
    return f"anonymised-{customer_id}@anonymised.invalid"


def identifiers_of(customer: Customer) -> list[str]:
    """What identifies the customer in free text: name and its parts, email, phone, ref."""
    values = [customer.name, customer.email, customer.phone, customer.external_ref]
    values += [part for part in re.split(r"\s+", customer.name or "") if len(part) >= 2]
    if customer.email and "@" in customer.email:
        values.append(customer.email.split("@", 1)[0])
    unique = {v.strip() for v in values if v and len(v.strip()) >= 2}
    return sorted(unique, key=len, reverse=True)  # the whole name before its parts


def scrubber(identifiers: Iterable[str]) -> Callable[[str], str]:
    """A function cutting every identifier out of a text (case-insensitive; on word boundaries
    for words in Latin script, anywhere for scripts without spaces, e.g. Chinese or Thai)."""
    patterns = []
    for value in sorted(set(identifiers), key=len, reverse=True):  # longest first
        escaped = re.escape(value)
        if re.fullmatch(r"[\w.@+\-' ]+", value, flags=re.ASCII):
            escaped = rf"(?<![\w]){escaped}(?![\w])"
        patterns.append(escaped)
    if not patterns:
        return lambda text: text
    regex = re.compile("|".join(patterns), flags=re.IGNORECASE)
    return lambda text: regex.sub(REMOVED, text) if text else text


def _scrub_json(value: Any, scrub: Callable[[str], str], *, key: str = "") -> Any:
    if key in PERSONAL_PAYLOAD_KEYS and value not in (None, "", [], {}):
        if isinstance(value, dict):
            return {k: REMOVED for k in value}
        if isinstance(value, list):
            return [REMOVED for _ in value]
        return REMOVED
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub, key=k) for k, v in value.items()}
    return value


def _changed(row: dict, new: dict) -> dict:
    return {name: value for name, value in new.items() if row[name] != value}


def attachment_model() -> type[models.Model] | None:
    """`complaints.Attachment` once the attachments app part exists; None before."""
    try:
        return apps.get_model("complaints", "Attachment")
    except LookupError:
        return None


def attachment_message_field(model: type[models.Model]) -> str:
    """The name of the attachment's foreign key to its Message."""
    return next(
        f.name for f in model._meta.get_fields() if f.many_to_one and f.related_model is Message
    )


def _delete_files_after_commit(files: list[Any]) -> None:
    """Storage is not transactional: delete the files only once the rows are gone for good."""

    def delete() -> None:
        for storage, name in files:
            try:
                storage.delete(name)
            except Exception:  # a file already gone, a storage hiccup: log, never undo
                log.exception("Could not delete %s from storage", name)

    if files:
        transaction.on_commit(delete)


def _attachments_remove(message_ids: list[int]) -> int:
    model = attachment_model()
    if model is None or not message_ids:
        return 0
    file_fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
    rows = list(
        model._base_manager.filter(**{f"{attachment_message_field(model)}__in": message_ids})
    )
    files = []
    for row in rows:
        for f in file_fields:
            stored = getattr(row, f.attname)
            if stored and stored.name:
                files.append((stored.storage, stored.name))
    model._base_manager.filter(pk__in=[r.pk for r in rows]).delete()
    # Files are stored by their bytes (sha256), so another customer's attachment may share one:
    # only names no remaining row points at are deleted.
    names = {name for _storage, name in files}
    shared = {
        name
        for f in file_fields
        for name in model._base_manager.filter(**{f"{f.name}__in": names}).values_list(
            f.name, flat=True
        )
    }
    gone = [(storage, name) for storage, name in files if name not in shared]
    _delete_files_after_commit(gone)
    return len(gone)


def customer_anonymise(
    *, customer_id: int, actor: Any, reason: str = "", check_permission: bool = True
) -> AnonymiseResult:
    """Remove the customer's personal data for good (see the module docstring). `actor=None`
    with `check_permission=False` is the retention task."""
    if check_permission and roles.personal_data_refusal(actor):
        raise NotPermittedError(roles.personal_data_refusal(actor))
    with transaction.atomic():
        try:
            customer = Customer.objects.select_for_update().get(pk=customer_id)
        except (Customer.DoesNotExist, ValueError, TypeError):
            raise NotFoundError(no_customer_message()) from None
        if customer.anonymised_at is not None:
            return AnonymiseResult(customer_id=customer.pk, already=True)
        open_refs = list(
            customer.complaints.filter(state__in=OPEN_STATES).values_list("reference", flat=True)
        )
        if open_refs:
            raise ConflictError(
                _(
                    "This customer still has open complaints (%(refs)s): close them (remedy or "
                    "set limits) before anonymising, so nobody is left waiting for an answer."
                )
                % {"refs": ", ".join(open_refs)}
            )
        result = AnonymiseResult(customer_id=customer.pk)
        scrub = scrubber(identifiers_of(customer))
        old_email = customer.email
        complaint_ids = list(customer.complaints.order_by("pk").values_list("pk", flat=True))
        redaction = f"customer {customer.pk} anonymised"

        # Messages first (a merged complaint's timeline lives on in its survivor; same customer).
        message_ids = []
        for m in Message.objects.filter(complaint_id__in=complaint_ids).values(
            "pk", "kind", "body", "author_label", "note_params"
        ):
            message_ids.append(m["pk"])
            if m["kind"] == MessageKind.CUSTOMER:
                new = {"body": REMOVED, "author_label": REMOVED if m["author_label"] else ""}
            else:
                # A system note's parameters hold what staff typed ("Approved: {note}") too.
                new = {
                    "body": scrub(m["body"]),
                    "author_label": scrub(m["author_label"]),
                    "note_params": _scrub_json(m["note_params"], scrub),
                }
            diff = _changed(m, new)
            if diff:
                Message.objects.filter(pk=m["pk"]).update(**diff)
                result.messages += 1
        result.files += _attachments_remove(message_ids)

        # The audit trail: only through the sanctioned redaction.
        for row in TransitionLog.objects.filter(complaint_id__in=complaint_ids).values(
            "pk", "reason", "reason_params", "actor_label", "payload"
        ):
            diff = _changed(
                row,
                {
                    "reason": scrub(row["reason"]),
                    "reason_params": _scrub_json(row["reason_params"], scrub),
                    "actor_label": scrub(row["actor_label"]),
                    "payload": _scrub_json(row["payload"], scrub),
                },
            )
            if diff:
                audit_redact(model=TransitionLog, pk=row["pk"], fields=diff, reason=redaction)
                result.audit_rows += 1
        text = ("note", "reason", "remedy_message", "root_cause", "decision_note")
        for row in CompensationRequest.objects.filter(customer_id=customer.pk).values(
            "pk", *text, "decision_note_params"
        ):
            new = {name: scrub(row[name]) for name in text}
            new["decision_note_params"] = _scrub_json(row["decision_note_params"], scrub)
            diff = _changed(row, new)
            if diff:
                audit_redact(model=CompensationRequest, pk=row["pk"], fields=diff, reason=redaction)
                result.audit_rows += 1

        # The complaints: their words go, the facts stay; each erasure audited on it.
        now = timezone.now()
        for complaint_id in complaint_ids:
            complaint = complaint_services.complaint_lock(complaint_id)
            complaint.subject = REMOVED
            complaint.description = REMOVED
            complaint.summary = REMOVED if complaint.summary else ""
            complaint.root_cause = scrub(complaint.root_cause)
            complaint.pause_reason = scrub(complaint.pause_reason)
            complaint_services.complaint_step(
                complaint=complaint,
                actor=actor,
                name=ANONYMISE_STEP,
                fields=["subject", "description", "summary", "root_cause", "pause_reason"],
                reason=reason,
                payload={"customer": customer.pk},
                at=now,
            )
            result.complaints += 1

        # Mail kept by the mail app.
        outbound = OutboundMail.objects.filter(complaint_id__in=complaint_ids)
        result.details["outbound_mails"] = outbound.update(
            to=anonymous_email(customer.pk), subject=""
        )
        for attempt in MailAttempt.objects.filter(mail__complaint_id__in=complaint_ids).values(
            "pk", "error"
        ):
            scrubbed = scrub(attempt["error"])
            if scrubbed != attempt["error"]:
                MailAttempt.objects.filter(pk=attempt["pk"]).update(error=scrubbed)
        inbound = list(
            InboundMail.objects.filter(
                models.Q(complaint_id__in=complaint_ids) | models.Q(sender__iexact=old_email)
            )
        )
        files = [(m.raw.storage, m.raw.name) for m in inbound if m.raw and m.raw.name]
        InboundMail.objects.filter(pk__in=[m.pk for m in inbound]).update(
            sender="", subject="", raw="", reason=""
        )
        _delete_files_after_commit(files)
        result.files += len(files)
        result.details["inbound_mails"] = len(inbound)
        BouncingAddress.objects.filter(email__iexact=old_email).delete()

        # The outbox keeps what it sent: webhook events about these complaints, staff emails
        # naming them. The customer's identifiers are cut out of both.
        for event in OutboxEvent.objects.filter(payload__complaint_id__in=complaint_ids).values(
            "pk", "payload", "public"
        ):
            diff = _changed(
                event,
                {
                    "payload": _scrub_json(event["payload"], scrub),
                    "public": _scrub_json(event["public"], scrub),
                },
            )
            if diff:
                OutboxEvent.objects.filter(pk=event["pk"]).update(**diff)
        references = [r for r in customer.complaints.values_list("reference", flat=True) if r]
        named = models.Q(pk__in=[])
        for reference in references:
            named |= models.Q(subject__contains=reference) | models.Q(body__contains=reference)
        for staff_mail in OutboxMail.objects.filter(named).values("pk", "subject", "body"):
            diff = _changed(
                staff_mail,
                {"subject": scrub(staff_mail["subject"]), "body": scrub(staff_mail["body"])},
            )
            if diff:
                OutboxMail.objects.filter(pk=staff_mail["pk"]).update(**diff)

        customer.name = f"Anonymised customer {customer.pk}"
        customer.email = anonymous_email(customer.pk)
        customer.phone = ""
        customer.external_ref = ""
        customer.anonymised_at = now
        customer.save(update_fields=["name", "email", "phone", "external_ref", "anonymised_at"])
        PersonalDataLog.objects.create(
            customer=customer,
            action=PersonalDataAction.ANONYMISE,
            actor=actor,
            actor_label=complaint_services.actor_display(actor, None),
            reason=reason[:500],
            details={
                "complaints": result.complaints,
                "messages": result.messages,
                "audit_rows": result.audit_rows,
                "files": result.files,
                **result.details,
            },
            created_at=now,
        )
    return result


def no_customer_message() -> str:
    return _("There is no customer with this id: check the id on the complaint's customer.")
