"""Write services of the complaints app: intake, one function per transition, messages, pause.

Invariants kept here and nowhere else:
- `Complaint.state` changes only through `_fire`, which runs in one transaction, locks the row
  (SELECT ... FOR UPDATE on PostgreSQL; django_fsm's ConcurrentTransitionMixin re-checks the state
  in the UPDATE on every backend), checks the optional `expected_version`, writes exactly one
  TransitionLog row, and sends `complaint_transitioned` after commit.
- A refused call (bad data, wrong state, wrong role, lost race) raises a DomainError and writes
  nothing.
- `actor=None` means the system (the deadline sweep); it passes role checks and is logged by label.
- Intake and every transition record a webhook outbox event in the same transaction.
This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from complaints import events, roles
from complaints.errors import (
    ConflictError,
    InvalidDataError,
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from complaints.models import (
    Category,
    Channel,
    Complaint,
    Customer,
    Fault,
    Message,
    MessageKind,
    Severity,
    State,
    TransitionLog,
    Visibility,
)
from webhooks.services import outbox_record

SYSTEM_LABEL = "system"
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
MAX_TEXT = 10_000
MAX_LINE = 200


# --- input checks -----------------------------------------------------------------------------


class _Checker:
    """Collects field errors so one InvalidDataError reports all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def text(self, field: str, value: Any, *, max_length: int, required: bool = True) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, "Must be text.")
            return ""
        value = value.strip()
        if required and not value:
            self.add(field, "This field is required.")
        elif len(value) > max_length:
            self.add(field, f"At most {max_length} characters.")
        elif "\x00" in value:
            self.add(field, "Must not contain NUL characters.")
        return value

    def choice(self, field: str, value: Any, choices: Iterable[str]) -> str:
        allowed = list(choices)
        if value not in allowed:
            self.add(field, f"Must be one of: {', '.join(allowed)}.")
            return ""
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidDataError(fields=self.errors)


def actor_display(actor: Any, label: str | None = None) -> str:
    """How an actor appears in the audit trail and timeline (`label` wins; None is the system)."""
    if label:
        return label
    if actor is None:
        return SYSTEM_LABEL
    return actor.get_full_name() or actor.get_username()


# --- intake ------------------------------------------------------------------------------------


def complaint_intake(
    *,
    customer_name: str,
    customer_email: str,
    subject: str,
    description: str,
    channel: str = Channel.API,
    category: str = Category.OTHER,
    severity: str = Severity.NORMAL,
    customer_phone: str = "",
    customer_external_ref: str = "",
    external_id: str | None = None,
    actor: Any = None,
) -> tuple[Complaint, bool]:
    """File a complaint in `venting`, the customer's words kept verbatim.

    Returns (complaint, created). A known `external_id` returns the complaint filed first.
    """
    check = _Checker()
    name = check.text("customer.name", customer_name, max_length=200)
    email = check.text("customer.email", customer_email, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            check.add("customer.email", "Enter a valid email address.")
    phone = check.text("customer.phone", customer_phone, max_length=40, required=False)
    ext_ref = check.text(
        "customer.external_ref", customer_external_ref, max_length=128, required=False
    )
    subject = check.text("subject", subject, max_length=MAX_LINE)
    if isinstance(description, str) and description.strip():
        # Verbatim: keep the customer's own spacing, only check size and NUL bytes.
        if len(description) > MAX_TEXT:
            check.add("description", f"At most {MAX_TEXT} characters.")
        elif "\x00" in description:
            check.add("description", "Must not contain NUL characters.")
    else:
        check.add("description", "This field is required.")
    check.choice("channel", channel, Channel.values)
    check.choice("category", category, Category.values)
    check.choice("severity", severity, Severity.values)
    if external_id is not None:
        external_id = check.text("external_id", external_id, max_length=128) or None
    check.raise_if_any()
    if actor is not None and not roles.can_file(actor):
        raise NotPermittedError("Only staff or an integration may file complaints.")

    if external_id:
        existing = Complaint.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            complaint = _intake_write(
                name=name,
                email=email,
                phone=phone,
                ext_ref=ext_ref,
                subject=subject,
                description=description,
                channel=channel,
                category=category,
                severity=severity,
                external_id=external_id,
                actor=actor,
            )
    except IntegrityError:
        # Lost a race with a retry carrying the same external_id: return the winner's complaint.
        if external_id:
            existing = Complaint.objects.filter(external_id=external_id).first()
            if existing is not None:
                return existing, False
        raise
    return complaint, True


def _intake_write(
    *,
    name: str,
    email: str,
    phone: str,
    ext_ref: str,
    subject: str,
    description: str,
    channel: str,
    category: str,
    severity: str,
    external_id: str | None,
    actor: Any,
) -> Complaint:
    customer = customer_get_or_create(name=name, email=email, phone=phone, external_ref=ext_ref)
    now = timezone.now()
    complaint = Complaint.objects.create(
        customer=customer,
        subject=subject,
        description=description,
        channel=channel,
        category=category,
        severity=severity,
        external_id=external_id,
        created_at=now,
        updated_at=now,
        state_changed_at=now,
    )
    complaint.reference = f"CMP-{now.year}-{complaint.pk:06d}"
    complaint.save(update_fields=["reference"])
    Message.objects.create(
        complaint=complaint,
        kind=MessageKind.CUSTOMER,
        author_label=customer.name,
        visibility=Visibility.PUBLIC,
        body=description,
        created_at=now,
    )
    TransitionLog.objects.create(
        complaint=complaint,
        transition="intake",
        from_state=State.VENTING,
        to_state=State.VENTING,
        actor=actor,
        actor_label=actor_display(actor, None if actor else f"channel: {channel}"),
        payload={"channel": channel, "external_id": external_id},
        created_at=now,
    )
    outbox_record(
        type="complaint.created",
        payload={
            "complaint_id": complaint.pk,
            "reference": complaint.reference,
            "state": complaint.state,
            "external_id": external_id,
            "channel": channel,
            "category": category,
            "severity": severity,
        },
    )
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: events.complaint_created.send(
            sender=Complaint, complaint_id=complaint.pk, actor_id=actor_id
        )
    )
    return complaint


def customer_get_or_create(
    *, name: str, email: str, phone: str = "", external_ref: str = ""
) -> Customer:
    """The same shop customer files many complaints: match by external_ref, else by email."""
    qs = Customer.objects.all()
    found = None
    if external_ref:
        found = qs.filter(external_ref=external_ref).order_by("pk").first()
    if found is None:
        found = qs.filter(email__iexact=email).order_by("pk").first()
    if found is not None:
        changed = []
        if phone and found.phone != phone:
            found.phone = phone
            changed.append("phone")
        if external_ref and not found.external_ref:
            found.external_ref = external_ref
            changed.append("external_ref")
        if changed:
            found.save(update_fields=changed)
        return found
    return Customer.objects.create(name=name, email=email, phone=phone, external_ref=external_ref)


# --- the transition engine ---------------------------------------------------------------------


def complaint_lock(complaint_id: int) -> Complaint:
    """The complaint, row-locked until the caller's transaction ends; NotFoundError if absent."""
    try:
        return Complaint.objects.select_for_update().get(pk=complaint_id)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("No such complaint.") from None


def complaint_version_check(complaint: Complaint, expected_version: int | None) -> None:
    """ConflictError when the caller acted on a version of the complaint that is gone."""
    if expected_version is not None and complaint.version != expected_version:
        raise ConflictError(
            f"{complaint.reference} was changed by someone else while you were looking at it; "
            "reload it and try again."
        )


def _fire(
    *,
    complaint_id: int,
    actor: Any,
    name: str,
    reason: str = "",
    payload: dict | None = None,
    expected_version: int | None = None,
    actor_label: str | None = None,
    apply: Callable[[Complaint, str], list[str]] | None = None,
    messages: Iterable[tuple[str, str, str]] = (),
) -> Complaint:
    """Fire transition `name` on the locked complaint; `apply` sets data and returns fields.

    `messages` are (kind, visibility, body) timeline entries written with the transition.
    """
    method_name = TRANSITION_METHODS[name]
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        complaint_version_check(complaint, expected_version)
        method = getattr(complaint, method_name)
        from_state = complaint.state
        if not can_proceed(method, check_conditions=False):
            raise InvalidTransitionError(
                f"Cannot {name.replace('_', ' ')} a complaint that is {from_state.replace('_', ' ')}."
            )
        if actor is not None and not method._django_fsm.has_transition_perm(
            complaint, from_state, actor
        ):
            raise NotPermittedError(f"Your role may not {name.replace('_', ' ')} this complaint.")
        fields = apply(complaint, from_state) if apply else []
        if not can_proceed(method):
            raise RuleViolationError(
                f"Cannot {name.replace('_', ' ')} this complaint now: the workflow's conditions "
                "are not met."
            )
        now = timezone.now()
        method()
        complaint.version += 1
        complaint.updated_at = now
        complaint.state_changed_at = now
        try:
            complaint.save(
                update_fields=sorted(
                    {*fields, "state", "version", "updated_at", "state_changed_at"}
                )
            )
        except ConcurrentTransition:
            raise ConflictError() from None
        label = actor_display(actor, actor_label)
        log = TransitionLog.objects.create(
            complaint=complaint,
            transition=name,
            from_state=from_state,
            to_state=complaint.state,
            actor=actor,
            actor_label=label,
            reason=reason,
            payload=payload if payload is not None else {},
            created_at=now,
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
        outbox_record(
            type="complaint.transitioned",
            payload={
                "complaint_id": complaint.pk,
                "reference": complaint.reference,
                "transition": name,
                "from_state": from_state,
                "to_state": complaint.state,
                "actor": label,
                "reason": reason,
                "escalation_level": complaint.escalation_level,
                "at": now,
            },
        )
        _send_after_commit(
            events.complaint_transitioned,
            complaint_id=complaint.pk,
            transition=name,
            from_state=from_state,
            to_state=complaint.state,
            actor_id=getattr(actor, "pk", None),
            log_id=log.pk,
            payload=log.payload,
        )
    return complaint


def _send_after_commit(signal: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=Complaint, **kwargs))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- one service per transition ----------------------------------------------------------------


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
    check = _Checker()
    summary = check.text("summary", summary, max_length=MAX_TEXT)
    message = check.text("message", message, max_length=MAX_TEXT)
    if not isinstance(promised_by, datetime) or timezone.is_naive(promised_by):
        check.add("promised_by", "A date and time with a time zone is required.")
    elif promised_by <= timezone.now():
        check.add("promised_by", "The promised time must lie in the future.")
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        events.validate_promise.send(sender=Complaint, complaint=c, promised_by=promised_by)
        c.summary, c.summary_confirmed, c.promised_by = (
            summary,
            bool(summary_confirmed),
            promised_by,
        )
        return ["summary", "summary_confirmed", "promised_by"]

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="acknowledge",
        expected_version=expected_version,
        payload={"summary": summary, "promised_by": _iso(promised_by)},
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.PUBLIC, message)],
    )


def complaint_apologize(
    *, complaint_id: int, actor: Any, message: str, fault: str, expected_version: int | None = None
) -> Complaint:
    """Apologise, saying whose fault it was."""
    check = _Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    check.choice("fault", fault, Fault.values)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        c.fault = fault
        return ["fault"]

    return _fire(
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
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Put it right. Compensation is decided by the compensation app, which calls this."""
    check = _Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    root_cause = check.text("root_cause", root_cause, max_length=MAX_LINE)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        c.root_cause = root_cause
        return ["root_cause"]

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="remedy",
        expected_version=expected_version,
        payload={"root_cause": root_cause, **(payload or {})},
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.PUBLIC, message)],
    )


def complaint_escalate(
    *,
    complaint_id: int,
    actor: Any,
    reason: str,
    actor_label: str | None = None,
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Hand the complaint to the next tier: level +1, assignee cleared for that tier to pick up."""
    check = _Checker()
    reason = check.text("reason", reason, max_length=MAX_TEXT)
    check.raise_if_any()
    full_payload: dict = {**(payload or {})}

    def apply(c: Complaint, from_state: str) -> list[str]:
        full_payload.update(previous_assignee_id=c.assignee_id, from_tier=c.tier)
        c.escalated_from = from_state
        c.escalation_level += 1
        c.tier = roles.next_tier(c.tier) or c.tier
        c.assignee = None
        full_payload["to_tier"] = c.tier
        return ["escalated_from", "escalation_level", "tier", "assignee"]

    kind = MessageKind.SYSTEM if actor is None else MessageKind.STAFF
    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="escalate",
        reason=reason,
        expected_version=expected_version,
        actor_label=actor_label,
        payload=full_payload,
        apply=apply,
        messages=[(kind, Visibility.INTERNAL, f"Escalated: {reason}")],
    )


def complaint_approve(
    *,
    complaint_id: int,
    actor: Any,
    note: str = "",
    root_cause: str = "",
    payload: dict | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Approve what waited on the escalated complaint; it is remedied.

    The compensation app calls this inside its own transaction after its authority and
    four-eyes checks, so the decision and the state change commit together.
    """
    check = _Checker()
    note = check.text("note", note, max_length=MAX_TEXT, required=False)
    root_cause = check.text("root_cause", root_cause, max_length=MAX_LINE, required=False)
    check.raise_if_any()

    def apply(c: Complaint, _from: str) -> list[str]:
        if root_cause:
            c.root_cause = root_cause
        return ["root_cause"]

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="approve",
        reason=note,
        expected_version=expected_version,
        apply=apply,
        payload={**(payload or {}), **({"root_cause": root_cause} if root_cause else {})},
        messages=[(MessageKind.STAFF, Visibility.INTERNAL, note and f"Approved: {note}")],
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
    check = _Checker()
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

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="return",
        reason=note,
        expected_version=expected_version,
        payload=payload or {},
        apply=apply,
        messages=[(MessageKind.STAFF, Visibility.INTERNAL, f"Returned with guidance: {note}")],
    )


def complaint_set_limits(
    *,
    complaint_id: int,
    actor: Any,
    reason: str,
    message: str,
    abuse: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """End an unconstructive interaction, documented. Never the first move.

    From `venting` only a manager who flags abuse may do it.
    """
    check = _Checker()
    reason = check.text("reason", reason, max_length=MAX_TEXT)
    message = check.text("message", message, max_length=MAX_TEXT)
    check.raise_if_any()

    def apply(c: Complaint, from_state: str) -> list[str]:
        if abuse and roles.user_rank(actor) >= roles.tier_rank(roles.MANAGER):
            c.abuse_flagged = True
        if from_state == State.VENTING and not c.abuse_flagged:
            raise RuleViolationError(
                "Limits are not set while the customer is still venting; "
                "only a manager flagging abuse may do so.",
                fields={"abuse": ["Required (manager only) while the customer is venting."]},
            )
        return ["abuse_flagged"]

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="set_limits",
        reason=reason,
        expected_version=expected_version,
        payload={"abuse": bool(abuse)},
        apply=apply,
        messages=[
            (MessageKind.STAFF, Visibility.INTERNAL, f"Limits set: {reason}"),
            (MessageKind.STAFF, Visibility.PUBLIC, message),
        ],
    )


def complaint_reopen(
    *, complaint_id: int, actor: Any, message: str, expected_version: int | None = None
) -> Complaint:
    """The customer is not satisfied after all: back to venting, reopen count +1."""
    check = _Checker()
    message = check.text("message", message, max_length=MAX_TEXT)
    check.raise_if_any()
    from_customer = actor is not None and roles.is_integration(actor) and not roles.is_agent(actor)

    def apply(c: Complaint, _from: str) -> list[str]:
        c.reopen_count += 1
        c.escalated_from = ""
        c.tier = roles.FRONTLINE
        c.promised_by = None
        return ["reopen_count", "escalated_from", "tier", "promised_by"]

    return _fire(
        complaint_id=complaint_id,
        actor=actor,
        name="reopen",
        expected_version=expected_version,
        apply=apply,
        messages=[
            (
                MessageKind.CUSTOMER if from_customer else MessageKind.STAFF,
                Visibility.PUBLIC,
                message,
            )
        ],
    )


# --- changes that are not state changes, audited all the same ---------------------------------


def complaint_step_log(
    *,
    complaint: Complaint,
    actor: Any,
    step: str,
    reason: str = "",
    payload: dict | None = None,
    actor_label: str | None = None,
) -> TransitionLog:
    """An audited step that is not a state change (pause, assignment, compensation granted...)."""
    return TransitionLog.objects.create(
        complaint=complaint,
        transition=step,
        from_state=complaint.state,
        to_state=complaint.state,
        actor=actor,
        actor_label=actor_display(actor, actor_label),
        reason=reason,
        payload=payload or {},
    )


def _touch(complaint: Complaint, fields: list[str]) -> None:
    complaint.version += 1
    complaint.updated_at = timezone.now()
    try:
        complaint.save(update_fields=[*fields, "version", "updated_at"])
    except ConcurrentTransition:
        raise ConflictError() from None


def complaint_pause(
    *,
    complaint_id: int,
    actor: Any,
    reason: str,
    until: datetime | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Stop the deadline clock while waiting on the customer (or an agreed cooling-off)."""
    check = _Checker()
    reason = check.text("reason", reason, max_length=500)
    if until is not None and (not isinstance(until, datetime) or timezone.is_naive(until)):
        check.add("until", "A date and time with a time zone is required.")
    elif until is not None and until <= timezone.now():
        check.add("until", "Must lie in the future.")
    check.raise_if_any()
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        complaint_version_check(complaint, expected_version)
        if actor is not None and not roles.is_agent(actor):
            raise NotPermittedError("Only staff may pause a complaint.")
        if not complaint.is_open:
            raise InvalidTransitionError("Only an open complaint can be paused.")
        if complaint.paused_at is not None:
            raise InvalidTransitionError("The complaint is already paused.")
        complaint.paused_at, complaint.pause_reason, complaint.pause_until = (
            timezone.now(),
            reason,
            until,
        )
        _touch(complaint, ["paused_at", "pause_reason", "pause_until"])
        complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="pause",
            reason=reason,
            payload={"until": _iso(until)},
        )
        _send_after_commit(
            events.complaint_paused,
            complaint_id=complaint.pk,
            actor_id=getattr(actor, "pk", None),
            paused_at=complaint.paused_at,
            until=until,
        )
    return complaint


def complaint_resume(
    *,
    complaint_id: int,
    actor: Any,
    actor_label: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Restart the deadline clock; the escalation app restores the remaining time."""
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        complaint_version_check(complaint, expected_version)
        if actor is not None and not roles.is_agent(actor):
            raise NotPermittedError("Only staff may resume a complaint.")
        if complaint.paused_at is None:
            raise InvalidTransitionError("The complaint is not paused.")
        paused_at = complaint.paused_at
        complaint.paused_at, complaint.pause_reason, complaint.pause_until = None, "", None
        _touch(complaint, ["paused_at", "pause_reason", "pause_until"])
        resumed_at = timezone.now()
        complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="resume",
            actor_label=actor_label,
            payload={"paused_at": _iso(paused_at)},
        )
        _send_after_commit(
            events.complaint_resumed,
            complaint_id=complaint.pk,
            actor_id=getattr(actor, "pk", None),
            paused_at=paused_at,
            resumed_at=resumed_at,
        )
    return complaint


def complaint_raise_level(
    *, complaint_id: int, actor: Any, reason: str, actor_label: str | None = None
) -> Complaint:
    """An escalated complaint whose deadline lapsed again climbs one more tier."""
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        if complaint.state != State.ESCALATED:
            raise InvalidTransitionError("Only an escalated complaint can be raised a level.")
        from_tier = complaint.tier
        complaint.escalation_level += 1
        complaint.tier = roles.next_tier(complaint.tier) or complaint.tier
        complaint.assignee = None
        _touch(complaint, ["escalation_level", "tier", "assignee"])
        complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="raise_level",
            reason=reason,
            actor_label=actor_label,
            payload={"from_tier": from_tier, "to_tier": complaint.tier},
        )
    return complaint


def complaint_assign(*, complaint_id: int, actor: Any, assignee: Any | None) -> Complaint:
    """Agents take complaints for themselves; a lead or above assigns anyone."""
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        if not roles.is_agent(actor):
            raise NotPermittedError("Only staff may assign complaints.")
        if assignee is not None and assignee.pk != actor.pk and roles.user_rank(actor) < 2:
            raise NotPermittedError("Only a team lead or manager may assign others.")
        if assignee is not None and not roles.is_agent(assignee):
            raise InvalidDataError(fields={"assignee": ["Must be a member of staff."]})
        previous = complaint.assignee_id
        complaint.assignee = assignee
        _touch(complaint, ["assignee"])
        complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="assign",
            payload={"from": previous, "to": getattr(assignee, "pk", None)},
        )
    return complaint


def message_add(
    *, complaint_id: int, actor: Any, body: str, visibility: str = Visibility.PUBLIC
) -> Message:
    """Add a reply or an internal note to the timeline."""
    check = _Checker()
    body = check.text("body", body, max_length=MAX_TEXT)
    check.choice("visibility", visibility, Visibility.values)
    check.raise_if_any()
    from_customer = actor is not None and roles.is_integration(actor) and not roles.is_agent(actor)
    if actor is not None and not (roles.is_agent(actor) or from_customer):
        raise NotPermittedError("Only staff or an integration may add messages.")
    if from_customer and visibility == Visibility.INTERNAL:
        raise NotPermittedError("Internal notes are for staff only.")
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        now = timezone.now()
        message = Message.objects.create(
            complaint=complaint,
            author=actor,
            author_label=complaint.customer.name if from_customer else actor_display(actor, None),
            kind=MessageKind.CUSTOMER if from_customer else MessageKind.STAFF,
            visibility=visibility,
            body=body,
            created_at=now,
        )
        complaint.updated_at = now
        complaint.save(update_fields=["updated_at"])
        _send_after_commit(
            events.message_added,
            complaint_id=complaint.pk,
            message_id=message.pk,
            visibility=visibility,
            actor_id=getattr(actor, "pk", None),
        )
    return message


def complaint_update_details(
    *,
    complaint_id: int,
    actor: Any,
    subject: str | None = None,
    category: str | None = None,
    severity: str | None = None,
) -> Complaint:
    """Correct the triage data (subject, category, severity); audited like everything else."""
    check = _Checker()
    changes: dict[str, str] = {}
    if subject is not None:
        changes["subject"] = check.text("subject", subject, max_length=MAX_LINE)
    if category is not None:
        changes["category"] = check.choice("category", category, Category.values)
    if severity is not None:
        changes["severity"] = check.choice("severity", severity, Severity.values)
    check.raise_if_any()
    if not roles.is_agent(actor):
        raise NotPermittedError("Only staff may change a complaint's details.")
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        diff = {
            field: [getattr(complaint, field), value]
            for field, value in changes.items()
            if getattr(complaint, field) != value
        }
        if not diff:
            return complaint
        for field, (_old, new) in diff.items():
            setattr(complaint, field, new)
        _touch(complaint, list(diff))
        complaint_step_log(complaint=complaint, actor=actor, step="details", payload=diff)
    return complaint
