"""Read side of the escalation app: policies with their calendars, a complaint's deadlines,
and the dashboard's figures on warnings and breaches.

Selectors own their joins; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from escalation.models import Deadline, DeadlineKind, ResponsePolicy


def policy_get(*, category: str, severity: str) -> ResponsePolicy | None:
    """The policy for one category × severity, with its calendar; None if not configured."""
    return (
        ResponsePolicy.objects.select_related("calendar")
        .filter(category=category, severity=severity)
        .first()
    )


_policies: dict[str, Any] = {"at": None, "map": {}}


def policy_map() -> dict[tuple[str, str], ResponsePolicy]:
    """All policies by (category, severity); calendars shared per id so schedules build once.

    Kept per process for `REDRESS_POLICY_CACHE_SECONDS` (60 by default): intake and the sweep
    read it on every change. Saving or deleting a policy, calendar or closed date clears it in
    the process that saved (`policy_cache_clear`); other processes see the edit within the TTL.
    """
    ttl = getattr(settings, "REDRESS_POLICY_CACHE_SECONDS", 60)
    now = monotonic()
    if _policies["at"] is not None and now - _policies["at"] < ttl:
        return _policies["map"]
    calendars: dict[int, object] = {}
    result = {}
    for policy in ResponsePolicy.objects.select_related("calendar"):
        policy.calendar = calendars.setdefault(policy.calendar_id, policy.calendar)
        result[(policy.category, policy.severity)] = policy
    _policies.update(at=now, map=result)
    return result


def policy_cache_clear(**_: Any) -> None:
    """Forget the cached policies (a signal receiver: takes and ignores the signal's kwargs)."""
    _policies.update(at=None, map={})


def deadline_list(*, complaint_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(complaint_id=complaint_id).order_by("started_at", "id")


# --- the dashboard: breaches and warnings this week --------------------------------------------


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of `now`'s week, in the current time zone (settings.TIME_ZONE)."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=local.tzinfo)


@dataclass(frozen=True)
class DeadlineWeek:
    since: datetime
    warnings: int
    breaches: int
    by_kind: list[tuple[str, int, int]]  # (kind, warnings, breaches) for every kind, zeros too


def deadline_week(*, now: datetime | None = None) -> DeadlineWeek:
    """Deadlines warned about and deadlines breached since Monday 00:00, by kind.

    Counted by when it happened (`warned_at`, `breached_at`), not by the row's current status:
    a deadline warned on Tuesday and breached on Wednesday counts once in each. One query.
    """
    now = now or timezone.now()
    since = week_start(now)
    warned = Q(warned_at__gte=since, warned_at__lte=now)
    breached = Q(breached_at__gte=since, breached_at__lte=now)
    rows = {
        row["kind"]: row
        for row in Deadline.objects.filter(warned | breached)
        .order_by()
        .values("kind")
        .annotate(warnings=Count("id", filter=warned), breaches=Count("id", filter=breached))
    }
    empty = {"warnings": 0, "breaches": 0}
    by_kind = [
        (
            kind.value,
            rows.get(kind.value, empty)["warnings"],
            rows.get(kind.value, empty)["breaches"],
        )
        for kind in DeadlineKind
    ]
    return DeadlineWeek(
        since=since,
        warnings=sum(w for _k, w, _b in by_kind),
        breaches=sum(b for _k, _w, b in by_kind),
        by_kind=by_kind,
    )
