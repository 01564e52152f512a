"""Write services of the compensation app: remedy with compensation, request, approve, reject,
and authority-rule edits.

Invariants kept here and nowhere else:
- A compensation decision and the complaint transition it causes commit together: every service
  locks the complaint row first (then the request rows), decides with the pure
  `compensation.decision.decide`, writes the requests, and calls the one complaints service for
  the transition (`complaint_remedy`, `complaint_escalate`, `complaint_approve`,
  `complaint_return`) inside the same transaction. A refusal raises a DomainError, writes nothing.
- Limits count everything committed (granted, approved and pending) of the same kind and
  currency on the complaint and to the customer in the last 30 days, so splitting does not work.
- Nobody approves their own request (four eyes); two deciders at once: one wins, the other
  gets a ConflictError.
- Every decision is logged with its rule: on the request row and in the TransitionLog payload.
Lock order is always complaint, then its customer, then its requests, so concurrent deciders
cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from compensation import decision, money, permissions
from compensation.models import (
    CompensationRequest,
    Status,
)
from compensation.services.items import (
    MAX_ITEMS,
    MAX_LINE,
    MAX_NOTE,
    MAX_QUANTITY,
    MAX_TEXT,
    Item,
    _text,
    compensation_items_parse,
)
from compensation.services.limits import (
    WINDOW,
    Key,
    _check_currencies,
    _committed,
    _decide_all,
    _highest_tier,
    _highest_tier_of,
    _lock_customer,
    _rules,
)
from compensation.services.records import (
    _entry,
    _publish,
)
from compensation.services.rules import (
    RULE_FIELDS,
    authority_rule_save,
)
from complaints import services as complaint_services
from complaints.models import OPEN_STATES, Complaint, State
from core import roles
from core.errors import (
    ConflictError,
    InvalidDataError,
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)

APPROVAL_REQUIRED = "approval required"


def _create_requests(
    *,
    complaint: Complaint,
    actor: Any,
    items: Sequence[Item],
    decisions: Sequence[decision.Decision],
    pending: bool,
    remedy_message: str = "",
    root_cause: str = "",
) -> list[CompensationRequest]:
    now = timezone.now()
    required = _highest_tier(decisions)
    created = []
    for item, d in zip(items, decisions, strict=True):
        stopped = (
            {} if d.granted else {"limit": d.limit, "rule": d.rule.as_dict() if d.rule else None}
        )
        created.append(
            CompensationRequest.objects.create(
                complaint=complaint,
                customer_id=complaint.customer_id,
                kind=item.kind,
                amount=item.amount,
                currency=item.currency,
                quantity=item.quantity,
                note=item.note,
                requested_by=actor,
                status=Status.PENDING if pending else Status.GRANTED,
                # The whole remedy waits for one decider who covers every item.
                required_tier=required if pending else d.required_tier,
                rule_id=d.rule.id if d.rule else None,
                rule_snapshot=d.rule.as_dict() if d.rule else {},
                reason=d.reason[:500],
                stopped_by=stopped,
                remedy_message=remedy_message if pending else "",
                root_cause=root_cause if pending else "",
                decided_by=None if pending else actor,
                decided_at=None if pending else now,
                created_at=now,
            )
        )
    for request in created:
        _publish("compensation.requested", request)
    return created


def _send_for_approval(
    *, complaint: Complaint, actor: Any, requests: Sequence[CompensationRequest]
) -> Complaint:
    """Escalate the complaint (or, if it is already escalated, lift it to the required tier)."""
    required = _highest_tier_of(requests)
    payload = {
        "approval_required": True,
        "required_tier": required,
        "compensation": [_entry(r) for r in requests],
    }
    if complaint.state == State.ESCALATED:
        complaint_services.complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="compensation_requested",
            reason=APPROVAL_REQUIRED,
            payload=payload,
        )
        if decision.TIER_RANK.get(complaint.tier, 0) < decision.TIER_RANK[required] and (
            roles.next_tier(complaint.tier) is not None
        ):
            return complaint_services.complaint_raise_level(
                complaint_id=complaint.pk, actor=actor, reason=APPROVAL_REQUIRED
            )
        return complaint
    return complaint_services.complaint_escalate(
        complaint_id=complaint.pk, actor=actor, reason=APPROVAL_REQUIRED, payload=payload
    )


# --- remedy with compensation -----------------------------------------------------------------


@dataclass
class RemedyOutcome:
    complaint: Complaint
    requests: list[CompensationRequest] = field(default_factory=list)

    @property
    def granted(self) -> bool:
        """True when the complaint is remedied now; False when it waits for approval."""
        return self.complaint.state == State.REMEDIED

    @property
    def required_tier(self) -> str | None:
        pending = [r for r in self.requests if r.status == Status.PENDING]
        return _highest_tier_of(pending) if pending else None


def complaint_remedy_with_compensation(
    *,
    complaint_id: int,
    actor: Any,
    message: str,
    root_cause: str,
    items: Iterable[Mapping[str, Any] | Item] = (),
    expected_version: int | None = None,
) -> RemedyOutcome:
    """Remedy a complaint, with compensation items.

    All items within the actor's authority: granted, the complaint is remedied. Any item
    beyond it: the whole remedy waits — every item pending, the complaint escalated with reason
    "approval required". No items: a plain remedy (an explanation, a fix, a gesture).
    """
    errors: dict[str, list[str]] = {}
    message = _text(errors, "message", message, max_length=MAX_TEXT, required=True)
    root_cause = _text(errors, "root_cause", root_cause, max_length=MAX_LINE, required=True)
    try:
        parsed = compensation_items_parse(items)
    except InvalidDataError as e:
        errors.update(e.fields)
    if errors:
        raise InvalidDataError(fields=errors)
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError("Only staff may remedy a complaint.")

    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        complaint_services.complaint_version_check(complaint, expected_version)
        if complaint.state not in (State.APOLOGIZED, State.ESCALATED):
            raise InvalidTransitionError(
                f"Cannot remedy a complaint that is {complaint.state.replace('_', ' ')}."
            )
        if not roles.can_remedy(complaint, actor):
            raise NotPermittedError("Your role may not remedy this complaint.")
        if CompensationRequest.objects.filter(complaint=complaint, status=Status.PENDING).exists():
            raise RuleViolationError(
                "Compensation on this complaint is waiting for approval; approve or reject it "
                "first."
            )
        if not parsed:
            return RemedyOutcome(
                complaint_services.complaint_remedy(
                    complaint_id=complaint.pk,
                    actor=actor,
                    message=message,
                    root_cause=root_cause,
                    payload={"compensation": []},
                )
            )
        rules = _rules()
        _check_currencies(parsed, rules)
        _lock_customer(complaint)
        on_complaint, to_customer = _committed(
            complaint_id=complaint.pk, customer_id=complaint.customer_id
        )
        decisions = _decide_all(
            items=parsed,
            actor=actor,
            on_complaint=on_complaint,
            to_customer=to_customer,
            rules=rules,
        )
        if all(d.granted for d in decisions):
            requests = _create_requests(
                complaint=complaint, actor=actor, items=parsed, decisions=decisions, pending=False
            )
            remedied = complaint_services.complaint_remedy(
                complaint_id=complaint.pk,
                actor=actor,
                message=message,
                root_cause=root_cause,
                payload={"compensation": [_entry(r) for r in requests]},
            )
            return RemedyOutcome(remedied, requests)
        requests = _create_requests(
            complaint=complaint,
            actor=actor,
            items=parsed,
            decisions=decisions,
            pending=True,
            remedy_message=message,
            root_cause=root_cause,
        )
        return RemedyOutcome(
            _send_for_approval(complaint=complaint, actor=actor, requests=requests), requests
        )


# --- a standalone request ----------------------------------------------------------------------


def compensation_request(
    *,
    complaint_id: int,
    actor: Any,
    kind: str,
    amount: Decimal | str | int,
    currency: str = money.DEFAULT_CURRENCY,
    quantity: int = 1,
    note: str = "",
) -> CompensationRequest:
    """Compensation on an open complaint without remedying it (e.g. a goodwill voucher now).

    Within authority: granted, the complaint stays where it is (an audited step). Beyond it:
    pending, and the complaint is escalated with reason "approval required".
    """
    try:
        (item,) = compensation_items_parse(
            [
                {
                    "kind": kind,
                    "amount": amount,
                    "currency": currency,
                    "quantity": quantity,
                    "note": note,
                }
            ]
        )
    except InvalidDataError as error:
        # One item: name the fields as the caller sent them (`amount`, not `items.1.amount`).
        raise InvalidDataError(
            error.message, fields={k.removeprefix("items.1."): v for k, v in error.fields.items()}
        ) from None
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError("Only staff may request compensation.")
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        if complaint.state not in OPEN_STATES:
            raise InvalidTransitionError(
                f"Compensation is requested on an open complaint; this one is "
                f"{complaint.state.replace('_', ' ')}."
            )
        rules = _rules()
        _check_currencies([item], rules)
        _lock_customer(complaint)
        on_complaint, to_customer = _committed(
            complaint_id=complaint.pk, customer_id=complaint.customer_id
        )
        (d,) = _decide_all(
            items=[item],
            actor=actor,
            on_complaint=on_complaint,
            to_customer=to_customer,
            rules=rules,
        )
        (request,) = _create_requests(
            complaint=complaint, actor=actor, items=[item], decisions=[d], pending=not d.granted
        )
        if d.granted:
            complaint_services.complaint_step_log(
                complaint=complaint,
                actor=actor,
                step="compensation_granted",
                reason=d.reason,
                payload={"compensation": [_entry(request)]},
            )
        else:
            _send_for_approval(complaint=complaint, actor=actor, requests=[request])
    return request


# --- approve / reject -------------------------------------------------------------------------


def _pending_locked(complaint: Complaint) -> list[CompensationRequest]:
    return list(
        CompensationRequest.objects.select_for_update()
        .filter(complaint=complaint, status=Status.PENDING)
        .order_by("created_at", "id")
    )


def _complaint_of(request_id: int) -> int:
    complaint_id = (
        CompensationRequest.objects.filter(pk=request_id)
        .values_list("complaint_id", flat=True)
        .first()
    )
    if complaint_id is None:
        raise NotFoundError("No such compensation request.")
    return complaint_id


def _already_decided(request_id: int) -> ConflictError:
    r = CompensationRequest.objects.select_related("decided_by").get(pk=request_id)
    who = complaint_services.actor_display(r.decided_by) if r.decided_by_id else "the system"
    return ConflictError(f"This compensation was already {r.status} by {who}; nothing changed.")


def _decision_lock(
    *, complaint_id: int, request_id: int | None, expected_version: int | None
) -> tuple[Complaint, list[CompensationRequest]]:
    """For approve and reject, inside their transaction: the complaint locked and at the
    expected version, its pending requests locked; ConflictError if `request_id` was decided."""
    complaint = complaint_services.complaint_lock(complaint_id)
    complaint_services.complaint_version_check(complaint, expected_version)
    # Approving counts the customer's 30-day total like a grant does, so it takes the same lock
    # (and in the same order: complaint, customer, requests).
    _lock_customer(complaint)
    pending = _pending_locked(complaint)
    if request_id is not None and request_id not in {r.pk for r in pending}:
        raise _already_decided(request_id)
    return complaint, pending


def _approve(
    *,
    complaint_id: int,
    actor: Any,
    note: str,
    request_id: int | None,
    expected_version: int | None,
) -> Complaint:
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, max_length=MAX_TEXT, required=False)
    if errors:
        raise InvalidDataError(fields=errors)
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError("Only staff may approve compensation.")
    with transaction.atomic():
        complaint, pending = _decision_lock(
            complaint_id=complaint_id, request_id=request_id, expected_version=expected_version
        )
        if not pending:
            # An escalation without compensation (e.g. a lapsed deadline): a plain approval.
            return complaint_services.complaint_approve(
                complaint_id=complaint.pk, actor=actor, note=note, payload={"compensation": []}
            )
        rank = roles.user_rank(actor)
        if any(r.requested_by_id == actor.pk for r in pending):
            raise NotPermittedError("Four eyes: nobody approves their own compensation request.")
        required = _highest_tier_of(pending)
        if not permissions.can_decide(
            actor_rank=rank,
            actor_id=actor.pk,
            required_tier=required,
            requested_by_id=pending[0].requested_by_id,
        ):
            raise NotPermittedError(
                f"This compensation needs approval by {required.replace('_', ' ')}."
            )
        rules = _rules()
        on_complaint, to_customer = _committed(
            complaint_id=complaint.pk,
            customer_id=complaint.customer_id,
            exclude_ids=[r.pk for r in pending],
        )
        items = [Item(r.kind, r.amount, r.currency, r.quantity, r.note) for r in pending]
        decisions = _decide_all(
            items=items,
            actor=actor,
            on_complaint=on_complaint,
            to_customer=to_customer,
            rules=rules,
        )
        beyond = [d for d in decisions if not d.granted]
        if beyond:
            raise NotPermittedError(
                "Beyond your authority: " + " ".join(d.reason for d in beyond),
                fields={"authority": [d.reason for d in beyond]},
            )
        now = timezone.now()
        for r, d in zip(pending, decisions, strict=True):
            r.status = Status.APPROVED
            r.decided_by = actor
            r.decided_at = now
            r.decision_note = note
            r.rule_id = d.rule.id if d.rule else None
            r.rule_snapshot = d.rule.as_dict() if d.rule else {"role": decision.SUPERUSER}
            r.reason = d.reason[:500]
            r.save(
                update_fields=[
                    "status",
                    "decided_by",
                    "decided_at",
                    "decision_note",
                    "rule",
                    "rule_snapshot",
                    "reason",
                ]
            )
            _publish("compensation.approved", r)
        root_cause = next((r.root_cause for r in pending if r.root_cause), "")
        approved = complaint_services.complaint_approve(
            complaint_id=complaint.pk,
            actor=actor,
            note=note,
            root_cause=root_cause,
            payload={"compensation": [_entry(r) for r in pending]},
        )
        remedy_message = next((r.remedy_message for r in pending if r.remedy_message), "")
        if remedy_message:
            # What the requester promised the customer goes out now that it is approved.
            complaint_services.message_add(
                complaint_id=complaint.pk, actor=actor, body=remedy_message
            )
        return approved


def compensation_approve(*, request_id: int, actor: Any, note: str = "") -> Complaint:
    """Approve a pending request — with the rest of the remedy it belongs to — and remedy the
    complaint, atomically. The actor's own authority must cover every item; never one's own."""
    return _approve(
        complaint_id=_complaint_of(request_id),
        actor=actor,
        note=note,
        request_id=request_id,
        expected_version=None,
    )


def complaint_compensation_approve(
    *, complaint_id: int, actor: Any, note: str = "", expected_version: int | None = None
) -> Complaint:
    """The complaint page's Approve: approve all compensation pending on it (if any)."""
    return _approve(
        complaint_id=complaint_id,
        actor=actor,
        note=note,
        request_id=None,
        expected_version=expected_version,
    )


def _reject(
    *,
    complaint_id: int,
    actor: Any,
    note: str,
    request_id: int | None,
    expected_version: int | None,
) -> Complaint:
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, max_length=MAX_TEXT, required=True)
    if errors:
        raise InvalidDataError(fields=errors)
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError("Only staff may reject compensation.")
    with transaction.atomic():
        complaint, pending = _decision_lock(
            complaint_id=complaint_id, request_id=request_id, expected_version=expected_version
        )
        if pending:
            required = _highest_tier_of(pending)
            if not permissions.can_reject(
                actor_rank=roles.user_rank(actor), required_tier=required
            ):
                raise NotPermittedError(
                    f"This compensation is decided by {required.replace('_', ' ')} or above."
                )
        now = timezone.now()
        for r in pending:
            r.status = Status.REJECTED
            r.decided_by = actor
            r.decided_at = now
            r.decision_note = note
            r.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            _publish("compensation.rejected", r)
        payload = {"compensation": [_entry(r) for r in pending]}
        if complaint.state != State.ESCALATED and pending:
            # The complaint already left escalated some other way; record the refusal only.
            complaint_services.complaint_step_log(
                complaint=complaint,
                actor=actor,
                step="compensation_rejected",
                reason=note,
                payload=payload,
            )
            return complaint
        return complaint_services.complaint_return(
            complaint_id=complaint.pk, actor=actor, note=note, payload=payload
        )


def compensation_reject(*, request_id: int, actor: Any, note: str) -> Complaint:
    """Reject a pending request (and the rest of its remedy); the complaint returns to the state
    it was escalated from, with the note as guidance."""
    return _reject(
        complaint_id=_complaint_of(request_id),
        actor=actor,
        note=note,
        request_id=request_id,
        expected_version=None,
    )


def complaint_compensation_reject(
    *, complaint_id: int, actor: Any, note: str, expected_version: int | None = None
) -> Complaint:
    """The complaint page's Return: reject all pending compensation, return the complaint."""
    return _reject(
        complaint_id=complaint_id,
        actor=actor,
        note=note,
        request_id=None,
        expected_version=expected_version,
    )


def compensation_withdraw_pending(*, complaint_id: int, reason: str) -> int:
    """The complaint left `escalated` without a compensation decision (limits set, an approve or
    return fired directly): its pending requests can no longer be decided. Idempotent."""
    with transaction.atomic():
        try:
            complaint = complaint_services.complaint_lock(complaint_id)
        except NotFoundError:
            return 0
        if complaint.state == State.ESCALATED:
            return 0
        pending = _pending_locked(complaint)
        if not pending:
            return 0
        now = timezone.now()
        for r in pending:
            r.status = Status.REJECTED
            r.decided_at = now
            r.decision_note = f"Withdrawn: {reason}"[:MAX_TEXT]
            r.save(update_fields=["status", "decided_at", "decision_note"])
        complaint_services.complaint_step_log(
            complaint=complaint,
            actor=None,
            step="compensation_withdrawn",
            reason=reason,
            payload={"compensation": [_entry(r) for r in pending]},
        )
        return len(pending)


__all__ = [
    "APPROVAL_REQUIRED",
    "Item",
    "Key",
    "MAX_ITEMS",
    "MAX_LINE",
    "MAX_NOTE",
    "MAX_QUANTITY",
    "MAX_TEXT",
    "RULE_FIELDS",
    "RemedyOutcome",
    "WINDOW",
    "authority_rule_save",
    "compensation_approve",
    "compensation_items_parse",
    "compensation_reject",
    "compensation_request",
    "compensation_withdraw_pending",
    "complaint_compensation_approve",
    "complaint_compensation_reject",
    "complaint_remedy_with_compensation",
]
