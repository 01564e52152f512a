"""Intake: a complaint is filed in `venting`, the customer's words kept verbatim.

One transaction writes the customer (found or new), the complaint with its reference (assigned in
the INSERT), the customer's words as the first timeline message, the `intake` log row, the
`complaint.created` outbox event and, through the `intake` reactions, the first deadlines. A known
`external_id` returns the complaint its filer filed first, never a second one; the same id from
another filer is another complaint (ids are the filer's own, and one filer never learns of
another's complaint through them).

The customer comes from `customer_upsert` (one per person, race-safe, never overwritten). What the
caller gave that was not stored (another phone number; an external_ref for a customer found by
email) is kept on the complaint for the staff: in the intake log's payload (`customer_not_stored`)
and as internal notes on the timeline (in each reader's language, `complaints.notes`). The customer never sees either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import notes, reactions
from complaints.models import (
    Category,
    Channel,
    Complaint,
    Message,
    MessageKind,
    Severity,
    State,
    TransitionLog,
    Visibility,
)
from complaints.services.checks import (
    MAX_LINE,
    MAX_TEXT,
    SYSTEM_LABEL,
    Checker,
    actor_display,
    customer_request_check,
)
from complaints.services.customers import customer_upsert
from complaints.services.engine import react
from complaints.visibility import complaint_audience
from core import roles
from core.db import next_id
from core.errors import NotPermittedError
from webhooks.services import outbox_record_many


def complaint_intake(
    *,
    customer_name: str,
    customer_email: str,
    subject: str,
    description: str,
    channel: str = Channel.API,
    category: str = Category.OTHER,
    severity: str = Severity.NORMAL,
    customer_phone: str = "",
    customer_external_ref: str = "",
    customer_language: str = "",
    customer_request: str = "",
    customer_request_detail: str = "",
    external_id: str | None = None,
    actor: Any = None,
) -> tuple[Complaint, bool]:
    """File a complaint in `venting`. Returns (complaint, created).

    `customer_language` (a code of settings.LANGUAGES, e.g. `zh-hans`) is what a new customer
    is written to in; blank: the site's default. `customer_request` is what they ask for (a
    `CustomerRequest` value; blank: not stated), `customer_request_detail` their words for it
    (required for "other")."""
    check = Checker()
    name = check.text("customer.name", customer_name, max_length=200)
    email = check.text("customer.email", customer_email, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            check.add("customer.email", _("Enter a valid email address."))
    phone = check.text("customer.phone", customer_phone, max_length=40, required=False)
    ext_ref = check.text(
        "customer.external_ref", customer_external_ref, max_length=128, required=False
    )
    language = customer_language or ""
    if language:
        language = translation.to_language(language) if "_" in language else language.lower()
        check.choice("customer.language", language, [code for code, _name in settings.LANGUAGES])
    subject = check.text("subject", subject, max_length=MAX_LINE)
    if isinstance(description, str) and description.strip():
        # Verbatim: keep the customer's own spacing, only check size and NUL bytes.
        if len(description) > MAX_TEXT:
            check.add("description", _("At most %(max)d characters.") % {"max": MAX_TEXT})
        elif "\x00" in description:
            check.add("description", _("Must not contain NUL characters."))
    else:
        check.add("description", _("This field is required."))
    check.choice("channel", channel, Channel.values)
    check.choice("category", category, Category.values)
    check.choice("severity", severity, Severity.values)
    customer_request, customer_request_detail = customer_request_check(
        check, customer_request, customer_request_detail
    )
    if external_id is not None:
        external_id = check.text("external_id", external_id, max_length=128) or None
    check.raise_if_any()
    if actor is not None and not roles.can_file(actor):
        raise NotPermittedError(roles.file_refusal(actor))

    if external_id:
        existing = _filed(external_id=external_id, actor=actor)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            complaint = _intake_write(
                name=name,
                email=email,
                phone=phone,
                ext_ref=ext_ref,
                language=language,
                subject=subject,
                description=description,
                channel=channel,
                category=category,
                severity=severity,
                asks=(customer_request, customer_request_detail),
                external_id=external_id,
                actor=actor,
            )
    except IntegrityError:
        # Lost a race with a retry carrying the same external_id: return the winner's complaint.
        if external_id:
            existing = _filed(external_id=external_id, actor=actor)
            if existing is not None:
                return existing, False
        raise
    return complaint, True


def _filed(*, external_id: str, actor: Any) -> Complaint | None:
    """The complaint `actor` filed under `external_id`, if any."""
    filer = actor if getattr(actor, "pk", None) else None
    return Complaint.objects.filter(external_id=external_id, filed_by=filer).first()


def _intake_write(
    *,
    name: str,
    email: str,
    phone: str,
    ext_ref: str,
    language: str,
    subject: str,
    description: str,
    channel: str,
    category: str,
    severity: str,
    asks: tuple[str, str],
    external_id: str | None,
    actor: Any,
) -> Complaint:
    match = customer_upsert(
        name=name, email=email, phone=phone, external_ref=ext_ref, language=language, actor=actor
    )
    customer = match.customer
    now = timezone.now()
    pk = next_id(Complaint)
    complaint = Complaint.objects.create(
        pk=pk,
        reference=f"CMP-{now.year}-{pk:06d}" if pk else None,
        customer=customer,
        subject=subject,
        description=description,
        channel=channel,
        category=category,
        severity=severity,
        customer_request=asks[0],
        customer_request_detail=asks[1],
        external_id=external_id,
        filed_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
        state_changed_at=now,
    )
    if pk is None:  # a backend without a way to draw the id first
        complaint.reference = f"CMP-{now.year}-{complaint.pk:06d}"
        complaint.save(update_fields=["reference"])
    messages = [
        Message(
            complaint=complaint,
            kind=MessageKind.CUSTOMER,
            author_label=customer.name,
            visibility=Visibility.PUBLIC,
            body=description,
            created_at=now,
        )
    ]
    messages += [
        Message(
            complaint=complaint,
            kind=MessageKind.SYSTEM,
            author_label=SYSTEM_LABEL,
            visibility=Visibility.INTERNAL,
            body=note.english(),
            note_code=note.code,
            note_params=note.params,
            created_at=now,
        )
        for note in _not_stored_notes(match.not_stored)
    ]
    Message.objects.bulk_create(messages)  # one INSERT, the notes or not
    payload: dict[str, Any] = {"channel": channel, "external_id": external_id}
    if asks[0]:
        payload["customer_request"] = asks[0]
        payload["customer_request_detail"] = asks[1]
    if match.not_stored:
        payload["customer_not_stored"] = match.not_stored
    TransitionLog.objects.create(
        complaint=complaint,
        transition="intake",
        from_state=State.VENTING,
        to_state=State.VENTING,
        actor=actor,
        actor_label=actor_display(actor, None if actor else f"channel: {channel}"),
        payload=payload,
        created_at=now,
    )
    created = {
        "complaint_id": complaint.pk,
        "reference": complaint.reference,
        "state": complaint.state,
        "external_id": external_id,
        "channel": channel,
        "category": category,
        "severity": severity,
    }
    audience = complaint_audience(filed_by_id=complaint.filed_by_id, owner_id=customer.owner_id)
    outbox_record_many(events=[("complaint.created", created, created, audience)])
    react(
        step="intake",
        complaint=complaint,
        from_state=State.VENTING,
        at=now,
        actor=actor,
        payload=payload,
    )
    reactions.run_public_messages(step="intake", messages=messages)
    return complaint


PHONE_NOT_STORED = notes.define(
    "phone_not_stored",
    gettext_lazy(
        "The customer gave another phone number: %(phone)s. It was not written to the "
        "customer, whose stored contact data stay as they were; a team lead can change "
        "them on the customer after checking the number."
    ),
)
REF_NOT_STORED = notes.define(
    "external_ref_not_stored",
    gettext_lazy(
        "The complaint came with external_ref %(ref)s, which was not linked to this "
        "customer (found by email address). A team lead can link it on the customer "
        "after checking that it is theirs."
    ),
)


def _not_stored_notes(not_stored: dict[str, str]) -> list[notes.Note]:
    """The internal notes that show staff what intake did not write to the customer."""
    written = []
    if "phone" in not_stored:
        written.append(notes.Note(PHONE_NOT_STORED, {"phone": not_stored["phone"]}))
    if "external_ref" in not_stored:
        written.append(notes.Note(REF_NOT_STORED, {"ref": not_stored["external_ref"]}))
    return written
