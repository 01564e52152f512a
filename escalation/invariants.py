"""The engine's invariants (DESIGN §2a), checked from the rows, and the repairs that are safe.

Checked for every complaint:
- an open, unpaused complaint has a running deadline (pending or warned, not paused);
- `next_due_at` is the earliest `due_at` of its running deadlines (null when none runs);
- a paused complaint has no running deadline; a closed one (remedied, limit set) no open one;
- its state is the `to_state` of its latest TransitionLog row, and it has an `intake` row.

"Deadline" above means a service clock: the regulatory clocks (DESIGN §11, `REGULATORY_KINDS`)
run whatever the complaint's pause or state, so they are outside these rules, and never paused.

The selectors are set-based: a fixed number of queries whatever the number of complaints (one
grouped query for the deadlines, one for the logs, one count), streamed with `.iterator()`, and
only violating complaints come back. They rely on the database rows alone, never on how (or in
which transaction) the engine wrote them.

`invariants_repair` fixes two kinds and leaves the rest to a human: a missing running deadline
(the clocks are started from the response policy, or deadlines left paused are resumed with the
time they had left) and a wrong `next_due_at` (recomputed). Each repair is its own transaction,
locks the complaint, checks again under the lock, and logs at ERROR: a repair means the engine
has a bug somewhere. Lock order is complaint → deadline, as in the engine and the sweep.

This module may import complaints, never compensation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.utils import timezone

from complaints.models import CLOSED_STATES, OPEN_STATES, Complaint, State, TransitionLog
from complaints.reactions import Change
from complaints.services.engine import facts
from escalation import services
from escalation.models import OPEN_STATUSES, SERVICE_KINDS, Deadline, DeadlineKind

log = logging.getLogger(__name__)

NO_RUNNING_DEADLINE = "no_running_deadline"
NEXT_DUE_WRONG = "next_due_at_wrong"
RUNNING_WHILE_PAUSED = "running_deadline_while_paused"
OPEN_WHILE_CLOSED = "open_deadline_while_closed"
STATE_WITHOUT_LOG = "state_without_log"
NO_INTAKE_LOG = "no_intake_log"

CLOSED_STATES = CLOSED_STATES
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Violation:
    kind: str
    complaint_id: int
    reference: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} (id {self.complaint_id}): {self.detail}"


@dataclass
class InvariantCheck:
    checked: int
    violations: list[Violation]


@dataclass
class InvariantRun:
    checked: int
    found: list[Violation] = field(default_factory=list)
    repaired: list[Violation] = field(default_factory=list)
    remaining: list[Violation] = field(default_factory=list)


# --- selectors ----------------------------------------------------------------------------------


def _reference(row: dict) -> str:
    return row["reference"] or f"#{row['pk']}"


def deadline_violations(*, chunk_size: int = CHUNK_SIZE) -> Iterator[Violation]:
    """Invariants 1, 2 and the deadline halves of 3 and 4, in one grouped query."""
    open_ = Q(deadlines__status__in=OPEN_STATUSES, deadlines__kind__in=SERVICE_KINDS)
    running = open_ & Q(deadlines__paused_at__isnull=True)
    stuck = open_ & Q(deadlines__paused_at__isnull=False)
    rows = (
        Complaint.objects.order_by("pk")
        .values("pk", "reference", "state", "paused_at", "next_due_at")
        .annotate(
            n_open=Count("deadlines", filter=open_),
            n_running=Count("deadlines", filter=running),
            n_paused=Count("deadlines", filter=stuck),
            earliest=Min("deadlines__due_at", filter=running),
        )
        .filter(
            Q(state__in=OPEN_STATES, paused_at__isnull=True, n_running=0)
            | Q(next_due_at__isnull=True, earliest__isnull=False)
            | Q(next_due_at__isnull=False, earliest__isnull=True)
            | Q(next_due_at__lt=F("earliest"))
            | Q(next_due_at__gt=F("earliest"))
            | Q(paused_at__isnull=False, n_running__gt=0)
            | Q(state__in=CLOSED_STATES, n_open__gt=0)
        )
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield from _deadline_row_violations(row)


def _deadline_row_violations(row: dict) -> Iterator[Violation]:
    def violation(kind: str, detail: str) -> Violation:
        return Violation(kind, row["pk"], _reference(row), detail)

    state, paused_at = row["state"], row["paused_at"]
    if state in OPEN_STATES and paused_at is None and row["n_running"] == 0:
        stuck = f"; {row['n_paused']} open deadline(s) are paused" if row["n_paused"] else ""
        yield violation(
            NO_RUNNING_DEADLINE, f"{state} and not paused, but no deadline is running{stuck}"
        )
    if row["next_due_at"] != row["earliest"]:
        earliest = row["earliest"].isoformat() if row["earliest"] else "none (nothing running)"
        current = row["next_due_at"].isoformat() if row["next_due_at"] else "null"
        yield violation(
            NEXT_DUE_WRONG, f"next_due_at is {current}; earliest running deadline: {earliest}"
        )
    if paused_at is not None and row["n_running"]:
        yield violation(
            RUNNING_WHILE_PAUSED,
            f"paused since {paused_at.isoformat()}, but {row['n_running']} deadline(s) run",
        )
    if state in CLOSED_STATES and row["n_open"]:
        yield violation(
            OPEN_WHILE_CLOSED, f"{state}, but {row['n_open']} deadline(s) are still open"
        )


def log_violations(*, chunk_size: int = CHUNK_SIZE) -> Iterator[Violation]:
    """Invariant 3, the audit half: state = the latest log row's to_state; an intake row."""
    logs = TransitionLog.objects.filter(complaint_id=OuterRef("pk"))
    rows = (
        Complaint.objects.order_by("pk")
        .annotate(
            last_to=Subquery(logs.order_by("-created_at", "-id").values("to_state")[:1]),
            has_intake=Exists(logs.filter(transition="intake")),
        )
        .filter(Q(has_intake=False) | Q(last_to__isnull=True) | ~Q(state=F("last_to")))
        .values("pk", "reference", "state", "last_to", "has_intake")
    )
    for row in rows.iterator(chunk_size=chunk_size):
        if not row["has_intake"]:
            yield Violation(NO_INTAKE_LOG, row["pk"], _reference(row), "no intake log row")
        if row["last_to"] != row["state"]:
            last = f"ends in {row['last_to']}" if row["last_to"] else "is empty"
            yield Violation(
                STATE_WITHOUT_LOG,
                row["pk"],
                _reference(row),
                f"state is {row['state']}, but its transition log {last}",
            )


def invariant_violation_list(*, chunk_size: int = CHUNK_SIZE) -> list[Violation]:
    """Every violation, ordered by complaint: two queries, whatever the number of rows."""
    found = [*deadline_violations(chunk_size=chunk_size), *log_violations(chunk_size=chunk_size)]
    return sorted(found, key=lambda v: (v.complaint_id, v.kind))


def invariants_check(*, chunk_size: int = CHUNK_SIZE) -> InvariantCheck:
    return InvariantCheck(
        checked=Complaint.objects.count(),
        violations=invariant_violation_list(chunk_size=chunk_size),
    )


# --- repairs ------------------------------------------------------------------------------------


def _clock_kinds(complaint: Complaint) -> list[str]:
    """The clocks a complaint without any should have: a first answer is owed only while the
    customer is still venting; after that, the resolution clock."""
    if complaint.state == State.VENTING:
        return [DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION]
    return [DeadlineKind.RESOLUTION]


def _repair_missing_deadline(violation: Violation) -> str | None:
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().filter(pk=violation.complaint_id).first()
        if complaint is None or not complaint.is_open or complaint.paused_at is not None:
            return None
        open_ = Deadline.objects.filter(
            complaint_id=complaint.pk, status__in=OPEN_STATUSES, kind__in=SERVICE_KINDS
        )
        if open_.filter(paused_at__isnull=True).exists():
            return None  # a clock runs again: fixed meanwhile
        now = timezone.now()
        if open_.exists():
            change = Change(
                step="resume", complaint=facts(complaint), from_state=complaint.state, at=now
            )
            resumed = services.deadlines_resume(changes=[change])
            return f"resumed {resumed} deadline(s) left paused, with the time they had left"
        kinds = _clock_kinds(complaint)
        if not services.deadlines_start(complaints=[facts(complaint)], kinds=kinds, start=now):
            return None  # no response policy for its category and severity
        return "started the " + " and ".join(kinds) + " deadline(s) from the response policy"


def _repair_next_due(violation: Violation) -> str | None:
    with transaction.atomic():
        row = Complaint.objects.select_for_update().filter(pk=violation.complaint_id)
        before = row.values_list("next_due_at", flat=True).first()
        services.complaint_next_due_refresh(complaint_ids=[violation.complaint_id])
        after = row.values_list("next_due_at", flat=True).first()
        if after == before:
            return None  # right by now
        return f"next_due_at set to {after.isoformat() if after else 'null'}"


# In this order: starting a deadline also sets next_due_at, so the second repair finds it right.
_REPAIRS: dict[str, Callable[[Violation], str | None]] = {
    NO_RUNNING_DEADLINE: _repair_missing_deadline,
    NEXT_DUE_WRONG: _repair_next_due,
}
REPAIRABLE = frozenset(_REPAIRS)


def invariants_repair(*, violations: Iterable[Violation]) -> list[Violation]:
    """Repair the violations that are safe to repair; return those repaired.

    One transaction per repair, so one that fails leaves the others done; each is checked again
    under the complaint's lock and skipped if the rows are right by now.
    """
    order = list(_REPAIRS)
    todo = sorted(
        (v for v in violations if v.kind in _REPAIRS),
        key=lambda v: (order.index(v.kind), v.complaint_id),
    )
    repaired = []
    for violation in todo:
        try:
            done = _REPAIRS[violation.kind](violation)
        except Exception:  # one broken complaint must not stop the repair of the others
            log.exception("Invariant repair failed on %s", violation.reference)
            continue
        if done:
            log.error(
                "Invariant repaired on %s (id %s): %s, %s; %s",
                violation.reference,
                violation.complaint_id,
                violation.kind,
                violation.detail,
                done,
            )
            repaired.append(violation)
    return repaired


def invariants_enforce(*, chunk_size: int = CHUNK_SIZE) -> InvariantRun:
    """Check, repair what is safe, and check again (what the hourly task runs)."""
    first = invariants_check(chunk_size=chunk_size)
    run = InvariantRun(checked=first.checked, found=first.violations)
    if not first.violations:
        return run
    run.repaired = invariants_repair(violations=first.violations)
    again = invariants_check(chunk_size=chunk_size)
    run.checked, run.remaining = again.checked, again.violations
    return run
