"""Deadlines that follow a complaint: started, met, cancelled, paused and resumed inside the
complaint's own transaction, as reactions the escalation app registers with the complaint engine
(`escalation.apps`). A failing reaction undoes the whole change.

Invariants:
- `Complaint.next_due_at` is the earliest `due_at` of the complaint's running deadlines (open,
  not paused); every function here that changes deadlines refreshes it before returning
  (`complaint_next_due_refresh`, one set-based UPDATE).
- Lock order is complaint → deadline: the engine holds the complaint when a reaction runs, and
  the sweep locks complaints before their deadlines.
- Every function takes the list of changes of one engine call and works set-based, so a single
  escalation and the sweep's thousands write the same rows.
This module may import complaints, never compensation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import CLOSED_STATES, Complaint, State
from complaints.reactions import Change, Facts
from core.db import among, rows_insert
from core.errors import RuleViolationError
from escalation import selectors
from escalation.businesstime import (
    MINUTE,
    Schedule,
    add_business_time,
    always_open,
    business_time_between,
)
from escalation.models import (
    OPEN_STATUSES,
    REGULATORY_KINDS,
    SERVICE_KINDS,
    BusinessCalendar,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ResponsePolicy,
)

log = logging.getLogger(__name__)
START = (DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION)


def _schedule(calendar: BusinessCalendar | None) -> Schedule:
    return calendar.schedule if calendar is not None else always_open()


def _windows(
    schedule: Schedule, start: datetime, window: timedelta, warn_percent: int
) -> tuple[datetime, datetime]:
    """(due_at, warn_at) for a window of business time starting at `start`."""
    due = add_business_time(schedule, start, window)
    warn = add_business_time(schedule, start, window * (warn_percent / 100))
    return due, min(warn, due)


_WINDOWS: dict[tuple, tuple[datetime, datetime]] = {}


def _window(
    policy: ResponsePolicy, calendar: BusinessCalendar | None, start: datetime, minutes: int
) -> tuple[datetime, datetime]:
    """(due_at, warn_at), remembered per start time and policy: a sweep starts every approval
    clock at the same instant, so this is worked out once per policy and sweep."""
    key = (start, policy.pk, calendar.pk if calendar else None, minutes, policy.warn_percent)
    if key not in _WINDOWS:
        if len(_WINDOWS) > 256:
            _WINDOWS.clear()
        _WINDOWS[key] = _windows(_schedule(calendar), start, minutes * MINUTE, policy.warn_percent)
    return _WINDOWS[key]


def _row(
    *,
    complaint: Facts,
    kind: str,
    start: datetime,
    minutes: float,
    warn_percent: int,
    calendar: BusinessCalendar | None,
    window: tuple[datetime, datetime],
) -> dict:
    """A new deadline row; created paused (the time left kept) when the complaint's clock is
    stopped."""
    paused = complaint.paused_at
    seconds = int(minutes * 60)
    return {
        "complaint_id": complaint.id,
        "kind": kind,
        "status": DeadlineStatus.PENDING,
        "calendar_id": calendar.pk if calendar else None,
        "started_at": start,
        "due_at": window[0],
        "warn_at": window[1],
        "paused_at": paused,
        "remaining_seconds": seconds if paused else None,
        "warn_remaining_seconds": seconds * warn_percent // 100 if paused else None,
    }


def _close_open(
    *, complaint_ids: Iterable[int], kinds: Sequence[str] | None, status: str, now: datetime
) -> int:
    """Mark the complaints' open deadlines (of `kinds`, or all service clocks) met or cancelled.

    The regulatory clocks are left alone unless named: only their own events stop them."""
    qs = Deadline.objects.filter(among(Deadline, complaint_ids, "complaint"))
    qs = qs.filter(status__in=OPEN_STATUSES)
    qs = qs.filter(kind__in=SERVICE_KINDS if kinds is None else kinds)
    stamp = {"met_at": now} if status == DeadlineStatus.MET else {"cancelled_at": now}
    return qs.update(status=status, **stamp)


def _start_from_policy(
    *, complaints: Sequence[Facts], kinds: Sequence[str], start: datetime | None = None
) -> int:
    """Start the policy's clocks of `kinds` for each complaint, from `start` (or its creation)."""
    policies = selectors.policy_map()
    rows = []
    for c in complaints:
        policy = policies.get((c.category, c.severity))
        if policy is None:
            log.warning("No response policy for %s/%s", c.category, c.severity)
            continue
        at = start or c.created_at
        minutes = {
            DeadlineKind.FIRST_RESPONSE: policy.first_response_minutes,
            DeadlineKind.RESOLUTION: policy.resolution_minutes,
            DeadlineKind.APPROVAL: policy.approval_minutes,
        }
        for kind in kinds:
            rows.append(
                _row(
                    complaint=c,
                    kind=kind,
                    start=at,
                    minutes=minutes[kind],
                    warn_percent=policy.warn_percent,
                    calendar=policy.calendar,
                    window=_window(policy, policy.calendar, at, minutes[kind]),
                )
            )
    rows_insert(Deadline, rows)
    return len(rows)


def complaint_next_due_refresh(*, complaint_ids: Iterable[int]) -> int:
    """Set `Complaint.next_due_at` of these complaints from their running service deadlines.

    The regulatory clocks are not in it: they run on a paused or closed complaint too, and the
    sweep finds them by their own rows (`sweep._regulatory_batch`).

    One UPDATE with a correlated subquery, whatever the number of complaints; not an edit of
    the complaint, so neither the version nor `updated_at` changes. Returns rows updated.
    """
    ids = set(complaint_ids)
    if not ids:
        return 0
    earliest = (
        Deadline.objects.filter(
            complaint_id=OuterRef("pk"),
            status__in=OPEN_STATUSES,
            paused_at__isnull=True,
            kind__in=SERVICE_KINDS,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return Complaint.objects.filter(among(Complaint, ids)).update(next_due_at=Subquery(earliest))


def deadlines_start(*, complaints: Sequence[Facts], kinds: Sequence[str], start: datetime) -> int:
    """Start the policy's clocks of `kinds` for these complaints (the invariant repair's door);
    returns how many deadlines were started."""
    started = _start_from_policy(complaints=complaints, kinds=kinds, start=start)
    complaint_next_due_refresh(complaint_ids=[c.id for c in complaints])
    return started


# --- reactions to the complaint engine (registered in escalation.apps) -------------------------


def deadlines_on_intake(*, changes: Sequence[Change]) -> None:
    """Intake: the first-response and resolution clocks start at the complaint's creation."""
    _start_from_policy(complaints=[c.complaint for c in changes], kinds=START)
    complaint_next_due_refresh(complaint_ids=[c.complaint_id for c in changes])


def deadlines_on_change(*, changes: Sequence[Change]) -> None:
    """Meet, cancel or start deadlines as the complaint's change requires (one step a call)."""
    if not changes:
        return
    step = changes[0].step
    ids = [c.complaint_id for c in changes]
    now = changes[0].at
    if step == "acknowledge":
        _close_open(
            complaint_ids=ids,
            kinds=[DeadlineKind.FIRST_RESPONSE],
            status=DeadlineStatus.MET,
            now=now,
        )
        promise_start(changes=changes)
    elif step in ("remedy", "approve"):
        _close_open(complaint_ids=ids, kinds=None, status=DeadlineStatus.MET, now=now)
    elif step == "set_limits":
        _close_open(complaint_ids=ids, kinds=None, status=DeadlineStatus.CANCELLED, now=now)
    elif step in ("escalate", "raise_level"):
        approval_start(changes=changes)
    elif step == "return":
        _close_open(
            complaint_ids=ids,
            kinds=[DeadlineKind.APPROVAL],
            status=DeadlineStatus.CANCELLED,
            now=now,
        )
        _keep_a_clock(changes=changes)
    elif step == "reopen":
        _close_open(complaint_ids=ids, kinds=None, status=DeadlineStatus.CANCELLED, now=now)
        _start_from_policy(complaints=[c.complaint for c in changes], kinds=START, start=now)
    elif step == "merge":
        ids = [*ids, *deadlines_merge(changes=changes)]
    complaint_next_due_refresh(complaint_ids=ids)


def deadlines_merge(*, changes: Sequence[Change]) -> list[int]:
    """A merged complaint's deadlines move to the survivor (`payload["into"]`) as history: its
    running ones are cancelled first, since the survivor's own clocks now say when the customer
    hears back. Returns the survivors' ids (their `next_due_at` is refreshed by the caller).
    Its regulatory clocks end too: the survivor's own carry the customer's legal limits."""
    _close_open(
        complaint_ids=[c.complaint_id for c in changes],
        kinds=list(DeadlineKind),
        status=DeadlineStatus.CANCELLED,
        now=changes[0].at,
    )
    into: list[int] = []
    for change in changes:
        Deadline.objects.filter(complaint_id=change.complaint_id).update(
            complaint_id=change.payload["into"]
        )
        into.append(change.payload["into"])
    return into


def _with_open(*, changes: Sequence[Change], **only: object) -> set[int]:
    """Which of the changed complaints have an open deadline (narrowed by `only`); one query."""
    return set(
        Deadline.objects.filter(
            among(Deadline, [c.complaint_id for c in changes], "complaint"),
            status__in=OPEN_STATUSES,
            **only,
        ).values_list("complaint_id", flat=True)
    )


def approval_start(*, changes: Sequence[Change]) -> int:
    """The approval clock of the tier now holding each escalated complaint, unless one is open.

    At the top tier too: the managers' decision has its window like any other, and missing it
    raises the level again and reminds them; an open complaint never waits without a clock.
    """
    already = _with_open(changes=changes, kind=DeadlineKind.APPROVAL)
    pending = [
        c.complaint
        for c in changes
        if c.complaint_id not in already and c.complaint.state == State.ESCALATED
    ]
    return _start_from_policy(
        complaints=pending, kinds=[DeadlineKind.APPROVAL], start=changes[0].at
    )


def _keep_a_clock(*, changes: Sequence[Change]) -> int:
    """Open, unpaused complaints left with no running deadline (their clocks already lapsed, and
    the approval one was just cancelled) get a fresh resolution clock."""
    running = _with_open(changes=changes, paused_at__isnull=True, kind__in=SERVICE_KINDS)
    bare = [
        c.complaint
        for c in changes
        if c.complaint_id not in running and c.complaint.paused_at is None
    ]
    return _start_from_policy(complaints=bare, kinds=[DeadlineKind.RESOLUTION], start=changes[0].at)


def promise_start(*, changes: Sequence[Change]) -> int:
    """The agent's promise is a wall-clock deadline at `promised_by` (no business hours)."""
    policies = selectors.policy_map()
    ids = [c.complaint_id for c in changes]
    now = changes[0].at
    _close_open(
        complaint_ids=ids, kinds=[DeadlineKind.PROMISE], status=DeadlineStatus.CANCELLED, now=now
    )
    rows = []
    for change in changes:
        c = change.complaint
        if c.promised_by is None or c.state in CLOSED_STATES:
            continue
        policy = policies.get((c.category, c.severity))
        warn_percent = policy.warn_percent if policy is not None else 75
        window = max(c.promised_by - now, timedelta(0))
        due = now + window
        rows.append(
            _row(
                complaint=c,
                kind=DeadlineKind.PROMISE,
                start=now,
                minutes=window.total_seconds() / 60,
                warn_percent=warn_percent,
                calendar=None,
                window=(due, min(now + window * (warn_percent / 100), due)),
            )
        )
    rows_insert(Deadline, rows)
    return len(rows)


def promise_validate(*, complaint: Complaint, promised_by: datetime) -> None:
    """A promise must lie within the policy's resolution window (RuleViolationError, 422).

    A guard of `acknowledge`: runs before anything is written. The window ends at the open
    resolution deadline, or, if there is none, one resolution window of business time from now.
    """
    policy = selectors.policy_map().get((complaint.category, complaint.severity))
    if policy is None or promised_by is None:
        return
    now = timezone.now()
    resolution = (
        Deadline.objects.filter(
            complaint_id=complaint.pk,
            kind=DeadlineKind.RESOLUTION,
            status__in=OPEN_STATUSES,
            paused_at__isnull=True,
        )
        .order_by("-started_at")
        .values_list("due_at", flat=True)
        .first()
    )
    limit = resolution or add_business_time(
        policy.calendar.schedule, now, policy.resolution_minutes * MINUTE
    )
    if promised_by > limit:
        local = timezone.localtime(limit, policy.calendar.schedule.tz)
        message = _(
            "The promise lies beyond the resolution window for %(policy)s: "
            "promise an answer no later than %(limit)s."
        ) % {"policy": policy, "limit": f"{local:%Y-%m-%d %H:%M %Z}"}
        raise RuleViolationError(message, fields={"promised_by": [message]})


def _open_locked(*, complaint_id: int, paused: bool) -> list[Deadline]:
    """The complaint's open service deadlines that are (or are not) paused, locked, with
    calendars. Regulatory clocks never pause: pause and resume do not see them."""
    return list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(
            complaint_id=complaint_id,
            status__in=OPEN_STATUSES,
            paused_at__isnull=not paused,
            kind__in=SERVICE_KINDS,
        )
    )


def deadlines_pause(*, changes: Sequence[Change]) -> int:
    """Stop the clock: keep the business time that was left on each open deadline."""
    count = 0
    for change in changes:
        paused_at = change.complaint.paused_at or change.at
        rows = _open_locked(complaint_id=change.complaint_id, paused=False)
        for d in rows:
            schedule = _schedule(d.calendar)
            d.remaining_seconds = int(
                business_time_between(schedule, paused_at, d.due_at).total_seconds()
            )
            d.warn_remaining_seconds = int(
                business_time_between(schedule, paused_at, d.warn_at).total_seconds()
            )
            d.paused_at = paused_at
        Deadline.objects.bulk_update(
            rows, ["remaining_seconds", "warn_remaining_seconds", "paused_at"]
        )
        count += len(rows)
    complaint_next_due_refresh(complaint_ids=[c.complaint_id for c in changes])
    return count


def deadlines_resume(*, changes: Sequence[Change]) -> int:
    """Restart the clock with the time that was left when it stopped."""
    count = 0
    for change in changes:
        resumed_at = change.at
        rows = _open_locked(complaint_id=change.complaint_id, paused=True)
        for d in rows:
            schedule = _schedule(d.calendar)
            d.due_at = add_business_time(
                schedule, resumed_at, timedelta(seconds=d.remaining_seconds or 0)
            )
            d.warn_at = min(
                d.due_at,
                add_business_time(
                    schedule, resumed_at, timedelta(seconds=d.warn_remaining_seconds or 0)
                ),
            )
            d.paused_at = d.remaining_seconds = d.warn_remaining_seconds = None
        Deadline.objects.bulk_update(
            rows, ["due_at", "warn_at", "paused_at", "remaining_seconds", "warn_remaining_seconds"]
        )
        count += len(rows)
    complaint_next_due_refresh(complaint_ids=[c.complaint_id for c in changes])
    return count


# --- regulatory clocks (the regimes app decides them; they are written here) -------------------


def regulatory_deadlines_start(*, rows: Sequence[dict]) -> int:
    """Write regulatory clocks: dicts of complaint_id, kind, started_at, due_at, warn_at.

    Wall-clock rows (no calendar, never paused), in the caller's transaction (the engine's, at
    intake). A complaint already holding an open clock of a kind does not get a second one."""
    kinds = {r["kind"] for r in rows}
    if kinds - set(REGULATORY_KINDS):
        raise ValueError(f"Not regulatory deadline kinds: {sorted(kinds - set(REGULATORY_KINDS))}")
    existing = set(
        Deadline.objects.filter(
            among(Deadline, {r["complaint_id"] for r in rows}, "complaint"),
            status__in=OPEN_STATUSES,
            kind__in=REGULATORY_KINDS,
        ).values_list("complaint_id", "kind")
    )
    new = [
        {
            "complaint_id": r["complaint_id"],
            "kind": r["kind"],
            "status": DeadlineStatus.PENDING,
            "calendar_id": None,
            "started_at": r["started_at"],
            "due_at": r["due_at"],
            "warn_at": min(r["warn_at"], r["due_at"]),
        }
        for r in rows
        if (r["complaint_id"], r["kind"]) not in existing
    ]
    rows_insert(Deadline, new)
    return len(new)


def regulatory_deadlines_meet(
    *, complaint_ids: Iterable[int], kinds: Sequence[str], now: datetime
) -> int:
    """Meet the complaints' open regulatory clocks of `kinds` (the event they wait for came)."""
    kinds = [k for k in kinds if k in REGULATORY_KINDS]
    if not kinds:
        return 0
    return _close_open(complaint_ids=complaint_ids, kinds=kinds, status=DeadlineStatus.MET, now=now)
