"""Read side of the escalation app: policies with their calendars, a complaint's deadlines.

Selectors own their joins; nothing here writes.
"""

from __future__ import annotations

from django.db.models import QuerySet

from escalation.models import Deadline, ResponsePolicy


def policy_get(*, category: str, severity: str) -> ResponsePolicy | None:
    """The policy for one category × severity, with its calendar; None if not configured."""
    return (
        ResponsePolicy.objects.select_related("calendar")
        .filter(category=category, severity=severity)
        .first()
    )


def policy_map() -> dict[tuple[str, str], ResponsePolicy]:
    """All policies by (category, severity); calendars shared per id so schedules build once."""
    calendars: dict[int, object] = {}
    result = {}
    for policy in ResponsePolicy.objects.select_related("calendar"):
        policy.calendar = calendars.setdefault(policy.calendar_id, policy.calendar)
        result[(policy.category, policy.severity)] = policy
    return result


def deadline_list(*, complaint_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(complaint_id=complaint_id).order_by("started_at", "id")
