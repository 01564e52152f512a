"""Read side of the complaints app: querysets with their joins, timelines, available actions.

Selectors own select_related/prefetch_related so that no list issues a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_fsm import get_available_user_FIELD_transitions

from complaints import roles
from complaints.models import OPEN_STATES, Complaint, Message, TransitionLog, Visibility
from complaints.services import TRANSITION_METHODS

_PUBLIC_NAME = {method: name for name, method in TRANSITION_METHODS.items()}


def complaint_list(*, user: Any = None) -> QuerySet[Complaint]:
    """Complaints with the customer and assignee joined (one query for a whole page)."""
    return Complaint.objects.select_related("customer", "assignee")


def complaint_get(*, complaint_id: int) -> Complaint:
    return complaint_list().get(pk=complaint_id)


def complaint_available_transitions(*, complaint: Complaint, user: Any) -> list[str]:
    """Public names of the transitions `user` may fire now, in workflow order.

    Conditions that need input (limits while venting need a manager's abuse flag) are decided
    by the service; here a manager sees `set_limits` on a venting complaint.
    """
    if not roles.is_agent(user) and not roles.is_integration(user):
        return []
    field = Complaint._meta.get_field("state")
    names = set()
    for t in get_available_user_FIELD_transitions(complaint, user, field):
        names.add(_PUBLIC_NAME.get(t.name, t.name))
    if (
        complaint.state == "venting"
        and roles.can_set_limits(complaint, user)
        and not complaint.abuse_flagged
    ):
        names.add("set_limits")
    return [name for name in TRANSITION_METHODS if name in names]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "message" or "step"
    visibility: str
    author: str
    title: str
    body: str


def complaint_timeline(*, complaint: Complaint, include_internal: bool) -> list[TimelineEntry]:
    """Messages and workflow steps merged in time order; internal ones only for staff."""
    messages = Message.objects.filter(complaint=complaint)
    if not include_internal:
        messages = messages.filter(visibility=Visibility.PUBLIC)
    entries = [
        TimelineEntry(
            at=m.created_at,
            kind="message",
            visibility=m.visibility,
            author=m.author_label,
            title=m.get_kind_display(),
            body=m.body,
        )
        for m in messages
    ]
    if include_internal:
        entries += [
            TimelineEntry(
                at=log.created_at,
                kind="step",
                visibility=Visibility.INTERNAL,
                author=log.actor_label,
                title=_step_title(log),
                body=log.reason,
            )
            for log in TransitionLog.objects.filter(complaint=complaint)
        ]
    return sorted(entries, key=lambda e: (e.at, e.kind != "step"))


def _step_title(log: TransitionLog) -> str:
    if log.from_state == log.to_state:
        return log.transition.replace("_", " ")
    return f"{log.transition.replace('_', ' ')}: {log.from_state} → {log.to_state}"


def transition_log_for(*, complaint: Complaint) -> QuerySet[TransitionLog]:
    return TransitionLog.objects.filter(complaint=complaint).select_related("actor")


# --- the REST API's list and actions (issue 5) --------------------------------------------------


def complaint_search(
    *,
    user: Any,
    state: str | None = None,
    overdue: bool | None = None,
    assignee: str | None = None,
    category: str | None = None,
    updated_since: datetime | None = None,
    search: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """`complaint_list` filtered; `assignee` is a user id, "me" or "none".

    Overdue means the promise made at acknowledge has passed while the complaint is open.
    """
    qs = complaint_list(user=user)
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    if assignee == "me":
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=int(assignee))
    if overdue is not None:
        late = Q(state__in=OPEN_STATES, promised_by__lt=now or timezone.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if search:
        qs = qs.filter(
            Q(reference__icontains=search)
            | Q(subject__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__email__icontains=search)
            | Q(external_id=search)
        )
    return qs


def complaint_available_actions(*, complaint: Complaint, user: Any) -> list[str]:
    """Workflow transitions plus pausing or resuming the clock, as the user may do them now."""
    names = complaint_available_transitions(complaint=complaint, user=user)
    if roles.is_agent(user) and complaint.is_open:
        names.append("resume" if complaint.paused_at else "pause")
    return names
