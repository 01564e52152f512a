"""The deadline sweep: warn and breach due deadlines in batches, escalating through the engine.

Invariants:
- Breaches are taken complaint by complaint: a batch locks complaints whose `next_due_at` has
  passed (`select_for_update(skip_locked=True)` on PostgreSQL; SQLite serialises writers, so
  the sweep takes the write lock first), then all their lapsed deadlines. Each complaint is
  escalated once for all of them (or, already escalated, raised one level), through
  `complaints.services.complaint_escalate_many` — the engine's own writer, the one the single
  escalate uses. So the outcome depends neither on the batch size nor on how many sweeps run.
- A breach, the escalation it causes, its webhook events and its staff emails are written in
  one transaction; the emails are outbox rows sent after commit (`webhooks.mail_send_due`).
- Lock order complaint → deadline, as in the engine. A re-delivered or concurrent sweep finds
  nothing left to do.
- Memory stays flat: each batch is its own transaction over at most `batch_size` rows.
- Regulatory clocks (DESIGN §11) are not in `next_due_at`: they run on paused and closed
  complaints too. `_regulatory_batch` takes their lapsed rows directly: a lapsed summary window
  just closes (cancelled, no email); any other is breached, its staff told, and an open
  complaint escalated like any breach (a closed one stays closed: the breach is the record).
This module may import complaints, never compensation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import CLOSED_STATES, Complaint, State
from complaints.services.engine import next_tier
from core.db import among
from core.errors import InvalidTransitionError
from escalation.models import (
    OPEN_STATUSES,
    REGULATORY_KINDS,
    SERVICE_KINDS,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    SweepRun,
)
from escalation.services import notify
from escalation.services.deadlines import complaint_next_due_refresh
from webhooks.services import mail_record_many, outbox_record_many

SWEEP_LABEL = "system: deadline sweep"
COOLING_OFF_LABEL = "system: pause ended"
CLOSED = CLOSED_STATES


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


def _take_writer_lock() -> None:
    """SQLite has no row locks: take the database's write lock before reading due rows, so two
    sweeps cannot both read the same rows as open. (An UPDATE matching no row is enough.)"""
    if connection.vendor == "sqlite":
        Deadline.objects.filter(pk=-1).update(status=DeadlineStatus.PENDING)


def deadline_sweep(*, batch_size: int = 500, now: datetime | None = None) -> SweepResult:
    """Resume ended pauses, breach and warn every due deadline, batch by batch; then record
    the run (`SweepRun`) so health checks and metrics see when the sweep last finished."""
    started_at = timezone.now()
    now = now or started_at
    result = SweepResult()
    _resume_ended_pauses(now=now, result=result)
    held_elsewhere: set[int] = set()  # complaints another sweep holds: it warns them itself
    steps = (
        _breach_batch,
        _regulatory_batch,
        functools.partial(_warn_batch, held_elsewhere=held_elsewhere),
        _notify_batch,
    )
    for step in steps:
        while True:
            result.batches += 1
            if step(batch_size=batch_size, now=now, result=result) < batch_size:
                break
    sweep_run_record(started_at=started_at, result=result)
    return result


def sweep_run_record(*, started_at: datetime, result: SweepResult) -> None:
    """Overwrite the one `SweepRun` row with this run (real time, whatever `now` the sweep was
    given). One upsert (INSERT ... ON CONFLICT DO UPDATE), so concurrent sweeps never collide on
    it and every run costs the same one query."""
    finished_at = timezone.now()
    run = SweepRun(
        pk=1,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=(finished_at - started_at).total_seconds(),
        breached=result.breached,
        warned=result.warned,
    )
    SweepRun.objects.bulk_create(
        [run],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["started_at", "finished_at", "duration_seconds", "breached", "warned"],
    )


def _resume_ended_pauses(*, now: datetime, result: SweepResult) -> None:
    """A cooling-off pause agreed until a time ends by itself when that time comes."""
    ids = Complaint.objects.filter(paused_at__isnull=False, pause_until__lte=now).values_list(
        "pk", flat=True
    )
    for complaint_id in ids:
        try:
            complaint_services.complaint_resume(
                complaint_id=complaint_id,
                actor=None,
                actor_label=COOLING_OFF_LABEL,
                pause_ended_by=now,
            )
            result.resumed += 1
        except InvalidTransitionError:
            pass  # resumed (or paused again, until later) by someone else meanwhile


def _stamp(now: datetime) -> datetime:
    """When a batch's writes happen: `now` is only the sweep's "is it due" cutoff, fixed at its
    start, so a batch that runs later must not date its rows (logs, approval clocks) before
    changes committed meanwhile. A sweep run for a time ahead (tests, demos) keeps that time."""
    return max(now, timezone.now())


def _hook(kind: str, deadline: dict, at: datetime) -> tuple:
    """Webhook outbox event of a deadline: staff only (no customer-safe view, no audience): a
    customer learns of a lapsed deadline through the escalation it causes, not the deadline."""
    payload = {
        "deadline_id": deadline["pk"],
        "complaint_id": deadline["complaint_id"],
        "kind": deadline["kind"],
        "at": at,
    }
    return (kind, payload, None, ())


def _breach_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    """Breach the lapsed deadlines of one batch of complaints and escalate each complaint once."""
    with transaction.atomic():
        _take_writer_lock()
        complaints = {
            c["pk"]: c
            for c in Complaint.objects.filter(next_due_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("next_due_at", "pk")
            .values("pk", "reference", "subject", "state", "tier")[:batch_size]
        }
        if not complaints:
            return 0
        rows = list(
            Deadline.objects.filter(
                among(Deadline, complaints, "complaint"),
                status__in=OPEN_STATUSES,
                paused_at__isnull=True,
                due_at__lte=now,
                kind__in=SERVICE_KINDS,
            )
            .select_for_update()
            .order_by("due_at", "pk")
            .values("pk", "complaint_id", "kind", "due_at")
        )
        at = _stamp(now)
        breached, cancelled = [], []
        cause: dict[int, dict] = {}  # complaint → its earliest lapsed deadline
        for r in rows:
            if complaints[r["complaint_id"]]["state"] in CLOSED:
                cancelled.append(r)
            else:
                breached.append(r)
                cause.setdefault(r["complaint_id"], r)
        if breached:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in breached])).update(
                status=DeadlineStatus.BREACHED, breached_at=at, breach_notified_at=at
            )
        if cancelled:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in cancelled])).update(
                status=DeadlineStatus.CANCELLED, cancelled_at=at
            )
        labels = notify.kind_labels()
        done = complaint_services.complaint_escalate_many(
            items=[
                complaint_services.Escalation(
                    complaint_id=cid,
                    reason=notify.breach_reason(deadline=r, labels=labels),
                    payload={"deadline_id": r["pk"], "deadline_kind": r["kind"]},
                )
                for cid, r in cause.items()
            ],
            actor=None,
            actor_label=SWEEP_LABEL,
            now=at,
        )
        # Every complaint of a breached row climbed one tier (or stays at the top one).
        tiers = {cid: next_tier(complaints[cid]["tier"]) for cid in cause}
        members = notify.tier_emails(tiers=set(tiers.values()))
        mails = [
            notify.mail(
                deadline=r,
                complaint={
                    **complaints[r["complaint_id"]],
                    "tier": tiers[r["complaint_id"]],
                    "state": State.ESCALATED,
                },
                what="breached",
                to=members[tiers[r["complaint_id"]]],
                labels=labels,
            )
            for r in breached
        ]
        result.notified += mail_record_many(mails=mails)
        outbox_record_many(events=[_hook("deadline.breached", r, at) for r in breached])
        # Escalated and raised complaints were refreshed by the engine's reactions; the rest
        # (closed ones, or a stale next_due_at with nothing lapsed) are refreshed here.
        complaint_next_due_refresh(
            complaint_ids=set(complaints) - set(done.escalated) - set(done.raised)
        )
    result.breached += len(breached)
    result.cancelled += len(cancelled)
    result.escalated += len(done.escalated)
    result.raised += len(done.raised)
    return len(complaints)


def _regulatory_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    """Breach (or, for a summary window, close) one batch of lapsed regulatory clocks; escalate
    each open complaint among them once, through the engine's writer. Returns rows looked at."""
    with transaction.atomic():
        _take_writer_lock()
        lapsed = Deadline.objects.filter(
            status__in=OPEN_STATUSES, kind__in=REGULATORY_KINDS, due_at__lte=now
        )
        wanted = set(lapsed.values_list("complaint_id", flat=True)[:batch_size])
        if not wanted:
            return 0
        complaints = {
            c["pk"]: c
            for c in Complaint.objects.filter(among(Complaint, wanted))
            .select_for_update(skip_locked=True, of=("self",))
            .values("pk", "reference", "subject", "state", "tier", "assignee__email")
        }
        rows = list(
            lapsed.filter(among(Deadline, complaints, "complaint"))
            .select_for_update()
            .order_by("due_at", "pk")
            .values("pk", "complaint_id", "kind", "due_at")
        )
        at = _stamp(now)
        expired = [r for r in rows if r["kind"] == DeadlineKind.REG_SUMMARY_WINDOW]
        breached = [r for r in rows if r["kind"] != DeadlineKind.REG_SUMMARY_WINDOW]
        if expired:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in expired])).update(
                status=DeadlineStatus.CANCELLED, cancelled_at=at
            )
        if breached:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in breached])).update(
                status=DeadlineStatus.BREACHED, breached_at=at, breach_notified_at=at
            )
        cause: dict[int, dict] = {}
        for r in breached:
            if complaints[r["complaint_id"]]["state"] not in CLOSED:
                cause.setdefault(r["complaint_id"], r)
        labels = notify.kind_labels()
        done = complaint_services.complaint_escalate_many(
            items=[
                complaint_services.Escalation(
                    complaint_id=cid,
                    reason=notify.breach_reason(deadline=r, labels=labels),
                    payload={"deadline_id": r["pk"], "deadline_kind": r["kind"]},
                )
                for cid, r in cause.items()
            ],
            actor=None,
            actor_label=SWEEP_LABEL,
            now=at,
        )
        for cid in cause:  # the mail goes to the tier now holding it
            complaints[cid] = {
                **complaints[cid],
                "tier": next_tier(complaints[cid]["tier"]),
                "state": State.ESCALATED,
            }
        members = notify.tier_emails(tiers={c["tier"] for c in complaints.values()})
        result.notified += mail_record_many(
            mails=[
                notify.mail(
                    deadline=r,
                    complaint=complaints[r["complaint_id"]],
                    what="breached",
                    to=members[complaints[r["complaint_id"]]["tier"]],
                    labels=labels,
                )
                for r in breached
            ]
        )
        outbox_record_many(events=[_hook("deadline.breached", r, at) for r in breached])
    result.breached += len(breached)
    result.cancelled += len(expired)
    result.escalated += len(done.escalated)
    result.raised += len(done.raised)
    return len(complaints)


def _warn_batch(
    *, batch_size: int, now: datetime, result: SweepResult, held_elsewhere: set[int]
) -> int:
    """Mark one batch of deadlines near their end as warned and tell whoever holds them.

    Complaint first, then deadline, as everywhere: the complaints are locked, skipping those
    another sweep holds. That sweep is escalating them (and warns them itself in its own warning
    step, after its escalation committed) or is warning them already; so the email goes to
    whoever holds the complaint after the escalation, never to the tier it is leaving. Skipped
    complaints are remembered for the rest of this sweep, so the loop moves on past them.
    Returns how many candidate deadlines it looked at.
    """
    with transaction.atomic():
        _take_writer_lock()
        due = Deadline.objects.filter(
            status=DeadlineStatus.PENDING, paused_at__isnull=True, warn_at__lte=now, due_at__gt=now
        )
        candidates = list(
            due.exclude(complaint_id__in=held_elsewhere)
            .order_by("warn_at", "pk")
            .values_list("pk", "complaint_id")[:batch_size]
        )
        if not candidates:
            return 0
        wanted = {cid for _pk, cid in candidates}
        held = set(
            Complaint.objects.filter(among(Complaint, wanted))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        held_elsewhere.update(wanted - held)
        rows = list(
            due.filter(among(Deadline, [pk for pk, cid in candidates if cid in held]))
            .select_for_update()
            .order_by("warn_at", "pk")
            .values("pk", "complaint_id", "kind", "due_at")
        )
        if rows:
            at = _stamp(now)
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in rows])).update(
                status=DeadlineStatus.WARNED, warned_at=at, warn_notified_at=at
            )
            result.notified += mail_record_many(mails=_mails(rows, "warning"))
            outbox_record_many(events=[_hook("deadline.warned", r, at) for r in rows])
    result.warned += len(rows)
    return len(candidates)


def _mails(rows: list[dict], what: str) -> list[dict]:
    """Emails for deadline rows: a warning to the assignee (else the tier), a breach to the
    complaint's current tier."""
    complaints = {
        c["pk"]: c
        for c in Complaint.objects.filter(
            among(Complaint, {r["complaint_id"] for r in rows})
        ).values("pk", "reference", "subject", "tier", "state", "assignee__email")
    }
    members = notify.tier_emails(tiers={c["tier"] for c in complaints.values()})
    labels = notify.kind_labels()
    mails = []
    for r in rows:
        c = complaints[r["complaint_id"]]
        to = members[c["tier"]]
        if what == "warning" and c["assignee__email"]:
            to = [c["assignee__email"]]
        mails.append(notify.mail(deadline=r, complaint=c, what=what, to=to, labels=labels))
    return mails


def _notify_batch(*, batch_size: int, now: datetime, result: SweepResult) -> int:
    """Deadlines warned or breached before emails became outbox rows, with no email recorded:
    record it now (a warning only while the deadline is still warned)."""
    with transaction.atomic():
        _take_writer_lock()
        qs = Deadline.objects.filter(
            Q(warned_at__isnull=False, warn_notified_at__isnull=True)
            | Q(breached_at__isnull=False, breach_notified_at__isnull=True)
        ).select_for_update(skip_locked=True)
        rows = list(
            qs.order_by("pk").values(
                "pk",
                "complaint_id",
                "kind",
                "status",
                "due_at",
                "warn_notified_at",
                "breached_at",
                "breach_notified_at",
                "warned_at",
            )[:batch_size]
        )
        if not rows:
            return 0
        warn = [r for r in rows if r["warned_at"] and not r["warn_notified_at"]]
        breach = [r for r in rows if r["breached_at"] and not r["breach_notified_at"]]
        mails = _mails([r for r in warn if r["status"] == DeadlineStatus.WARNED], "warning")
        mails += _mails(breach, "breached") if breach else []
        result.notified += mail_record_many(mails=mails)
        if warn:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in warn])).update(
                warn_notified_at=now
            )
        if breach:
            Deadline.objects.filter(among(Deadline, [r["pk"] for r in breach])).update(
                breach_notified_at=now
            )
    return len(rows)
