"""One complaint's change: a transition (`fire`) or an audited step that is not one (`step`).

A transition by an integration on a complaint it may not see (`complaints.visibility`) is
refused as "no such complaint" before anything else is checked, so ids do not leak."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from complaints import reactions
from complaints.models import (
    Complaint,
    Message,
    TransitionLog,
)
from complaints.services.checks import actor_display
from complaints.services.engine.common import (
    TRANSITION_METHODS,
    complaint_lock,
    complaint_version_check,
    event_audience,
    react,
    step_log,
    touch,
    transitioned_event,
)
from complaints.visibility import complaint_hidden_from
from core.errors import (
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from webhooks.services import outbox_record_many

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
        if complaint_hidden_from(complaint, user=actor):
            raise NotFoundError("No such complaint.")
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
                    promised_by=complaint.promised_by,
                    audience=event_audience(complaint),
                )
            ]
        )
        react(
            step=name,
            complaint=complaint,
            from_state=from_state,
            at=now,
            actor=actor,
            payload=log_payload,
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
    if name in reactions.STEPS:  # compensation's own steps have no reactions to build facts for
        react(
            step=name,
            complaint=complaint,
            from_state=complaint.state,
            at=at,
            actor=actor,
            payload=log.payload,
        )
    return log
