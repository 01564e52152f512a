"""Compensation that changes a complaint: remedy with compensation, and a standalone request.

Invariants kept here:
- The decision and the complaint transition it causes commit together: each service locks the
  complaint row first (then its customer), decides with the pure `compensation.decision.decide`,
  writes the requests, and calls the one complaints service for the transition
  (`complaint_remedy`, `complaint_escalate`, `complaint_raise_level`, or a logged step) inside
  the same transaction. A refusal raises a DomainError and writes nothing.
- Within the actor's authority the items are granted; any item beyond it makes the whole remedy
  wait: every item pending for one decider who covers them all, and the complaint escalated with
  reason "approval required".
- Every decision is logged with its rule: on the request row and in the TransitionLog payload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compensation import decision, money
from compensation.models import CompensationRequest, Kind, Status
from compensation.services.items import (
    MAX_LINE,
    MAX_TEXT,
    Item,
    _text,
    compensation_items_parse,
)
from compensation.services.limits import (
    _check_currencies,
    _committed,
    _decide_all,
    _highest_tier,
    _highest_tier_of,
    _lock_customer,
    _rules,
)
from compensation.services.notify import approval_needed_record
from compensation.services.records import _entry, _publish
from complaints import notes
from complaints import services as complaint_services
from complaints.models import OPEN_STATES, Complaint, State
from core import roles
from core.errors import (
    InvalidDataError,
    InvalidTransitionError,
    NotPermittedError,
    RuleViolationError,
)

# The reason of an escalation for approval, read in each reader's language (`complaints.notes`);
# its English text ("approval required") is what the API and webhooks have always said.
APPROVAL_REQUIRED = notes.Note(notes.define("approval_required", gettext_lazy("approval required")))


def _kind_label(value: str) -> str:
    return str(Kind(value).label).lower()


def _role_label(value: str) -> str:
    return roles.tier_name(value)


# Why an item was granted on the spot (the audit step's reason), read in each reader's language;
# the English text is the decision's own (`decision.decide`).
GRANTED_WITHIN = notes.define(
    "compensation_granted",
    gettext_lazy("%(kind)s of %(amount)s: within %(role)s authority."),
    kind=_kind_label,
    role=_role_label,
)
GRANTED_SUPERUSER = notes.define(
    "compensation_granted_superuser",
    gettext_lazy("%(kind)s of %(amount)s: granted by superuser authority."),
    kind=_kind_label,
)


def _granted_reason(item: Item, d: decision.Decision) -> notes.Note | str:
    """The reason of a granted item as a note; the decision's own text if it is another."""
    params = {"kind": item.kind, "amount": money.format_money(item.amount, item.currency)}
    if d.rule is None:
        note = notes.Note(GRANTED_SUPERUSER, params)
    else:
        note = notes.Note(GRANTED_WITHIN, {**params, "role": d.rule.role})
    return note if note.english() == d.reason else d.reason


def _create_requests(
    *,
    complaint: Complaint,
    actor: Any,
    items: Sequence[Item],
    decisions: Sequence[decision.Decision],
    pending: bool,
    remedy_message: str = "",
    root_cause: str = "",
    outcome: str = "",
    outcome_reason: str = "",
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
                nature=item.nature or decision.DEFAULT_NATURE.get(item.kind, decision.REDRESS),
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
                outcome=outcome if pending else "",
                outcome_reason=outcome_reason if pending else "",
                decided_by=None if pending else actor,
                decided_at=None if pending else now,
                created_at=now,
            )
        )
    for request in created:
        _publish("compensation.requested", request, complaint)
    return created


def _send_for_approval(
    *, complaint: Complaint, actor: Any, requests: Sequence[CompensationRequest]
) -> Complaint:
    """Escalate the complaint (or, if it is already escalated, lift it to the required tier) and
    tell the deciders, all in the caller's transaction."""
    required = _highest_tier_of(requests)
    payload = {
        "approval_required": True,
        "required_tier": required,
        "compensation": [_entry(r) for r in requests],
    }
    approval_needed_record(complaint=complaint, requests=requests, tier=required, requester=actor)
    if complaint.state == State.ESCALATED:
        complaint_services.complaint_step(
            complaint=complaint,
            actor=actor,
            name="compensation_requested",
            fields=(),
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
    outcome: str,
    outcome_reason: str = "",
    items: Iterable[Mapping[str, Any] | Item] = (),
    expected_version: int | None = None,
) -> RemedyOutcome:
    """Remedy a complaint, with compensation items and the outcome.

    All items within the actor's authority: granted, the complaint is remedied. Any item
    beyond it: the whole remedy waits — every item pending, the complaint escalated with reason
    "approval required", the outcome kept on the requests until the approval records it. No
    items: a plain remedy (an explanation, a fix, a gesture).
    """
    errors: dict[str, list[str]] = {}
    message = _text(errors, "message", message, max_length=MAX_TEXT, required=True)
    root_cause = _text(errors, "root_cause", root_cause, max_length=MAX_LINE, required=True)
    try:
        parsed = compensation_items_parse(items)
    except InvalidDataError as e:
        errors.update(e.fields)
    try:
        outcome, outcome_reason = complaint_services.outcome_validate(
            outcome=outcome, outcome_reason=outcome_reason
        )
    except InvalidDataError as e:
        errors.update(e.fields)
    except RuleViolationError:
        if not errors:
            raise
    if errors:
        raise InvalidDataError(fields=errors)
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    closing = {"outcome": outcome, "outcome_reason": outcome_reason}

    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        complaint_services.complaint_version_check(complaint, expected_version)
        if complaint.state not in (State.APOLOGIZED, State.ESCALATED):
            raise InvalidTransitionError(
                complaint_services.complaint_wrong_state_message(complaint, "remedy")
            )
        refusal = roles.remedy_refusal(complaint, actor)
        if refusal:
            raise NotPermittedError(refusal)
        if CompensationRequest.objects.filter(complaint=complaint, status=Status.PENDING).exists():
            raise RuleViolationError(
                _(
                    "Compensation on this complaint is waiting for approval: it is remedied when "
                    "that is approved, so approve or reject it first."
                )
            )
        if not parsed:
            return RemedyOutcome(
                complaint_services.complaint_remedy(
                    complaint_id=complaint.pk,
                    actor=actor,
                    message=message,
                    root_cause=root_cause,
                    payload={"compensation": []},
                    **closing,
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
                **closing,
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
            **closing,
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
    nature: str = "",
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
                    "nature": nature,
                }
            ]
        )
    except InvalidDataError as error:
        # One item: name the fields as the caller sent them (`amount`, not `items.1.amount`).
        raise InvalidDataError(
            error.message, fields={k.removeprefix("items.1."): v for k, v in error.fields.items()}
        ) from None
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        if complaint.state not in OPEN_STATES:
            raise InvalidTransitionError(
                _(
                    "Compensation is given on an open complaint; this one is %(state)s. "
                    "Reopen it first if the customer is still owed something."
                )
                % {"state": State(complaint.state).label}
            )
        # Compensation is part of the remedy: refused by the same rule (escalated above you).
        refusal = roles.remedy_refusal(complaint, actor)
        if refusal:
            raise NotPermittedError(refusal)
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
            complaint_services.complaint_step(
                complaint=complaint,
                actor=actor,
                name="compensation_granted",
                fields=(),
                reason=_granted_reason(item, d),
                payload={"compensation": [_entry(request)]},
            )
        else:
            _send_for_approval(complaint=complaint, actor=actor, requests=[request])
    return request
