"""Who holds a complaint, and its triage data: audited edits that are not state changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Category, Complaint, CustomerRequest, Severity
from complaints.services import engine
from complaints.services.checks import MAX_LINE, MAX_REQUEST_DETAIL, Checker
from core import roles
from core.errors import InvalidDataError, NotPermittedError


def complaint_assign(
    *, complaint_id: int, actor: Any, assignee: Any | None, expected_version: int | None = None
) -> Complaint:
    """Agents take complaints for themselves; a lead or above assigns anyone."""
    if not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    if assignee is not None and assignee.pk != actor.pk and roles.user_rank(actor) < 2:
        raise NotPermittedError(
            _(
                "Only a team lead or a manager can assign a complaint to someone else: "
                "take it yourself, or ask a lead to assign it."
            )
        )
    if assignee is not None and not roles.is_agent(assignee):
        raise InvalidDataError(
            _("Complaints are assigned to staff only: choose a member of staff."),
            fields={"assignee": [_("Must be a member of staff.")]},
        )
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        engine.complaint_version_check(complaint, expected_version)
        previous = complaint.assignee_id
        complaint.assignee = assignee
        engine.step(
            complaint=complaint,
            actor=actor,
            name="assign",
            fields=["assignee"],
            payload={"from": previous, "to": getattr(assignee, "pk", None)},
        )
    return complaint


def complaint_update_details(
    *,
    complaint_id: int,
    actor: Any,
    subject: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    customer_request: str | None = None,
    customer_request_detail: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Correct the triage data (subject, category, severity, what the customer asks for);
    audited like everything else. None leaves a field as it is."""
    check = Checker()
    changes: dict[str, str] = {}
    if subject is not None:
        changes["subject"] = check.text("subject", subject, max_length=MAX_LINE)
    if category is not None:
        changes["category"] = check.choice("category", category, Category.values)
    if severity is not None:
        changes["severity"] = check.choice("severity", severity, Severity.values)
    if customer_request is not None:
        changes["customer_request"] = customer_request and check.choice(
            "customer_request", customer_request, CustomerRequest.values
        )
    if customer_request_detail is not None:
        changes["customer_request_detail"] = check.text(
            "customer_request_detail",
            customer_request_detail,
            max_length=MAX_REQUEST_DETAIL,
            required=False,
        )
    check.raise_if_any()
    if not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        engine.complaint_version_check(complaint, expected_version)
        diff = {
            field: [getattr(complaint, field), value]
            for field, value in changes.items()
            if getattr(complaint, field) != value
        }
        if not diff:
            return complaint
        for field, (_old, new) in diff.items():
            setattr(complaint, field, new)
        if (
            complaint.customer_request == CustomerRequest.OTHER
            and not complaint.customer_request_detail
        ):
            raise InvalidDataError(
                fields={
                    "customer_request_detail": [_("Say in the customer's words what they ask for.")]
                }
            )
        engine.step(
            complaint=complaint, actor=actor, name="details", fields=list(diff), payload=diff
        )
    return complaint
