"""Read side of the complaints app: querysets with their joins, timelines, available actions.

Selectors own select_related/prefetch_related so that no list issues a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django_fsm import get_available_user_FIELD_transitions

from complaints import roles
from complaints.models import (
    OPEN_STATES,
    CannedText,
    Complaint,
    Message,
    TransitionLog,
    Visibility,
)
from complaints.services import TRANSITION_METHODS

_PUBLIC_NAME = {method: name for name, method in TRANSITION_METHODS.items()}


def complaint_list(*, user: Any = None) -> QuerySet[Complaint]:
    """Complaints with the customer and assignee joined (one query for a whole page)."""
    return Complaint.objects.select_related("customer", "assignee")


# The frontline queue (DESIGN §6): mine first, then my team's, then the rest; within each, the
# earliest promise first (overdue ones are in the past, so they lead), then the oldest.
QUEUE_MINE = "mine"  # my open complaints and my team's (the default view)
QUEUE_OPEN = "open"  # every open complaint
QUEUE_ALL = "all"
QUEUE_ORDERING = (
    F("queue_rank").asc(),
    F("promised_by").asc(nulls_last=True),
    F("created_at").asc(),
    F("pk").asc(),
)


def complaint_queue(*, user: Any) -> QuerySet[Complaint]:
    """Every complaint, annotated with `queue_rank` for `user` (0 mine, 1 my team's, 2 other)
    and in queue order. One query for a whole page: customer and assignee are joined and the
    rank is computed in SQL. Narrow it with `complaint_queue_scope`."""
    tiers = roles.user_tiers(user)
    return (
        complaint_list(user=user)
        .annotate(
            queue_rank=Case(
                When(assignee_id=getattr(user, "pk", None), then=Value(0)),
                When(tier__in=tiers, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by(*QUEUE_ORDERING)
    )


def complaint_queue_scope(
    queryset: QuerySet[Complaint], *, user: Any, scope: str, open_only: bool = True
) -> QuerySet[Complaint]:
    """`QUEUE_MINE`: mine and my team's; `QUEUE_OPEN`: all open; `QUEUE_ALL`: no narrowing.
    `open_only=False` keeps closed ones in `QUEUE_MINE` (when the user filters by state)."""
    if scope == QUEUE_ALL:
        return queryset
    if scope == QUEUE_OPEN or open_only:
        queryset = queryset.filter(state__in=OPEN_STATES)
    if scope == QUEUE_MINE:
        queryset = queryset.filter(
            Q(assignee_id=getattr(user, "pk", None)) | Q(tier__in=roles.user_tiers(user))
        )
    return queryset


def staff_agents() -> QuerySet:
    """Active users who can be assigned complaints: members of a tier group, or superusers."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles.TIERS) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def customer_other_complaints(*, complaint: Complaint, limit: int = 20) -> QuerySet[Complaint]:
    """The same customer's other complaints, newest first, for the workbench."""
    return (
        Complaint.objects.filter(customer_id=complaint.customer_id)
        .exclude(pk=complaint.pk)
        .select_related("assignee")
        .order_by("-created_at")[:limit]
    )


def canned_texts() -> list[dict[str, str]]:
    """Active canned texts for the reply picker, grouped by kind in display order."""
    return [
        {"kind": t.kind, "kind_label": str(t.get_kind_display()), "title": t.title, "body": t.body}
        for t in CannedText.objects.filter(active=True)
    ]


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
    source: str = ""  # customer, staff or system for messages; "step" for workflow steps


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
            source=m.kind,
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
                source="step",
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
