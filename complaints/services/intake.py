"""Intake: a complaint is filed in `venting`, the customer's words kept verbatim.

One transaction writes the customer (found or new), the complaint with its reference (assigned in
the INSERT), the customer's words as the first timeline message, the `intake` log row, the
`complaint.created` outbox event and, through the `intake` reactions, the first deadlines. A known
`external_id` returns the complaint filed first, never a second one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import (
    Category,
    Channel,
    Complaint,
    Customer,
    Message,
    MessageKind,
    Severity,
    State,
    TransitionLog,
    Visibility,
)
from complaints.services.checks import MAX_LINE, MAX_TEXT, Checker, actor_display
from complaints.services.engine import react
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
    external_id: str | None = None,
    actor: Any = None,
) -> tuple[Complaint, bool]:
    """File a complaint in `venting`. Returns (complaint, created)."""
    check = Checker()
    name = check.text("customer.name", customer_name, max_length=200)
    email = check.text("customer.email", customer_email, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            check.add("customer.email", "Enter a valid email address.")
    phone = check.text("customer.phone", customer_phone, max_length=40, required=False)
    ext_ref = check.text(
        "customer.external_ref", customer_external_ref, max_length=128, required=False
    )
    subject = check.text("subject", subject, max_length=MAX_LINE)
    if isinstance(description, str) and description.strip():
        # Verbatim: keep the customer's own spacing, only check size and NUL bytes.
        if len(description) > MAX_TEXT:
            check.add("description", f"At most {MAX_TEXT} characters.")
        elif "\x00" in description:
            check.add("description", "Must not contain NUL characters.")
    else:
        check.add("description", "This field is required.")
    check.choice("channel", channel, Channel.values)
    check.choice("category", category, Category.values)
    check.choice("severity", severity, Severity.values)
    if external_id is not None:
        external_id = check.text("external_id", external_id, max_length=128) or None
    check.raise_if_any()
    if actor is not None and not roles.can_file(actor):
        raise NotPermittedError(roles.file_refusal(actor))

    if external_id:
        existing = Complaint.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            complaint = _intake_write(
                name=name,
                email=email,
                phone=phone,
                ext_ref=ext_ref,
                subject=subject,
                description=description,
                channel=channel,
                category=category,
                severity=severity,
                external_id=external_id,
                actor=actor,
            )
    except IntegrityError:
        # Lost a race with a retry carrying the same external_id: return the winner's complaint.
        if external_id:
            existing = Complaint.objects.filter(external_id=external_id).first()
            if existing is not None:
                return existing, False
        raise
    return complaint, True


def _intake_write(
    *,
    name: str,
    email: str,
    phone: str,
    ext_ref: str,
    subject: str,
    description: str,
    channel: str,
    category: str,
    severity: str,
    external_id: str | None,
    actor: Any,
) -> Complaint:
    customer = customer_get_or_create(name=name, email=email, phone=phone, external_ref=ext_ref)
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
        external_id=external_id,
        filed_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
        state_changed_at=now,
    )
    if pk is None:  # a backend without a way to draw the id first
        complaint.reference = f"CMP-{now.year}-{complaint.pk:06d}"
        complaint.save(update_fields=["reference"])
    Message.objects.create(
        complaint=complaint,
        kind=MessageKind.CUSTOMER,
        author_label=customer.name,
        visibility=Visibility.PUBLIC,
        body=description,
        created_at=now,
    )
    payload = {"channel": channel, "external_id": external_id}
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
    outbox_record_many(
        events=[
            (
                "complaint.created",
                {
                    "complaint_id": complaint.pk,
                    "reference": complaint.reference,
                    "state": complaint.state,
                    "external_id": external_id,
                    "channel": channel,
                    "category": category,
                    "severity": severity,
                },
            )
        ]
    )
    react(
        step="intake",
        complaint=complaint,
        from_state=State.VENTING,
        at=now,
        actor=actor,
        payload=payload,
    )
    return complaint


def customer_get_or_create(
    *, name: str, email: str, phone: str = "", external_ref: str = ""
) -> Customer:
    """The same shop customer files many complaints: match by external_ref, else by email."""
    qs = Customer.objects.all()
    found = None
    if external_ref:
        found = qs.filter(external_ref=external_ref).order_by("pk").first()
    if found is None:
        found = qs.filter(email__iexact=email).order_by("pk").first()
    if found is not None:
        changed = []
        if phone and found.phone != phone:
            found.phone = phone
            changed.append("phone")
        if external_ref and not found.external_ref:
            found.external_ref = external_ref
            changed.append("external_ref")
        if changed:
            found.save(update_fields=changed)
        return found
    return Customer.objects.create(name=name, email=email, phone=phone, external_ref=external_ref)
