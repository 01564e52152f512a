"""The customer's answer to the key-point summary: confirm it, or correct it (DESIGN §10).

The one writer of `Complaint.summary_confirmed` after acknowledgement. The act is the
customer's: through their link (`actor=None`, logged under the customer's name), or an
integration or a member of staff acting for them (the API). Each act is an audited step on the
locked complaint (a TransitionLog row that is not a state change); a correction also writes the
customer's words as their public message. A repeated act (a double submit) changes nothing.
This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import reactions
from complaints.models import Complaint, Message, MessageKind, State, Visibility
from complaints.services import engine
from complaints.services.checks import MAX_TEXT, Checker
from complaints.visibility import complaint_hidden_from
from core import roles
from core.errors import InvalidTransitionError, NotFoundError, NotPermittedError


def customer_acting_check(*, complaint: Complaint, actor: Any) -> str | None:
    """Who may act for the customer on a locked complaint: the customer's link (None), staff,
    or the integration whose complaint it is. Returns the label the audit row carries."""
    if complaint_hidden_from(complaint, user=actor):
        raise NotFoundError(
            _("There is no complaint with this id: check the reference, or search for it.")
        )
    if actor is None:
        return complaint.customer.name
    if not (roles.is_agent(actor) or roles.is_integration(actor)):
        raise NotPermittedError(
            _(
                "Only the customer, staff or an integration can answer for the customer: use the "
                "customer's link, or an API token with the `customer:respond` scope."
            )
        )
    return None


def _summary_check(complaint: Complaint) -> None:
    if complaint.state == State.VENTING or not complaint.summary.strip():
        raise InvalidTransitionError(
            _(
                "There is no summary to confirm yet: we write down the key points when we "
                "acknowledge the complaint."
            )
        )


def complaint_summary_confirm(*, complaint_id: int, actor: Any) -> Complaint:
    """The customer confirms we understood them. Already confirmed: nothing changes."""
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        label = customer_acting_check(complaint=complaint, actor=actor)
        _summary_check(complaint)
        if complaint.summary_confirmed:
            return complaint
        complaint.summary_confirmed = True
        engine.step(
            complaint=complaint,
            actor=actor,
            name="summary_confirm",
            fields=["summary_confirmed"],
            payload={"summary": complaint.summary},
            actor_label=label,
        )
    return complaint


def complaint_summary_correct(*, complaint_id: int, actor: Any, correction: str) -> Complaint:
    """The customer says what we got wrong: their words become their public message and the
    summary is unconfirmed until staff restate it. The same correction again changes nothing."""
    check = Checker()
    correction = check.text("correction", correction, max_length=MAX_TEXT)
    check.raise_if_any()
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        label = customer_acting_check(complaint=complaint, actor=actor)
        _summary_check(complaint)
        last = (
            Message.objects.filter(complaint=complaint, kind=MessageKind.CUSTOMER)
            .order_by("-created_at", "-id")
            .values_list("body", flat=True)
            .first()
        )
        if not complaint.summary_confirmed and last == correction:
            return complaint
        now = timezone.now()
        complaint.summary_confirmed = False
        message = Message.objects.create(
            complaint=complaint,
            author=actor,
            author_label=complaint.customer.name,
            kind=MessageKind.CUSTOMER,
            visibility=Visibility.PUBLIC,
            body=correction,
            created_at=now,
        )
        engine.step(
            complaint=complaint,
            actor=actor,
            name="summary_correct",
            fields=["summary_confirmed"],
            payload={"summary": complaint.summary, "message_id": message.pk},
            actor_label=label,
            at=now,
        )
        reactions.run_public_messages(step="summary_correct", messages=[message])
    return complaint
