"""Replies and internal notes on a complaint's timeline. An integration writes only on its own
complaints (`complaints.visibility`); on another's it is told there is no such complaint.
`actor=None` is the system (e.g. the mail app noting a bounce): its entry is a system message,
unless it relays the customer's own words from a channel (`customer_label`, e.g. an email the
customer sent): then it is the customer's public message, under that label.
A public message is announced to the `public_messages` reactions inside the same transaction,
with its files (`files`: judged before the transaction opens, so a refused file writes nothing;
stored in it, `complaints.services.attachments`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import notes, reactions
from complaints.models import Message, MessageKind, Visibility
from complaints.services import engine
from complaints.services.attachments import (
    Upload,
    attachments_judge,
    attachments_refusal,
    attachments_write,
)
from complaints.services.checks import MAX_TEXT, Checker, actor_display
from complaints.visibility import complaint_hidden_from
from core import roles
from core.errors import NotFoundError, NotPermittedError


def message_add(
    *,
    complaint_id: int,
    actor: Any,
    body: str = "",
    note: notes.Note | None = None,
    visibility: str = Visibility.PUBLIC,
    step: str = "message",
    customer_label: str = "",
    files: Sequence[Upload] = (),
) -> Message:
    """Add a reply or an internal note to the timeline. `step` is what the `public_messages`
    reactions are told it belongs to: a reply alone ("message"), or the step of the change whose
    message it is when a caller writes that message after the change (e.g. "approve": the remedy
    promised before the approval). A `note` is a system note (`actor=None`): stored as its code
    and English text, read in each reader's language."""
    check = Checker()
    if note is not None:
        body = note.english()
    body = check.text("body", body, max_length=MAX_TEXT)
    check.choice("visibility", visibility, Visibility.values)
    check.raise_if_any()
    from_customer = actor is not None and roles.is_integration(actor) and not roles.is_agent(actor)
    relayed = actor is None and bool(customer_label)  # the customer's words, by the system
    if relayed and visibility == Visibility.INTERNAL:
        raise NotPermittedError(
            _("Internal notes are for staff only: send it as a public message instead.")
        )
    if actor is not None and not (roles.is_agent(actor) or from_customer):
        raise NotPermittedError(
            _(
                "Only staff or an integration can add messages: sign in with a staff account, "
                "or use an integration's API token."
            )
        )
    if from_customer and visibility == Visibility.INTERNAL:
        raise NotPermittedError(
            _("Internal notes are for staff only: send it as a public message instead.")
        )
    # Judged before the lock: inspecting a zip is slow, and a refusal writes nothing.
    judged = attachments_judge(uploads=files)
    if judged.refused:
        raise attachments_refusal(judged.refused)
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        if complaint_hidden_from(complaint, user=actor):
            raise NotFoundError(
                _("There is no complaint with this id: check the reference, or search for it.")
            )
        now = timezone.now()
        message = Message.objects.create(
            complaint=complaint,
            author=actor,
            author_label=(
                customer_label
                if relayed
                else complaint.customer.name
                if from_customer
                else actor_display(actor, None)
            ),
            kind=(
                MessageKind.CUSTOMER
                if from_customer or relayed
                else MessageKind.SYSTEM
                if actor is None
                else MessageKind.STAFF
            ),
            visibility=visibility,
            body=body,
            note_code=note.code if note else "",
            note_params=note.params if note else {},
            created_at=now,
        )
        attachments_write(message=message, accepted=judged.accepted)
        complaint.updated_at = now
        complaint.save(update_fields=["updated_at"])
        reactions.run_public_messages(step=step, messages=[message])
    return message
