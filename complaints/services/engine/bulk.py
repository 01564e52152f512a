"""Escalation, of one complaint or thousands: the sweep and the single escalate share
`_escalate_rows`, so both write the same rows (set-based: one guarded UPDATE, one insert each of
logs, messages and outbox events, then the step's reactions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import notes, reactions
from complaints.models import (
    Complaint,
    Message,
    MessageKind,
    State,
    TransitionLog,
    Visibility,
)
from complaints.services.checks import actor_display
from complaints.services.engine.common import (
    ESCALATABLE,
    NEXT_TIER_SQL,
    ROW_FIELDS,
    complaint_row,
    next_tier,
    row_facts,
    transitioned_event,
    with_owner,
)
from complaints.services.engine.single import _check_can_fire
from complaints.visibility import complaint_audience
from core.db import among, rows_insert
from core.errors import (
    ConflictError,
)
from webhooks.services import outbox_record_many

# --- escalation, one complaint or thousands ---------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """One complaint to escalate (or, if already escalated, to raise a level), and why (a
    system's reason is a `notes.Note`, read in each reader's language)."""

    complaint_id: int
    reason: str | notes.Note
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
    now: datetime | None = None,
) -> EscalateResult:
    """Escalate many complaints at once (the deadline sweep): set-based, in the caller's
    transaction, writing per complaint exactly what `complaint_escalate` writes.

    Complaints in venting/acknowledged/apologized are escalated; escalated ones climb a level;
    closed ones are skipped. The rows are locked here (the caller may already
    hold them), in id order.
    """
    if not items:
        return EscalateResult()
    now = now or timezone.now()
    with transaction.atomic():
        rows = {
            row["pk"]: row
            for row in with_owner(Complaint.objects.select_for_update())
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
            elif row is not None and row["state"] == State.ESCALATED:
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
        "tier": NEXT_TIER_SQL,
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
        raise ConflictError(
            _("A complaint changed while it was being escalated; nothing was saved. Try again.")
        )

    name = "raise_level" if climb else "escalate"
    kind = MessageKind.SYSTEM if actor is None else MessageKind.STAFF
    note_code = notes.RAISED if climb else notes.ESCALATED
    actor_id = getattr(actor, "pk", None)
    logs, messages, events, changed = [], [], [], []
    for item in items:
        row = rows[item.complaint_id]
        to_tier = next_tier(row["tier"])
        reason, reason_code, reason_params = notes.split(item.reason)
        note = notes.Note(
            note_code,
            {"tier": to_tier, "reason": notes.stored(reason_code, reason_params, reason)},
        )
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
                "reason": reason,
                "reason_code": reason_code,
                "reason_params": reason_params,
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
                "body": note.english(),
                "note_code": note.code,
                "note_params": note.params,
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
                    reason=reason,
                    level=row["escalation_level"] + 1,
                    at=now,
                    promised_by=row["promised_by"],
                    audience=complaint_audience(
                        filed_by_id=row["filed_by_id"], owner_id=row["customer_owner_id"]
                    ),
                )
            )
        changed.append(
            reactions.Change(
                step=name,
                complaint=row_facts(row, state=State.ESCALATED, tier=to_tier),
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
    _escalate_rows(
        rows={complaint.pk: complaint_row(complaint)},
        items=[Escalation(complaint_id=complaint.pk, reason=reason, payload=payload or {})],
        actor=actor,
        label=actor_display(actor, actor_label),
        now=timezone.now(),
        climb=climb,
    )


def escalate_check(complaint: Complaint, actor: Any) -> None:
    """The single escalate's workflow and role checks (the bulk path is the system's)."""
    _check_can_fire(complaint, "escalate", actor)
