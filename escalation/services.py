"""Write services of the escalation app: deadlines that follow a complaint, and the sweep.

Invariants:
- A Deadline is open (pending/warned) until it is met, cancelled or breached, exactly once; the
  sweep changes status only on rows it holds locked (`select_for_update(skip_locked=True)` on
  PostgreSQL; SQLite serialises writers, so the sweep takes the write lock first), and the
  escalation of the complaint commits in the same transaction as the breach. A re-delivered or
  concurrent sweep therefore finds nothing left to do.
- Lock order is deadline → complaint (the sweep). Receivers lock deadlines and then, last,
  the complaint row that `complaint_next_due_refresh` updates; complaint services lock only
  complaints. So the three never wait on each other in a cycle.
- Emails are sent inside the transaction that sets the `*_notified_at` marker: a retried sweep
  never sends a second message for the same event. The breach email goes out with the breach
  itself; if the mail backend fails, the escalation commits without the marker and
  `_notify_batch` sends the message later.
- The sweep's hot path is set-based: per batch a fixed number of statements (ids passed as one
  array, rows written by COPY on PostgreSQL), whatever the batch size.
- `Complaint.next_due_at` is the earliest `due_at` of the complaint's running deadlines (open,
  not paused). Every service here that starts, meets, cancels, pauses or resumes deadlines
  refreshes it in the same transaction (`complaint_next_due_refresh`, one set-based UPDATE).
- Complaint state changes in bulk mirror `complaints.services.complaint_escalate` and
  `complaint_raise_level`: guarded by the current state, one TransitionLog row per complaint,
  `complaint_transitioned` sent after commit.
This module may import complaints, never compensation.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from complaints import events as complaint_events
from complaints import roles
from complaints import services as complaint_services
from complaints.errors import ConflictError, InvalidTransitionError, RuleViolationError
from complaints.models import (
    Complaint,
    Message,
    MessageKind,
    State,
    TransitionLog,
    Visibility,
)
from escalation import events, selectors
from escalation.businesstime import (
    MINUTE,
    Schedule,
    add_business_time,
    always_open,
    business_time_between,
)
from escalation.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ResponsePolicy,
)
from webhooks.models import EVENT_TYPES, OutboxEvent
from webhooks.services import outbox_record_many

log = logging.getLogger(__name__)

SWEEP_LABEL = "system: deadline sweep"
COOLING_OFF_LABEL = "system: pause ended"
ESCALATABLE = (State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED)
CLOSED = (State.REMEDIED, State.LIMIT_SET)
_NEXT_TIER = Case(
    When(tier=roles.FRONTLINE, then=Value(roles.TEAM_LEAD)),
    When(tier=roles.TEAM_LEAD, then=Value(roles.MANAGER)),
    default=F("tier"),
)


def _schedule(calendar: BusinessCalendar | None) -> Schedule:
    return calendar.schedule if calendar is not None else always_open()


def _windows(
    schedule: Schedule, start: datetime, window: timedelta, warn_percent: int
) -> tuple[datetime, datetime]:
    """(due_at, warn_at) for a window of business time starting at `start`."""
    due = add_business_time(schedule, start, window)
    warn = add_business_time(schedule, start, window * (warn_percent / 100))
    return due, min(warn, due)


def _new_deadline(
    *,
    complaint: Complaint,
    kind: str,
    start: datetime,
    window: timedelta,
    calendar: BusinessCalendar | None,
    warn_percent: int,
) -> Deadline:
    """An unsaved deadline; created paused when the complaint's clock is stopped."""
    deadline = Deadline(complaint_id=complaint.pk, kind=kind, calendar=calendar, started_at=start)
    schedule = _schedule(calendar)
    if complaint.paused_at is not None:
        deadline.paused_at = complaint.paused_at
        deadline.remaining_seconds = int(window.total_seconds())
        deadline.warn_remaining_seconds = int(window.total_seconds() * warn_percent / 100)
    deadline.due_at, deadline.warn_at = _windows(schedule, start, window, warn_percent)
    return deadline


def _close_open(*, complaint_id: int, kinds: list[str] | None, status: str, now: datetime) -> int:
    """Mark the complaint's open deadlines (of `kinds`, or all) met or cancelled."""
    qs = Deadline.objects.filter(complaint_id=complaint_id, status__in=OPEN_STATUSES)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    ids = list(qs.select_for_update().values_list("pk", flat=True))
    stamp = {"met_at": now} if status == DeadlineStatus.MET else {"cancelled_at": now}
    return Deadline.objects.filter(pk__in=ids).update(status=status, **stamp)


def _start_from_policy(
    *, complaint: Complaint, kinds: list[str], now: datetime, replace: bool = True
) -> list[Deadline]:
    policy = selectors.policy_get(category=complaint.category, severity=complaint.severity)
    if policy is None:
        log.warning("No response policy for %s/%s", complaint.category, complaint.severity)
        return []
    minutes = {
        DeadlineKind.FIRST_RESPONSE: policy.first_response_minutes,
        DeadlineKind.RESOLUTION: policy.resolution_minutes,
        DeadlineKind.APPROVAL: policy.approval_minutes,
    }
    if replace:
        _close_open(
            complaint_id=complaint.pk, kinds=kinds, status=DeadlineStatus.CANCELLED, now=now
        )
    return Deadline.objects.bulk_create(
        _new_deadline(
            complaint=complaint,
            kind=kind,
            start=now,
            window=minutes[kind] * MINUTE,
            calendar=policy.calendar,
            warn_percent=policy.warn_percent,
        )
        for kind in kinds
    )


def complaint_next_due_refresh(*, complaint_ids: Iterable[int]) -> int:
    """Set `Complaint.next_due_at` of these complaints from their running deadlines.

    One UPDATE with a correlated subquery, whatever the number of complaints; a queryset update,
    so neither the version nor `updated_at` changes (this is not an edit of the complaint).
    Called inside the caller's transaction, after its deadline writes. Returns rows updated.
    """
    ids = set(complaint_ids)
    if not ids:
        return 0
    earliest = (
        Deadline.objects.filter(
            complaint_id=OuterRef("pk"), status__in=OPEN_STATUSES, paused_at__isnull=True
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return Complaint.objects.filter(pk__in=ids).update(next_due_at=Subquery(earliest))


# --- the deadlines follow the complaint (receivers of complaints.events call these) ------------


@transaction.atomic
def deadline_on_created(*, complaint_id: int) -> list[Deadline]:
    """Intake: the first-response and resolution clocks start."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None or not complaint.is_open:
        return []
    started = _start_from_policy(
        complaint=complaint,
        kinds=[DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION],
        now=complaint.created_at,
    )
    complaint_next_due_refresh(complaint_ids=[complaint_id])
    return started


def deadline_on_transition(
    *, complaint_id: int, transition: str, payload: dict | None = None, **_: Any
) -> None:
    """Meet, cancel or start deadlines after a complaint's transition has committed."""
    payload = payload or {}
    if transition == "escalate" and "approval_deadline_started" in payload:
        return  # the sweep settled the approval clock (started, kept or none at the top tier)
    with transaction.atomic():
        _follow_transition(complaint_id=complaint_id, transition=transition)
        complaint_next_due_refresh(complaint_ids=[complaint_id])


def _follow_transition(*, complaint_id: int, transition: str) -> None:
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return
    now = timezone.now()
    if transition == "acknowledge":
        _close_open(
            complaint_id=complaint_id,
            kinds=[DeadlineKind.FIRST_RESPONSE],
            status=DeadlineStatus.MET,
            now=now,
        )
        if complaint.promised_by is not None and complaint.is_open:
            promise_start(complaint=complaint, now=now)
    elif transition in ("remedy", "approve"):
        _close_open(complaint_id=complaint_id, kinds=None, status=DeadlineStatus.MET, now=now)
    elif transition == "set_limits":
        _close_open(complaint_id=complaint_id, kinds=None, status=DeadlineStatus.CANCELLED, now=now)
    elif transition == "escalate":
        if complaint.state == State.ESCALATED:
            _start_from_policy(complaint=complaint, kinds=[DeadlineKind.APPROVAL], now=now)
    elif transition == "return":
        _close_open(
            complaint_id=complaint_id,
            kinds=[DeadlineKind.APPROVAL],
            status=DeadlineStatus.CANCELLED,
            now=now,
        )
    elif transition == "reopen":
        _close_open(complaint_id=complaint_id, kinds=None, status=DeadlineStatus.CANCELLED, now=now)
        if complaint.is_open:
            _start_from_policy(
                complaint=complaint,
                kinds=[DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION],
                now=now,
                replace=False,
            )


def promise_start(*, complaint: Complaint, now: datetime) -> Deadline:
    """The agent's promise is a wall-clock deadline at `complaint.promised_by`."""
    policy = selectors.policy_get(category=complaint.category, severity=complaint.severity)
    warn_percent = policy.warn_percent if policy is not None else 75
    _close_open(
        complaint_id=complaint.pk,
        kinds=[DeadlineKind.PROMISE],
        status=DeadlineStatus.CANCELLED,
        now=now,
    )
    window = max(complaint.promised_by - now, timedelta(0))
    deadline = _new_deadline(
        complaint=complaint,
        kind=DeadlineKind.PROMISE,
        start=now,
        window=window,
        calendar=None,
        warn_percent=warn_percent,
    )
    deadline.save()
    complaint_next_due_refresh(complaint_ids=[complaint.pk])
    return deadline


def promise_validate(*, complaint: Complaint, promised_by: datetime) -> None:
    """A promise must lie within the policy's resolution window (RuleViolationError, 422).

    Called synchronously by complaint_acknowledge (through `complaints.events.validate_promise`)
    before anything is written. The window ends at the open resolution deadline, or, if there is
    none, one resolution window of business time from now.
    """
    policy = selectors.policy_get(category=complaint.category, severity=complaint.severity)
    if policy is None:
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
        message = (
            f"The promise lies beyond the resolution window for {policy}: "
            f"promise an answer no later than {local:%a %d %b %Y %H:%M %Z}."
        )
        raise RuleViolationError(message, fields={"promised_by": [message]})


@transaction.atomic
def deadline_pause(*, complaint_id: int, paused_at: datetime, **_: Any) -> int:
    """Stop the clock: keep the business time that was left on each open deadline."""
    rows = list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(complaint_id=complaint_id, status__in=OPEN_STATUSES, paused_at__isnull=True)
    )
    for d in rows:
        schedule = _schedule(d.calendar)
        d.remaining_seconds = int(
            business_time_between(schedule, paused_at, d.due_at).total_seconds()
        )
        d.warn_remaining_seconds = int(
            business_time_between(schedule, paused_at, d.warn_at).total_seconds()
        )
        d.paused_at = paused_at
    Deadline.objects.bulk_update(rows, ["remaining_seconds", "warn_remaining_seconds", "paused_at"])
    complaint_next_due_refresh(complaint_ids=[complaint_id])
    return len(rows)


@transaction.atomic
def deadline_resume(*, complaint_id: int, resumed_at: datetime, **_: Any) -> int:
    """Restart the clock with the time that was left when it stopped."""
    rows = list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(complaint_id=complaint_id, status__in=OPEN_STATUSES, paused_at__isnull=False)
    )
    for d in rows:
        schedule = _schedule(d.calendar)
        d.due_at = add_business_time(schedule, resumed_at, timedelta(seconds=d.remaining_seconds))
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
    complaint_next_due_refresh(complaint_ids=[complaint_id])
    return len(rows)


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    cancelled: int = 0
    escalated: int = 0
    raised: int = 0
    notified: int = 0
    resumed: int = 0
    batches: int = 0


def _among(model: Any, ids: Any, field: str = "pk") -> Any:
    """Filter for "`field` is one of a batch's ids". On PostgreSQL one array parameter
    (`= ANY(%s)`): no SQL with a placeholder per id to build and parse, and an index scan even
    when the table's statistics are stale; elsewhere the plain `__in` lookup."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    column = model._meta.pk.column if field == "pk" else model._meta.get_field(field).column
    sql = f'"{model._meta.db_table}"."{column}" = ANY(%s::bigint[])'
    return RawSQL(sql, [ids], output_field=BooleanField())


def _take_writer_lock() -> None:
    """SQLite has no row locks: take the database's write lock before reading due rows, so two
    sweeps cannot both read the same rows as open. (An UPDATE matching no row is enough.)"""
    if connection.vendor == "sqlite":
        Deadline.objects.filter(pk=-1).update(status=DeadlineStatus.PENDING)


def _due(qs, batch_size: int, fields: tuple[str, ...], order: str = "pk") -> list[dict]:
    """Lock up to `batch_size` rows that no other sweep holds; skip the ones it does."""
    qs = qs.select_for_update(skip_locked=True).order_by(order)
    return list(qs.values(*fields)[:batch_size])


def deadline_sweep(*, batch_size: int = 500, now: datetime | None = None) -> SweepResult:
    """Warn, breach and notify every due deadline, batch by batch, until none is left.

    Each batch is its own transaction, so memory stays flat and other sweeps can take other
    rows at the same time.
    """
    now = now or timezone.now()
    result = SweepResult()
    _resume_ended_pauses(now=now, result=result)
    for step in (_breach_batch, _warn_batch, _notify_batch):
        while True:
            result.batches += 1
            if step(batch_size=batch_size, now=now, result=result) < batch_size:
                break
    return result


def _resume_ended_pauses(*, now: datetime, result: SweepResult) -> None:
    """A cooling-off pause agreed until a time ends by itself when that time comes."""
    ids = Complaint.objects.filter(paused_at__isnull=False, pause_until__lte=now).values_list(
        "pk", flat=True
    )
    for complaint_id in ids:
        try:
            complaint_services.complaint_resume(
                complaint_id=complaint_id, actor=None, actor_label=COOLING_OFF_LABEL
            )
            result.resumed += 1
        except InvalidTransitionError:
            pass  # resumed by someone else meanwhile


def _warn_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    with transaction.atomic():
        _take_writer_lock()
        qs = Deadline.objects.filter(
            status=DeadlineStatus.PENDING, paused_at__isnull=True, warn_at__lte=now, due_at__gt=now
        )
        rows = _due(qs, batch_size, ("pk", "complaint_id", "kind"), order="warn_at")
        if not rows:
            return 0
        Deadline.objects.filter(_among(Deadline, [r["pk"] for r in rows])).update(
            status=DeadlineStatus.WARNED, warned_at=now
        )
        at = _at(now)
        _outbox([("deadline.warned", _hook(r, at)) for r in rows])
        _signal_after_commit(events.deadline_warned, rows)
    result.warned += len(rows)
    return len(rows)


def _breach_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    """Breach one batch of due deadlines, escalate their complaints and notify the new tier.

    The breach email goes out in this same transaction, whose UPDATE also sets the marker; if the
    mail backend fails, the escalation still commits without the marker and `_notify_batch`
    retries the message (and reports the error) later.
    """
    with transaction.atomic():
        _take_writer_lock()
        qs = Deadline.objects.filter(
            status__in=OPEN_STATUSES, paused_at__isnull=True, due_at__lte=now
        )
        rows = _due(qs, batch_size, ("pk", "complaint_id", "kind", "due_at"), order="due_at")
        if not rows:
            return 0
        complaints = {
            c["pk"]: c
            for c in Complaint.objects.select_for_update()
            .filter(_among(Complaint, {r["complaint_id"] for r in rows}))
            .order_by("pk")
            .values(
                "pk",
                "reference",
                "subject",
                "state",
                "tier",
                "escalation_level",
                "assignee_id",
                "category",
                "severity",
                "paused_at",
            )
        }
        breached, cancelled = [], []
        cause: dict[int, dict] = {}  # complaint → the first deadline that broke it
        for r in rows:
            state = complaints[r["complaint_id"]]["state"]
            (cancelled if state in CLOSED else breached).append(r)
            if state not in CLOSED:
                cause.setdefault(r["complaint_id"], r)
        # The marker is set with the breach; it is taken back below if the email cannot go out.
        breach_ids = [r["pk"] for r in breached]
        if breached:
            Deadline.objects.filter(_among(Deadline, breach_ids)).update(
                status=DeadlineStatus.BREACHED, breached_at=now, breach_notified_at=now
            )
        if cancelled:
            Deadline.objects.filter(_among(Deadline, [r["pk"] for r in cancelled])).update(
                status=DeadlineStatus.CANCELLED, cancelled_at=now
            )
        to_escalate = [c for c in cause if complaints[c]["state"] in ESCALATABLE]
        to_raise = [c for c in cause if complaints[c]["state"] == State.ESCALATED]
        escalated_logs = _escalate_bulk(
            complaints=complaints, ids=to_escalate, raise_ids=to_raise, cause=cause, now=now
        )
        notified = _notify_breaches(rows=breached, complaints=complaints)
        if notified is None:
            Deadline.objects.filter(_among(Deadline, breach_ids)).update(breach_notified_at=None)
        at = _at(now)
        _outbox(
            [("deadline.breached", _hook(r, at)) for r in breached]
            + [
                (
                    "complaint.transitioned",
                    {
                        "complaint_id": row["complaint_id"],
                        "reference": complaints[row["complaint_id"]]["reference"],
                        "transition": row["transition"],
                        "from_state": row["from_state"],
                        "to_state": row["to_state"],
                        "actor": row["actor_label"],
                        "reason": row["reason"],
                        "escalation_level": complaints[row["complaint_id"]]["escalation_level"] + 1,
                        "at": at,
                    },
                )
                for row in escalated_logs
            ]
        )
        _signal_after_commit(events.deadline_breached, breached)
        _transitioned_after_commit(escalated_logs)
        complaint_next_due_refresh(complaint_ids=complaints)  # breached, cancelled, approvals
    result.breached += len(breached)
    result.cancelled += len(cancelled)
    result.escalated += len(to_escalate)
    result.raised += len(to_raise)
    result.notified += notified or 0
    return len(rows)


def _notify_breaches(*, rows: list[dict], complaints: dict[int, dict]) -> int | None:
    """Email each breached deadline's complaint at its new tier; None if the backend failed.

    Every complaint of a breached row is escalated or raised in this batch, so its new tier is
    the next one (or the top one).
    """
    if not rows:
        return 0
    after = {}
    for cid in {r["complaint_id"] for r in rows}:
        c = complaints[cid]
        after[cid] = {
            **c,
            "tier": _next_tier(c["tier"]),
            "state": State.ESCALATED,
        }
    members = _tier_emails({c["tier"] for c in after.values()})
    labels = _kind_labels()
    mails = []
    for r in rows:
        c = after[r["complaint_id"]]
        if members[c["tier"]]:
            mails.append(_mail(r, c, "breached", members[c["tier"]], labels))
    try:
        if mails:
            get_connection().send_messages(mails)
    except Exception:  # the escalation must not wait on the mail server
        log.exception("Breach notifications failed; a later sweep sends them again")
        return None
    return len(mails)


def _transitioned_after_commit(logs: list[dict]) -> None:
    """`complaint_transitioned` for each escalation, as complaint_escalate sends it."""
    payload = [
        (
            row["complaint_id"],
            row["transition"],
            row["from_state"],
            row["to_state"],
            row["pk"],
            row["payload"],
        )
        for row in logs
    ]

    def send() -> None:
        for complaint_id, transition, from_state, to_state, log_id, data in payload:
            complaint_events.complaint_transitioned.send(
                sender=Complaint,
                complaint_id=complaint_id,
                transition=transition,
                from_state=from_state,
                to_state=to_state,
                actor_id=None,
                log_id=log_id,
                payload=data,
            )

    if payload:
        transaction.on_commit(send)


def _uuid7(count: int) -> list[str]:
    """Time-ordered UUIDs (RFC 9562 version 7): new outbox rows land at the right edge of the
    primary-key index instead of on random pages of it."""
    ms = time.time_ns() // 1_000_000
    head = (ms << 80) | (0x7 << 76) | (0b10 << 62)
    noise = os.urandom(10 * count)
    ids = []
    for i in range(count):
        r = int.from_bytes(noise[10 * i : 10 * i + 10], "big")
        value = head | ((r >> 62) & 0xFFF) << 64 | (r & 0x3FFF_FFFF_FFFF_FFFF)
        ids.append(f"{value:032x}")
    return ids


def _outbox(events: list[tuple[str, dict]]) -> None:
    """Record webhook events in this transaction; by COPY on PostgreSQL (no model instances)."""
    if connection.vendor != "postgresql":
        outbox_record_many(events=events)
        return
    unknown = {t for t, _ in events} - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types {sorted(unknown)!r}")
    encode = DjangoJSONEncoder().encode  # one encoder for the batch
    occurred = timezone.now()
    rows = [
        {"id": pk, "type": t, "payload": encode(p), "occurred_at": occurred}
        for pk, (t, p) in zip(_uuid7(len(events)), events, strict=True)
    ]
    _insert(OutboxEvent, rows)


def _at(now: datetime) -> str:
    """`now` as the outbox stores it (DjangoJSONEncoder's text), encoded once per batch."""
    return DjangoJSONEncoder().default(now)


def _hook(deadline: dict, at: str) -> dict:
    """Webhook payload of a deadline event."""
    return {
        "deadline_id": deadline["pk"],
        "complaint_id": deadline["complaint_id"],
        "kind": deadline["kind"],
        "at": at,
    }


@functools.lru_cache(maxsize=16)
def _next_tier(tier: str) -> str:
    """The tier a breach moves a complaint to (the top tier stays where it is)."""
    return roles.next_tier(tier) or tier


def _local_tz() -> ZoneInfo:
    return timezone.get_default_timezone()  # cached by Django; cheaper than localtime() per row


def _kind_labels() -> dict[str, str]:
    """Lower-case labels of the deadline kinds, translated once per batch, not once per row."""
    return {kind.value: str(kind.label).lower() for kind in DeadlineKind}


@functools.lru_cache(maxsize=4096)
def _when(due_at: datetime, tz: Any) -> str:
    """`due_at` as the history and emails show it; a batch's rows often share it."""
    return f"{due_at.astimezone(tz):%Y-%m-%d %H:%M %Z}"


def _reason(deadline: dict, labels: dict[str, str]) -> str:
    label = labels[deadline["kind"]]
    return (
        f"The {label} deadline ({_when(deadline['due_at'], _local_tz())}) passed without an answer."
    )


def _escalate_bulk(
    *,
    complaints: dict[int, dict],
    ids: list[int],
    raise_ids: list[int],
    cause: dict[int, dict],
    now: datetime,
) -> list[dict]:
    """Escalate `ids` and raise the level of `raise_ids`, all rows already locked.

    Set-based: one guarded UPDATE per group, one bulk insert each for the logs, the timeline
    messages and the next tier's approval deadlines. Returns the `escalate` log rows.
    """
    if not ids and not raise_ids:
        return []
    common = {
        "escalation_level": F("escalation_level") + 1,
        "tier": _NEXT_TIER,
        "assignee": None,
        "version": F("version") + 1,
        "updated_at": now,
    }
    done = raised = 0
    if ids:
        done = Complaint.objects.filter(_among(Complaint, ids), state__in=ESCALATABLE).update(
            state=State.ESCALATED, escalated_from=F("state"), state_changed_at=now, **common
        )
    if raise_ids:
        raised = Complaint.objects.filter(
            _among(Complaint, raise_ids), state=State.ESCALATED
        ).update(**common)
    if done != len(ids) or raised != len(raise_ids):  # impossible while we hold the row locks
        raise ConflictError("A complaint changed during the sweep.")

    approvals = _approval_deadlines(complaints=complaints, ids=[*ids, *raise_ids], now=now)
    labels = _kind_labels()
    logs, messages = [], []
    for cid in [*ids, *raise_ids]:
        c = complaints[cid]
        escalating = c["state"] != State.ESCALATED
        to_tier = _next_tier(c["tier"])
        reason = _reason(cause[cid], labels)
        payload = {
            "previous_assignee_id": c["assignee_id"],
            "from_tier": c["tier"],
            "to_tier": to_tier,
            "deadline_id": cause[cid]["pk"],
            "deadline_kind": cause[cid]["kind"],
            "approval_deadline_started": cid in approvals,
        }
        logs.append(
            {
                "complaint_id": cid,
                "transition": "escalate" if escalating else "raise_level",
                "from_state": c["state"],
                "to_state": State.ESCALATED,
                "actor_id": None,
                "actor_label": SWEEP_LABEL,
                "reason": reason,
                "payload": payload,
                "created_at": now,
            }
        )
        messages.append(
            {
                "complaint_id": cid,
                "author_id": None,
                "author_label": SWEEP_LABEL,
                "kind": MessageKind.SYSTEM,
                "visibility": Visibility.INTERNAL,
                "body": f"{'Escalated' if escalating else 'Raised'} to {to_tier}: {reason}",
                "created_at": now,
            }
        )
    for row, pk in zip(logs, _insert(TransitionLog, logs, ids=True), strict=True):
        row["pk"] = pk
    _insert(Message, messages)
    return [row for row in logs if row["transition"] == "escalate"]


def _insert(model: Any, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert plain rows (keys are column names) in one go; return their ids if asked.

    On PostgreSQL this is COPY with ids drawn from the sequence up front (no model instances,
    several times faster than bulk_create); elsewhere bulk_create.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in created]
    table = model._meta.db_table
    columns = list(rows[0])
    pks: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
        names = ", ".join(f'"{c}"' for c in (["id", *columns] if ids else columns))
        json_columns = {c for c in columns if isinstance(rows[0][c], dict)}
        with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for i, row in enumerate(rows):
                values = [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                copy.write_row([pks[i], *values] if ids else values)
    return pks


def _approval_deadlines(*, complaints: dict[int, dict], ids: list[int], now: datetime) -> set[int]:
    """Start the next tier's approval clock for complaints that have none open (bulk).

    Deadlines this sweep has not locked are only read, never written, so a concurrent sweep
    is never waited on while we hold complaint locks.
    """
    already = set(
        Deadline.objects.filter(
            _among(Deadline, ids, "complaint"),
            kind=DeadlineKind.APPROVAL,
            status__in=OPEN_STATUSES,
        ).values_list("complaint_id", flat=True)
    )
    policies = selectors.policy_map()
    rows = []
    for cid in ids:
        c = complaints[cid]
        top = roles.next_tier(c["tier"]) is None
        policy: ResponsePolicy | None = policies.get((c["category"], c["severity"]))
        if cid in already or policy is None or top:
            continue
        due, warn = _approval_window(policy, now)
        paused = c["paused_at"]
        rows.append(
            {
                "complaint_id": cid,
                "kind": DeadlineKind.APPROVAL,
                "status": DeadlineStatus.PENDING,
                "calendar_id": policy.calendar_id,
                "started_at": now,
                "due_at": due,
                "warn_at": warn,
                "paused_at": paused,
                "remaining_seconds": policy.approval_minutes * 60 if paused else None,
                "warn_remaining_seconds": (
                    policy.approval_minutes * 60 * policy.warn_percent // 100 if paused else None
                ),
            }
        )
    _insert(Deadline, rows)
    return {row["complaint_id"] for row in rows}


_WINDOWS: dict[tuple, tuple[datetime, datetime]] = {}


def _approval_window(policy: ResponsePolicy, now: datetime) -> tuple[datetime, datetime]:
    """(due_at, warn_at) of an approval clock started at `now`. Every row of a sweep starts at
    the sweep's `now`, so this is worked out once per policy and sweep, not per row or batch."""
    key = (now, policy.pk, policy.calendar_id, policy.approval_minutes, policy.warn_percent)
    if key not in _WINDOWS:
        if len(_WINDOWS) > 256:
            _WINDOWS.clear()
        _WINDOWS[key] = _windows(
            policy.calendar.schedule, now, policy.approval_minutes * MINUTE, policy.warn_percent
        )
    return _WINDOWS[key]


def _signal_after_commit(signal: Any, rows: list[dict]) -> None:
    payload = [(r["pk"], r["complaint_id"], r["kind"]) for r in rows]

    def send() -> None:
        for deadline_id, complaint_id, kind in payload:
            signal.send(
                sender=Deadline, deadline_id=deadline_id, complaint_id=complaint_id, kind=kind
            )

    transaction.on_commit(send)


# --- notifications ------------------------------------------------------------------------------


def _notify_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    """Email the assignee about warnings and the complaint's (new) tier about breaches.

    The message is sent in the transaction that sets the marker; if sending fails, nothing is
    marked and the next sweep tries again.
    """
    with transaction.atomic():
        _take_writer_lock()
        qs = Deadline.objects.filter(
            Q(warned_at__isnull=False, warn_notified_at__isnull=True)
            | Q(breached_at__isnull=False, breach_notified_at__isnull=True)
        )
        rows = _due(
            qs,
            batch_size,
            (
                "pk",
                "complaint_id",
                "kind",
                "status",
                "due_at",
                "warned_at",
                "breached_at",
                "warn_notified_at",
                "breach_notified_at",
            ),
        )
        if not rows:
            return 0
        complaints = {
            c["pk"]: c
            for c in Complaint.objects.filter(
                _among(Complaint, {r["complaint_id"] for r in rows})
            ).values("pk", "reference", "subject", "tier", "state", "assignee__email")
        }
        tier_members = _tier_emails({c["tier"] for c in complaints.values()})
        labels = _kind_labels()
        mails, warn_ids, breach_ids = [], [], []
        for r in rows:
            c = complaints[r["complaint_id"]]
            if r["warned_at"] and not r["warn_notified_at"]:
                warn_ids.append(r["pk"])
                if r["status"] == DeadlineStatus.WARNED:  # breached or met since: say nothing
                    to = [c["assignee__email"]] if c["assignee__email"] else tier_members[c["tier"]]
                    mails.append(_mail(r, c, "warning", to, labels))
            if r["breached_at"] and not r["breach_notified_at"]:
                breach_ids.append(r["pk"])
                mails.append(_mail(r, c, "breached", tier_members[c["tier"]], labels))
        mails = [m for m in mails if m.to]
        if mails:
            get_connection().send_messages(mails)
        if warn_ids:
            Deadline.objects.filter(_among(Deadline, warn_ids)).update(warn_notified_at=now)
        if breach_ids:
            Deadline.objects.filter(_among(Deadline, breach_ids)).update(breach_notified_at=now)
    result.notified += len(mails)
    return len(rows)


def _tier_emails(tiers: set[str]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for group, email in (
        get_user_model()
        .objects.filter(groups__name__in=tiers, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("groups__name", "email")
    ):
        members[group].append(email)
    return members


def _mail(
    deadline: dict, complaint: dict, what: str, to: list[str], labels: dict[str, str]
) -> EmailMessage:
    label = labels[deadline["kind"]]
    when = _when(deadline["due_at"], _local_tz())
    ref = complaint["reference"] or f"#{complaint['pk']}"
    if what == "warning":
        due = deadline["due_at"].astimezone(_local_tz())
        subject = f"[Redress] {ref}: {label} deadline at {due:%a %H:%M} is near"
        body = f"The {label} deadline of {ref} ({complaint['subject']}) falls due at {when}."
    else:
        subject = f"[Redress] {ref}: {label} deadline missed, now with {complaint['tier']}"
        body = (
            f"The {label} deadline of {ref} ({complaint['subject']}) passed at "
            f"{when}. The complaint is now {complaint['state']} "
            f"at the {complaint['tier']} tier and waits for you."
        )
    url = f"/admin/complaints/complaint/{complaint['pk']}/change/"
    return EmailMessage(
        subject=subject,
        body=f"{body}\n\n{getattr(settings, 'REDRESS_BASE_URL', '')}{url}\n",
        to=sorted(set(to)),
    )
