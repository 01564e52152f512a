"""The complaint engine: the one writer of `Complaint.state`.

Every change of a complaint goes through here, in one transaction:
1. lock the complaint row (SELECT ... FOR UPDATE; django_fsm's ConcurrentTransitionMixin also
   re-checks the state in the UPDATE, which is what serialises SQLite) and check the optional
   `expected_version`;
2. check the transition is allowed now and permitted to the actor, run the step's guards;
3. write the complaint row (`update_fields`), one append-only TransitionLog row, its timeline
   Message rows and its webhook outbox row;
4. run the step's registered reactions (`complaints.reactions`): deadlines, `next_due_at`,
   compensation holds — inside the same transaction.
A refused call or a failing reaction raises and leaves nothing written. Nothing leaves the
database here: mail and webhooks are outbox rows, sent by tasks after commit.

The set-based escalation (`complaint_escalate_many`, the deadline sweep's door) and the single
`complaint_escalate` share one writer, `_escalate_rows`, so both write the same rows.
This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from complaints import reactions
from complaints.models import (
    Complaint,
    Message,
    MessageKind,
    State,
    TransitionLog,
    Visibility,
)
from complaints.services.checks import actor_display
from core import roles
from core.db import among, rows_insert
from core.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from webhooks.services import outbox_record_many

# Public transition names (API paths, admin buttons) → model method names.
TRANSITION_METHODS = {
    "acknowledge": "acknowledge",
    "apologize": "apologize",
    "remedy": "remedy",
    "escalate": "escalate",
    "approve": "approve",
    "return": "return_",
    "set_limits": "set_limits",
    "reopen": "reopen",
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
)
_NEXT_TIER = Case(
    When(tier=roles.FRONTLINE, then=Value(roles.TEAM_LEAD)),
    When(tier=roles.TEAM_LEAD, then=Value(roles.MANAGER)),
    default=F("tier"),
)


# --- locks and facts ---------------------------------------------------------------------------


def complaint_lock(complaint_id: int) -> Complaint:
    """The complaint, row-locked until the caller's transaction ends; NotFoundError if absent."""
    try:
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("No such complaint.") from None
    reactions.run_probes(complaint.pk)
    return complaint


def complaint_version_check(complaint: Complaint, expected_version: int | None) -> None:
    """ConflictError when the caller acted on a version of the complaint that is gone."""
    if expected_version is not None and complaint.version != expected_version:
        raise ConflictError(
            f"{complaint.reference} was changed by someone else while you were looking at it; "
            "reload it and try again."
        )


def facts(complaint: Complaint) -> reactions.Facts:
    return reactions.Facts(
        id=complaint.pk,
        state=complaint.state,
        category=complaint.category,
        severity=complaint.severity,
        tier=complaint.tier,
        created_at=complaint.created_at,
        paused_at=complaint.paused_at,
        promised_by=complaint.promised_by,
    )


def _row_facts(row: dict, **after: Any) -> reactions.Facts:
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


def next_tier(tier: str) -> str:
    """The tier an escalation moves a complaint to (the top tier stays where it is)."""
    return roles.next_tier(tier) or tier


# --- writes shared by every change ------------------------------------------------------------


def step_log(
    *,
    complaint: Complaint,
    actor: Any,
    step: str,
    reason: str = "",
    payload: dict | None = None,
    actor_label: str | None = None,
    from_state: str | None = None,
    at: datetime | None = None,
) -> TransitionLog:
    """The append-only audit row of a change (a transition, or a step that is not one)."""
    return TransitionLog.objects.create(
        complaint=complaint,
        transition=step,
        from_state=from_state or complaint.state,
        to_state=complaint.state,
        actor=actor,
        actor_label=actor_display(actor, actor_label),
        reason=reason,
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
) -> tuple[str, dict]:
    """The webhook outbox event of a transition (what an integration may see of it)."""
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
    )


# --- a single transition ----------------------------------------------------------------------


def _check_can_fire(complaint: Complaint, name: str, actor: Any) -> Callable[[], Any]:
    method = getattr(complaint, TRANSITION_METHODS[name])
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransitionError(
            f"Cannot {name.replace('_', ' ')} a complaint that is "
            f"{complaint.state.replace('_', ' ')}."
        )
    if actor is not None and not method._django_fsm.has_transition_perm(
        complaint, complaint.state, actor
    ):
        raise NotPermittedError(f"Your role may not {name.replace('_', ' ')} this complaint.")
    return method


def fire(
    *,
    complaint_id: int,
    actor: Any,
    name: str,
    reason: str = "",
    payload: dict | None = None,
    expected_version: int | None = None,
    actor_label: str | None = None,
    guard_data: dict | None = None,
    apply: Callable[[Complaint, str], list[str]] | None = None,
    messages: Iterable[tuple[str, str, str]] = (),
) -> Complaint:
    """Fire transition `name`; `apply` sets data on the locked complaint and returns its fields.

    `messages` are (kind, visibility, body) timeline entries written with the transition.
    `guard_data` is what the step's guards vet (e.g. the promise).
    """
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        complaint_version_check(complaint, expected_version)
        method = _check_can_fire(complaint, name, actor)
        from_state = complaint.state
        reactions.run_guards(name, complaint=complaint, data=guard_data or {})
        fields = apply(complaint, from_state) if apply else []
        if not can_proceed(method):
            raise RuleViolationError(
                f"Cannot {name.replace('_', ' ')} this complaint now: the workflow's conditions "
                "are not met."
            )
        now = timezone.now()
        method()
        complaint.state_changed_at = now
        touch(complaint, {*fields, "state", "state_changed_at"}, at=now)
        label = actor_display(actor, actor_label)
        log_payload = payload if payload is not None else {}
        step_log(
            complaint=complaint,
            actor=actor,
            step=name,
            reason=reason,
            payload=log_payload,
            actor_label=label,
            from_state=from_state,
            at=now,
        )
        Message.objects.bulk_create(
            Message(
                complaint=complaint,
                author=actor,
                author_label=label,
                kind=kind,
                visibility=visibility,
                body=body,
                created_at=now,
            )
            for kind, visibility, body in messages
            if body
        )
        outbox_record_many(
            events=[
                transitioned_event(
                    complaint_id=complaint.pk,
                    reference=complaint.reference,
                    transition=name,
                    from_state=from_state,
                    to_state=complaint.state,
                    actor=label,
                    reason=reason,
                    level=complaint.escalation_level,
                    at=now,
                )
            ]
        )
        reactions.run_reactions(
            name,
            [
                reactions.Change(
                    step=name,
                    complaint=facts(complaint),
                    from_state=from_state,
                    at=now,
                    actor=actor,
                    payload=log_payload,
                )
            ],
        )
    return complaint


def step(
    *,
    complaint: Complaint,
    actor: Any,
    name: str,
    fields: Iterable[str],
    reason: str = "",
    payload: dict | None = None,
    actor_label: str | None = None,
    at: datetime | None = None,
) -> TransitionLog:
    """An audited change that is not a state change (pause, resume, assignment...), on a complaint
    the caller holds locked: save, log, and run the step's reactions."""
    at = at or timezone.now()
    touch(complaint, fields, at=at)
    log = step_log(
        complaint=complaint,
        actor=actor,
        step=name,
        reason=reason,
        payload=payload,
        actor_label=actor_label,
        at=at,
    )
    if name in reactions.STEPS:
        reactions.run_reactions(
            name,
            [
                reactions.Change(
                    step=name,
                    complaint=facts(complaint),
                    from_state=complaint.state,
                    at=at,
                    actor=actor,
                    payload=log.payload,
                )
            ],
        )
    return log


# --- escalation, one complaint or thousands ---------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """One complaint to escalate (or, if already escalated, to raise a level), and why."""

    complaint_id: int
    reason: str
    payload: dict = field(default_factory=dict)


@dataclass
class EscalateResult:
    escalated: list[int] = field(default_factory=list)
    raised: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def complaint_escalate_many(
    *,
    items: Sequence[Escalation],
    actor: Any,
    actor_label: str | None = None,
    raise_escalated: bool = True,
    now: datetime | None = None,
) -> EscalateResult:
    """Escalate many complaints at once (the deadline sweep): set-based, in the caller's
    transaction, writing per complaint exactly what `complaint_escalate` writes.

    Complaints in venting/acknowledged/apologized are escalated; escalated ones climb a level when
    `raise_escalated`; closed ones are skipped. The rows are locked here (the caller may already
    hold them), in id order.
    """
    if not items:
        return EscalateResult()
    now = now or timezone.now()
    with transaction.atomic():
        rows = {
            row["pk"]: row
            for row in Complaint.objects.select_for_update()
            .filter(among(Complaint, [i.complaint_id for i in items]))
            .order_by("pk")
            .values(*ROW_FIELDS)
        }
        result = EscalateResult()
        escalate, climb = [], []
        for item in items:
            row = rows.get(item.complaint_id)
            if row is not None and row["state"] in ESCALATABLE:
                escalate.append(item)
                result.escalated.append(item.complaint_id)
            elif row is not None and row["state"] == State.ESCALATED and raise_escalated:
                climb.append(item)
                result.raised.append(item.complaint_id)
            else:
                result.skipped.append(item.complaint_id)
        label = actor_display(actor, actor_label)
        _escalate_rows(rows=rows, items=escalate, actor=actor, label=label, now=now, climb=False)
        _escalate_rows(rows=rows, items=climb, actor=actor, label=label, now=now, climb=True)
    return result


def _escalate_rows(
    *,
    rows: dict[int, dict],
    items: Sequence[Escalation],
    actor: Any,
    label: str,
    now: datetime,
    climb: bool,
) -> None:
    """Escalate (or, `climb`, raise the level of) locked complaints: one guarded UPDATE, one
    insert each of logs, messages and outbox events, then the reactions of the step."""
    if not items:
        return
    ids = [i.complaint_id for i in items]
    changes: dict[str, Any] = {
        "escalation_level": F("escalation_level") + 1,
        "tier": _NEXT_TIER,
        "assignee": None,
        "version": F("version") + 1,
        "updated_at": now,
    }
    if climb:
        done = Complaint.objects.filter(among(Complaint, ids), state=State.ESCALATED).update(
            **changes
        )
    else:
        done = Complaint.objects.filter(among(Complaint, ids), state__in=ESCALATABLE).update(
            state=State.ESCALATED, escalated_from=F("state"), state_changed_at=now, **changes
        )
    if done != len(ids):  # impossible while we hold the row locks
        raise ConflictError("A complaint changed while it was being escalated.")

    name = "raise_level" if climb else "escalate"
    kind = MessageKind.SYSTEM if actor is None else MessageKind.STAFF
    verb = "Raised" if climb else "Escalated"
    actor_id = getattr(actor, "pk", None)
    logs, messages, events, changed = [], [], [], []
    for item in items:
        row = rows[item.complaint_id]
        to_tier = next_tier(row["tier"])
        payload = {
            **item.payload,
            "previous_assignee_id": row["assignee_id"],
            "from_tier": row["tier"],
            "to_tier": to_tier,
        }
        logs.append(
            {
                "complaint_id": row["pk"],
                "transition": name,
                "from_state": row["state"],
                "to_state": State.ESCALATED,
                "actor_id": actor_id,
                "actor_label": label,
                "reason": item.reason,
                "payload": payload,
                "created_at": now,
            }
        )
        messages.append(
            {
                "complaint_id": row["pk"],
                "author_id": actor_id,
                "author_label": label,
                "kind": kind,
                "visibility": Visibility.INTERNAL,
                "body": f"{verb} to {to_tier}: {item.reason}",
                "created_at": now,
            }
        )
        if not climb:
            events.append(
                transitioned_event(
                    complaint_id=row["pk"],
                    reference=row["reference"],
                    transition=name,
                    from_state=row["state"],
                    to_state=State.ESCALATED,
                    actor=label,
                    reason=item.reason,
                    level=row["escalation_level"] + 1,
                    at=now,
                )
            )
        changed.append(
            reactions.Change(
                step=name,
                complaint=_row_facts(row, state=State.ESCALATED, tier=to_tier),
                from_state=row["state"],
                at=now,
                actor=actor,
                payload=payload,
            )
        )
    rows_insert(TransitionLog, logs)
    rows_insert(Message, messages)
    outbox_record_many(events=events)
    reactions.run_reactions(name, changed)


def complaint_escalate_locked(
    *,
    complaint: Complaint,
    actor: Any,
    reason: str,
    payload: dict | None = None,
    actor_label: str | None = None,
    climb: bool = False,
) -> None:
    """Escalate (or raise) one complaint the caller holds locked and has checked; the instance
    is stale afterwards (the caller reloads it)."""
    row = {name: getattr(complaint, name) for name in ROW_FIELDS}
    _escalate_rows(
        rows={complaint.pk: row},
        items=[Escalation(complaint_id=complaint.pk, reason=reason, payload=payload or {})],
        actor=actor,
        label=actor_display(actor, actor_label),
        now=timezone.now(),
        climb=climb,
    )


def escalate_check(complaint: Complaint, actor: Any) -> None:
    """The single escalate's workflow and role checks (the bulk path is the system's)."""
    _check_can_fire(complaint, "escalate", actor)
