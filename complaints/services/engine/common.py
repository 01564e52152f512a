"""What every change of a complaint shares: the row lock and version check, the facts reactions
read, the audit row, the save of an edit, the webhook event of a transition.

A locked complaint carries `customer_owner_id` (read by a subquery in the locking SELECT: the
customer row is not locked, and no query is added), so every event knows its audience — the
complaint's filer and its customer's owner — and the bulk paths read it in the rows they lock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from complaints import notes, reactions
from complaints.models import (
    Complaint,
    Customer,
    State,
    TransitionLog,
)
from complaints.services.checks import actor_display
from complaints.visibility import complaint_audience
from core import roles
from core.errors import (
    ConflictError,
    NotFoundError,
)

TRANSITION_METHODS = {
    "acknowledge": "acknowledge",
    "apologize": "apologize",
    "remedy": "remedy",
    "escalate": "escalate",
    "approve": "approve",
    "return": "return_",
    "set_limits": "set_limits",
    "reopen": "reopen",
    "merge": "merge",
}
# How a transition is named to people (the same words as the admin's buttons).
TRANSITION_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge"),
    "apologize": gettext_lazy("Apologize"),
    "remedy": gettext_lazy("Remedy"),
    "escalate": gettext_lazy("Escalate"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return"),
    "set_limits": gettext_lazy("Set limits"),
    "reopen": gettext_lazy("Reopen"),
    "merge": gettext_lazy("Merge"),
}
ESCALATABLE = (State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED)
# The columns a change reads of a locked complaint when it works on plain rows (bulk paths).
ROW_FIELDS = (
    "pk",
    "reference",
    "state",
    "category",
    "severity",
    "tier",
    "escalation_level",
    "assignee_id",
    "paused_at",
    "promised_by",
    "created_at",
    "filed_by_id",
    "customer_owner_id",
)
# The owner of the complaint's customer, read beside the complaint without locking the customer.
OWNER_SQL = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("owner_id")[:1])


def with_owner(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """`queryset` with `customer_owner_id` read in the same query."""
    return queryset.annotate(customer_owner_id=OWNER_SQL)


# `next_tier` in SQL, built from the one ladder in `core.roles` (the top tier stays where it is).
NEXT_TIER_SQL = Case(
    *(
        When(tier=low, then=Value(high))
        for low, high in zip(roles.TIERS[:-1], roles.TIERS[1:], strict=True)
    ),
    default=F("tier"),
)


# --- locks and facts ---------------------------------------------------------------------------


def complaint_lock(complaint_id: int) -> Complaint:
    """The complaint, row-locked until the caller's transaction ends; NotFoundError if absent."""
    try:
        complaint = with_owner(Complaint.objects.select_for_update()).get(pk=complaint_id)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(
            _("There is no complaint with this id: check the reference, or search for it.")
        ) from None
    reactions.run_probes(complaint.pk)
    return complaint


def complaint_version_check(complaint: Complaint, expected_version: int | None) -> None:
    """ConflictError when the caller acted on a version of the complaint that is gone."""
    if expected_version is not None and complaint.version != expected_version:
        raise ConflictError(
            _(
                "%(ref)s was changed by someone else while you were looking at it: reload it, "
                "check what changed, and try again."
            )
            % {"ref": complaint.reference}
        )


def complaint_row(complaint: Complaint) -> dict:
    """A locked complaint as the bulk paths read it (`ROW_FIELDS`)."""
    row = {name: getattr(complaint, name) for name in ROW_FIELDS if name != "customer_owner_id"}
    row["customer_owner_id"] = complaint_owner_id(complaint)
    return row


def complaint_owner_id(complaint: Complaint) -> int | None:
    """Its customer's owner: from the lock's subquery, else the loaded customer, else a query."""
    if "customer_owner_id" in complaint.__dict__:
        return complaint.customer_owner_id
    if "customer" in complaint._state.fields_cache:
        return complaint.customer.owner_id
    return Customer.objects.filter(pk=complaint.customer_id).values_list("owner_id", flat=True)[0]


def event_audience(complaint: Complaint) -> list[int]:
    """Who an event about `complaint` concerns (`OutboxEvent.audience`)."""
    return complaint_audience(
        filed_by_id=complaint.filed_by_id, owner_id=complaint_owner_id(complaint)
    )


def facts(complaint: Complaint) -> reactions.Facts:
    return row_facts(complaint_row(complaint))


def row_facts(row: dict, **after: Any) -> reactions.Facts:
    """What reactions may read of a complaint row (`ROW_FIELDS`), with `after` applied."""
    data = {**row, **after}
    return reactions.Facts(
        id=data["pk"],
        state=data["state"],
        category=data["category"],
        severity=data["severity"],
        tier=data["tier"],
        created_at=data["created_at"],
        paused_at=data["paused_at"],
        promised_by=data["promised_by"],
    )


def react(
    *,
    step: str,
    complaint: Complaint,
    from_state: str,
    at: datetime,
    actor: Any,
    payload: Mapping[str, Any],
) -> None:
    """Run the reactions of `step` for one complaint's change (the single paths)."""
    reactions.run_reactions(
        step,
        [
            reactions.Change(
                step=step,
                complaint=facts(complaint),
                from_state=from_state,
                at=at,
                actor=actor,
                payload=payload,
            )
        ],
    )


def next_tier(tier: str) -> str:
    """The tier an escalation moves a complaint to (the top tier stays where it is)."""
    return roles.next_tier(tier) or tier


# --- writes shared by every change ------------------------------------------------------------


def step_log(
    *,
    complaint: Complaint,
    actor: Any,
    step: str,
    reason: str | notes.Note = "",
    payload: dict | None = None,
    actor_label: str | None = None,
    from_state: str | None = None,
    at: datetime | None = None,
) -> TransitionLog:
    """The append-only audit row of a change (a transition, or a step that is not one); a
    reason the system gives is a `notes.Note`, stored as its code and its English text."""
    reason, reason_code, reason_params = notes.split(reason)
    return TransitionLog.objects.create(
        complaint=complaint,
        transition=step,
        from_state=from_state or complaint.state,
        to_state=complaint.state,
        actor=actor,
        actor_label=actor_display(actor, actor_label),
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        payload=payload if payload is not None else {},
        created_at=at or timezone.now(),
    )


def touch(complaint: Complaint, fields: Iterable[str], *, at: datetime | None = None) -> None:
    """Save an edit of a locked complaint: version +1, `updated_at`, the changed fields."""
    complaint.version += 1
    complaint.updated_at = at or timezone.now()
    try:
        complaint.save(update_fields=sorted({*fields, "version", "updated_at"}))
    except ConcurrentTransition:
        raise ConflictError() from None


def transitioned_event(
    *,
    complaint_id: int,
    reference: str,
    transition: str,
    from_state: str,
    to_state: str,
    actor: str,
    reason: str,
    level: int,
    at: datetime,
    promised_by: datetime | None,
    audience: list[int],
) -> tuple[str, dict, dict, list[int]]:
    """The webhook outbox event of a transition: the staff payload, and the customer-safe view
    for the integrations in `audience` — a plain state change with the promise, no reason, no
    actor."""
    return (
        "complaint.transitioned",
        {
            "complaint_id": complaint_id,
            "reference": reference,
            "transition": transition,
            "from_state": from_state,
            "to_state": to_state,
            "actor": actor,
            "reason": reason,
            "escalation_level": level,
            "at": at,
        },
        {
            "complaint_id": complaint_id,
            "reference": reference,
            "from_state": from_state,
            "to_state": to_state,
            "state": to_state,
            "promised_by": promised_by,
            "at": at,
        },
        audience,
    )
