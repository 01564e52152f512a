"""Deciding pending compensation: approve, reject, and withdraw what can no longer be decided.

Invariants kept here:
- An approver shows a second factor first when `REDRESS_OTP_REQUIRED` (`core.access`).
- Nobody approves their own request (four eyes), and the approver's own authority must cover
  every item, counted again against what is committed (as a grant is, see `limits`).
- Two deciders at once: one wins, the other gets a ConflictError and nothing changes.
- Lock order is complaint, then its customer, then its pending requests (`_decision_lock`), the
  same as granting, so concurrent deciders cannot deadlock.
- The decision and the complaint transition (`complaint_approve`, `complaint_return`) commit
  together; every decision is logged with its rule on the request row and in the TransitionLog
  payload.
- Withdrawing pending requests of a complaint that left `escalated` is idempotent, and publishes
  `compensation.rejected` for each withdrawn request in the same transaction, like a rejection.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compensation import decision, money, permissions
from compensation.models import AuthorityRule, CompensationRequest, Kind, Status
from compensation.services.items import MAX_TEXT, Item, _text
from compensation.services.limits import (
    _committed,
    _decide_all,
    _highest_tier_of,
    _lock_customer,
    _rules,
)
from compensation.services.records import _entry, _publish
from complaints import notes
from complaints import services as complaint_services
from complaints.models import Complaint, State
from core import access, roles
from core.errors import ConflictError, InvalidDataError, NotFoundError, NotPermittedError


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
        raise NotFoundError(
            _("There is no compensation request with this id: reload the approval queue.")
        )
    return complaint_id


def _already_decided(request_id: int) -> ConflictError:
    r = CompensationRequest.objects.select_related("decided_by").get(pk=request_id)
    who = complaint_services.actor_display(r.decided_by) if r.decided_by_id else _("the system")
    return ConflictError(
        _(
            "This compensation was already decided by %(who)s (%(status)s), so nothing "
            "changed: reload the complaint to see the decision."
        )
        % {"status": r.get_status_display(), "who": who}
    )


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
    outcome: str = "",
    outcome_reason: str = "",
) -> Complaint:
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, max_length=MAX_TEXT, required=False)
    if errors:
        raise InvalidDataError(fields=errors)
    if actor is None or not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    second_factor = access.actor_approval_refusal(actor)
    if second_factor:
        raise NotPermittedError(second_factor)
    with transaction.atomic():
        complaint, pending = _decision_lock(
            complaint_id=complaint_id, request_id=request_id, expected_version=expected_version
        )
        if not pending:
            # An escalation without compensation (e.g. a lapsed deadline): a plain approval,
            # whose outcome only the approver can give.
            return complaint_services.complaint_approve(
                complaint_id=complaint.pk,
                actor=actor,
                note=note,
                outcome=outcome,
                outcome_reason=outcome_reason,
                payload={"compensation": []},
            )
        rank = roles.user_rank(actor)
        if any(r.requested_by_id == actor.pk for r in pending):
            raise NotPermittedError(
                _(
                    "Four eyes: nobody approves their own compensation request. "
                    "Ask another team lead or a manager to approve it."
                )
            )
        required = _highest_tier_of(pending)
        if not permissions.can_decide(
            actor_rank=rank,
            actor_id=actor.pk,
            required_tier=required,
            requested_by_id=pending[0].requested_by_id,
        ):
            raise NotPermittedError(
                _(
                    "Only %(who)s can approve this compensation: it is beyond what your role "
                    "may grant. Ask one of them to decide it."
                )
                % {"who": roles.who_has_rank(decision.TIER_RANK.get(required, 4))}
            )
        rules = _rules()
        on_complaint, to_customer = _committed(
            complaint_id=complaint.pk,
            customer_id=complaint.customer_id,
            exclude_ids=[r.pk for r in pending],
        )
        items = [Item(r.kind, r.amount, r.currency, r.quantity, r.note, r.nature) for r in pending]
        decisions = _decide_all(
            items=items,
            actor=actor,
            on_complaint=on_complaint,
            to_customer=to_customer,
            rules=rules,
        )
        beyond = [_beyond(i, d) for i, d in zip(items, decisions, strict=True) if not d.granted]
        if beyond:
            raise NotPermittedError(
                _(
                    "Approving this is beyond your authority (%(reasons)s): ask someone whose "
                    "limits cover it to approve it."
                )
                % {"reasons": " ".join(beyond)},
                fields={"authority": beyond},
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
            _publish("compensation.approved", r, complaint)
        root_cause = next((r.root_cause for r in pending if r.root_cause), "")
        if not outcome:  # the approver did not say otherwise: the outcome proposed with it
            proposed = next((r for r in pending if r.outcome), None)
            if proposed is not None:
                outcome, outcome_reason = proposed.outcome, proposed.outcome_reason
        approved = complaint_services.complaint_approve(
            complaint_id=complaint.pk,
            actor=actor,
            note=note,
            root_cause=root_cause,
            outcome=outcome,
            outcome_reason=outcome_reason,
            payload={"compensation": [_entry(r) for r in pending]},
        )
        remedy_message = next((r.remedy_message for r in pending if r.remedy_message), "")
        if remedy_message:
            # What the requester promised the customer goes out now that it is approved.
            complaint_services.message_add(
                complaint_id=complaint.pk, actor=actor, body=remedy_message, step="approve"
            )
        return approved


def _beyond(item: Item, d: decision.Decision) -> str:
    """What stopped one item, in the reader's language (the decision's `reason` is English)."""
    values = {
        "kind": str(Kind(item.kind).label).lower(),
        "amount": money.format_money(item.amount, item.currency),
        "currency": item.currency,
    }
    if d.rule is None or d.limit not in decision.LIMITS:
        return _("%(kind)s of %(amount)s: your roles hold no authority for it in %(currency)s.") % (
            values
        )
    return _("%(kind)s of %(amount)s is above the %(role)s limit of %(cap)s (%(limit)s).") % {
        **values,
        "role": roles.tier_name(d.rule.role),
        "cap": money.format_money(getattr(d.rule, d.limit), item.currency),
        "limit": AuthorityRule._meta.get_field(d.limit).verbose_name,
    }


def compensation_approve(
    *, request_id: int, actor: Any, note: str = "", outcome: str = "", outcome_reason: str = ""
) -> Complaint:
    """Approve a pending request — with the rest of the remedy it belongs to — and remedy the
    complaint, atomically. The actor's own authority must cover every item; never one's own.
    The outcome is the approver's if given, else the one proposed with the remedy (a request
    made without a remedy proposes none, so its approver gives it)."""
    return _approve(
        complaint_id=_complaint_of(request_id),
        actor=actor,
        note=note,
        request_id=request_id,
        expected_version=None,
        outcome=outcome,
        outcome_reason=outcome_reason,
    )


def complaint_compensation_approve(
    *,
    complaint_id: int,
    actor: Any,
    note: str = "",
    outcome: str = "",
    outcome_reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """The complaint page's Approve: approve all compensation pending on it (if any), recording
    the approver's outcome or, when they give none, the one proposed with the remedy."""
    return _approve(
        complaint_id=complaint_id,
        actor=actor,
        note=note,
        request_id=None,
        expected_version=expected_version,
        outcome=outcome,
        outcome_reason=outcome_reason,
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
        raise NotPermittedError(roles.staff_refusal(actor))
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
                    _(
                        "Only %(who)s can reject this compensation: it waits for a decision by "
                        "%(tier)s. Ask one of them to decide it."
                    )
                    % {
                        "who": roles.who_has_rank(decision.TIER_RANK.get(required, 4)),
                        "tier": roles.tier_name(required),
                    }
                )
        now = timezone.now()
        for r in pending:
            r.status = Status.REJECTED
            r.decided_by = actor
            r.decided_at = now
            r.decision_note = note
            r.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            _publish("compensation.rejected", r, complaint)
        payload = {"compensation": [_entry(r) for r in pending]}
        if complaint.state != State.ESCALATED and pending:
            # The complaint already left escalated some other way; record the refusal only.
            complaint_services.complaint_step(
                complaint=complaint,
                actor=actor,
                name="compensation_rejected",
                fields=(),
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


WITHDRAWN = notes.define("withdrawn", gettext_lazy("Withdrawn: %(reason)s"))


def compensation_withdraw_pending(*, complaint_id: int, reason: str | notes.Note) -> int:
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
        text, code, params = notes.split(reason)
        note = notes.Note(WITHDRAWN, {"reason": notes.stored(code, params, text)})
        for r in pending:
            r.status = Status.REJECTED
            r.decided_at = now
            r.decision_note = note.english()[:MAX_TEXT]
            r.decision_note_code, r.decision_note_params = note.code, note.params
            r.save(
                update_fields=[
                    "status",
                    "decided_at",
                    "decision_note",
                    "decision_note_code",
                    "decision_note_params",
                ]
            )
            _publish("compensation.rejected", r)  # subscribers learn of it as of any refusal
        complaint_services.complaint_step_log(
            complaint=complaint,
            actor=None,
            step="compensation_withdrawn",
            reason=reason,
            payload={"compensation": [_entry(r) for r in pending]},
        )
        return len(pending)
