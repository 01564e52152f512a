"""One service per workflow transition (DESIGN §2): each checks its input, then lets the engine
lock, check, write and react in one transaction. Refused input writes nothing.

`actor=None` means the system (the deadline sweep); it passes role checks and is logged by label.
This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from complaints import notes
from complaints.models import (
    Complaint,
    Fault,
    MessageKind,
    State,
    TransitionLog,
    Visibility,
)
from complaints.services import engine
from complaints.services.checks import (
    MAX_LINE,
    MAX_TEXT,
    Checker,
    iso,
    outcome_check,
    outcome_rule,
)
from core import roles
from core.errors import InvalidTransitionError, NotPermittedError, RuleViolationError

# The fields a closing transition records the outcome in (DESIGN §10).
OUTCOME_FIELDS = ["outcome", "outcome_reason"]


def _labelled(code: str, label: str, note: str) -> str | notes.Note:
    """The internal note of a decision, "Approved: <note>" — once: a note that already starts
    with the label ("Approved: faulty batch") is labelled once, one that opens with the word
    ("approved in full") stays as typed. Stored as a code, so each reader sees the label in
    their own language."""
    note = note.strip()
    if not note:
        return ""
    if note.casefold().startswith(label.casefold()):
        rest = note[len(label) :].lstrip()
        if not rest.startswith((":", "：")) or not rest[1:].strip():
            return note
        note = rest[1:].strip()
    return notes.Note(code, {"note": note})


def complaint_acknowledge(
    *,
    complaint_id: int,
    actor: Any,
    summary: str,
    message: str,
    promised_by: datetime,
    summary_confirmed: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """Restate the key points, show understanding, and promise when the customer hears back."""
    check = Checker()
    summary = check.text("summary", summary, max_length=MAX_TEXT)
    message = check.text("message", message, max_length=MAX_TEXT)
    check.future("promised_by", promised_by)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        c.summary, c.summary_confirmed, c.promised_by = (
            summary,
            bool(summary_confirmed),
            promised_by,
        )
        return ["summary", "summary_confirmed", "promised_by"]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="acknowledge",
        expected_version=expected_version,
        payload={"summary": summary, "promised_by": iso(promised_by)},
        guard_data={"promised_by": promised_by},
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.PUBLIC, message)],
    )


def complaint_apologize(
    *, complaint_id: int, actor: Any, message: str, fault: str, expected_version: int | None = None
) -> Complaint:
    """Apologise, saying whose fault it was."""
    check = Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    check.choice("fault", fault, Fault.values)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        c.fault = fault
        return ["fault"]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="apologize",
        expected_version=expected_version,
        payload={"fault": fault},
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.PUBLIC, message)],
    )


def complaint_remedy(
    *,
    complaint_id: int,
    actor: Any,
    message: str,
    root_cause: str,
    outcome: str,
    outcome_reason: str = "",
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Put it right, recording the outcome (upheld, partly upheld with reasons, not upheld with
    reasons). Compensation is decided by the compensation app, which calls this."""
    check = Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    root_cause = check.text("root_cause", root_cause, max_length=MAX_LINE)
    outcome, outcome_reason = outcome_check(check, outcome, outcome_reason)
    check.raise_if_any()
    outcome_rule(outcome, outcome_reason)

    def apply(c: Complaint, _from: str) -> list[str]:
        c.root_cause, c.outcome, c.outcome_reason = root_cause, outcome, outcome_reason
        return ["root_cause", *OUTCOME_FIELDS]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="remedy",
        expected_version=expected_version,
        payload={
            "root_cause": root_cause,
            "outcome": outcome,
            "outcome_reason": outcome_reason,
            **(payload or {}),
        },
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.PUBLIC, message)],
    )


def complaint_escalate(
    *,
    complaint_id: int,
    actor: Any,
    reason: str | notes.Note,
    actor_label: str | None = None,
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Hand the complaint to the next tier: level +1, assignee cleared for that tier to pick up.

    Written by the same writer as the sweep's bulk escalation, so both leave the same rows. A
    reason the system gives (a `notes.Note`) is read in each reader's language.
    """
    if not isinstance(reason, notes.Note):
        check = Checker()
        reason = check.text("reason", reason, max_length=MAX_TEXT)
        check.raise_if_any()
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        engine.complaint_version_check(complaint, expected_version)
        engine.escalate_check(complaint, actor)
        engine.complaint_escalate_locked(
            complaint=complaint,
            actor=actor,
            reason=reason,
            payload=payload,
            actor_label=actor_label,
        )
        return Complaint.objects.get(pk=complaint.pk)


def complaint_raise_level(
    *,
    complaint_id: int,
    actor: Any,
    reason: str | notes.Note,
    actor_label: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """An escalated complaint climbs one more tier (a lapsed approval, a larger request)."""
    if actor is not None and not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    with transaction.atomic():
        complaint = engine.complaint_lock(complaint_id)
        engine.complaint_version_check(complaint, expected_version)
        if complaint.state != State.ESCALATED:
            raise InvalidTransitionError(
                _(
                    "Only an escalated complaint can be raised a level; this one is %(state)s. "
                    "Escalate it first."
                )
                % {"state": State(complaint.state).label}
            )
        engine.complaint_escalate_locked(
            complaint=complaint, actor=actor, reason=reason, actor_label=actor_label, climb=True
        )
        return Complaint.objects.get(pk=complaint.pk)


def complaint_approve(
    *,
    complaint_id: int,
    actor: Any,
    note: str = "",
    root_cause: str = "",
    outcome: str = "",
    outcome_reason: str = "",
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Approve what waited on the escalated complaint; it is remedied, with its outcome (the
    one the requester proposed, passed on by the compensation app, or the approver's own).

    The compensation app calls this inside its own transaction after its authority and
    four-eyes checks, so the decision and the state change commit together.
    """
    check = Checker()
    note = check.text("note", note, max_length=MAX_TEXT, required=False)
    root_cause = check.text("root_cause", root_cause, max_length=MAX_LINE, required=False)
    outcome, outcome_reason = (
        outcome_check(check, outcome, outcome_reason) if outcome else ("", outcome_reason)
    )
    check.raise_if_any()
    if not outcome:  # nothing proposed with a remedy, and the approver gave none
        raise RuleViolationError(
            _(
                "Approving remedies the complaint, and nothing says how it ends: choose the "
                "outcome — upheld, partly upheld or not upheld."
            ),
            fields={"outcome": [_("Required: no outcome was proposed with this request.")]},
        )
    outcome_rule(outcome, outcome_reason)

    def apply(c: Complaint, _from: str) -> list[str]:
        if root_cause:
            c.root_cause = root_cause
        c.outcome, c.outcome_reason = outcome, outcome_reason
        return ["root_cause", *OUTCOME_FIELDS]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="approve",
        reason=note,
        expected_version=expected_version,
        apply=apply,
        payload={
            **(payload or {}),
            **({"root_cause": root_cause} if root_cause else {}),
            "outcome": outcome,
            "outcome_reason": outcome_reason,
        },
        messages=[
            (MessageKind.STAFF, Visibility.INTERNAL, _labelled(notes.APPROVED, "Approved", note))
        ],
    )


def complaint_return(
    *,
    complaint_id: int,
    actor: Any,
    note: str,
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Send an escalated complaint back to the state it came from, with guidance."""
    check = Checker()
    note = check.text("note", note, max_length=MAX_TEXT)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        previous = (
            TransitionLog.objects.filter(complaint=c, transition="escalate")
            .order_by("-created_at", "-id")
            .values_list("payload", flat=True)
            .first()
        ) or {}
        c.tier = roles.FRONTLINE
        c.assignee_id = previous.get("previous_assignee_id")
        return ["tier", "assignee"]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="return",
        reason=note,
        expected_version=expected_version,
        payload=payload or {},
        apply=apply,
        messages=[
            (
                MessageKind.STAFF,
                Visibility.INTERNAL,
                _labelled(notes.RETURNED, "Returned with guidance", note),
            )
        ],
    )


def complaint_set_limits(
    *,
    complaint_id: int,
    actor: Any,
    reason: str,
    message: str,
    outcome: str,
    outcome_reason: str = "",
    abuse: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """End an unconstructive interaction, documented, with the outcome. Never the first move.

    From `venting` only a manager who flags abuse may do it.
    """
    check = Checker()
    reason = check.text("reason", reason, max_length=MAX_TEXT)
    message = check.text("message", message, max_length=MAX_TEXT)
    outcome, outcome_reason = outcome_check(check, outcome, outcome_reason)
    check.raise_if_any()
    outcome_rule(outcome, outcome_reason)

    def apply(c: Complaint, from_state: str) -> list[str]:
        if abuse and roles.user_rank(actor) >= roles.tier_rank(roles.MANAGER):
            c.abuse_flagged = True
        if from_state == State.VENTING and not c.abuse_flagged:
            raise RuleViolationError(
                _(
                    "Limits can't be set while the customer is still venting unless a manager "
                    "flags abuse: acknowledge first, or tick “Flag abuse” if it is abuse."
                ),
                fields={
                    "abuse": [_("Required (managers only) while the customer is still venting.")]
                },
            )
        c.outcome, c.outcome_reason = outcome, outcome_reason
        return ["abuse_flagged", *OUTCOME_FIELDS]

    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="set_limits",
        reason=reason,
        expected_version=expected_version,
        payload={"abuse": bool(abuse), "outcome": outcome, "outcome_reason": outcome_reason},
        apply=apply,
        messages=[
            (
                MessageKind.STAFF,
                Visibility.INTERNAL,
                notes.Note(notes.LIMITS_SET, {"note": reason}),
            ),
            (MessageKind.STAFF, Visibility.PUBLIC, message),
        ],
    )


def complaint_reopen(
    *,
    complaint_id: int,
    actor: Any,
    message: str,
    expected_version: int | None = None,
    customer_label: str = "",
) -> Complaint:
    """The customer is not satisfied after all: back to venting, reopen count +1.

    With `actor=None` and a `customer_label` the system relays the customer's own words from a
    channel (an email): the message is the customer's, and the step is logged under the label."""
    check = Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    check.raise_if_any()
    from_customer = actor is not None and roles.is_integration(actor) and not roles.is_agent(actor)
    relayed = actor is None and bool(customer_label)

    def apply(c: Complaint, _from: str) -> list[str]:
        c.reopen_count += 1
        c.escalated_from = ""
        c.tier = roles.FRONTLINE
        c.promised_by = None
        # Open again: the earlier outcome is history (kept in the log), not this one's.
        c.outcome, c.outcome_reason = "", ""
        return ["reopen_count", "escalated_from", "tier", "promised_by", *OUTCOME_FIELDS]

    kind = MessageKind.CUSTOMER if from_customer or relayed else MessageKind.STAFF
    return engine.fire(
        complaint_id=complaint_id,
        actor=actor,
        name="reopen",
        expected_version=expected_version,
        actor_label=customer_label if relayed else None,
        apply=apply,
        messages=[(kind, Visibility.PUBLIC, message)],
    )
