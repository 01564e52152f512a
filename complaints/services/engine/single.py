"""One complaint's change: a transition (`fire`) or an audited step that is not one (`step`).

A transition by an integration on a complaint it may not see (`complaints.visibility`) is
refused as "no such complaint" before anything else is checked, so ids do not leak."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_fsm import can_proceed, get_available_FIELD_transitions

from complaints import notes, reactions
from complaints.models import (
    Complaint,
    Message,
    State,
    TransitionLog,
)
from complaints.services.checks import actor_display
from complaints.services.engine.common import (
    TRANSITION_LABELS,
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
from core import roles
from core.errors import (
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from webhooks.services import outbox_record_many

# --- a single transition ----------------------------------------------------------------------

_PUBLIC_NAMES = {method: name for name, method in TRANSITION_METHODS.items()}


def wrong_state_message(complaint: Complaint, name: str) -> str:
    """Why transition `name` is impossible in the complaint's state, and what is possible."""
    field = Complaint._meta.get_field("state")
    possible = [
        str(TRANSITION_LABELS[_PUBLIC_NAMES[t.name]])
        for t in get_available_FIELD_transitions(complaint, field)
        if t.name in _PUBLIC_NAMES
    ]
    values = {
        "action": TRANSITION_LABELS[name],
        "state": State(complaint.state).label,
        "next": pgettext("list separator", ", ").join(dict.fromkeys(possible)),
    }
    if not possible:
        return _("“%(action)s” is not possible while the complaint is %(state)s.") % values
    return (
        _("“%(action)s” is not possible while the complaint is %(state)s. Possible now: %(next)s.")
        % values
    )


def _check_can_fire(complaint: Complaint, name: str, actor: Any) -> Callable[[], Any]:
    method = getattr(complaint, TRANSITION_METHODS[name])
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransitionError(wrong_state_message(complaint, name))
    if actor is not None and not method._django_fsm.has_transition_perm(
        complaint, complaint.state, actor
    ):
        raise NotPermittedError(roles.transition_refusal(name, complaint, actor))
    return method


# Transitions that do not make the acting agent the assignee: escalating hands the complaint to
# the next tier (assignee cleared for it), returning gives it back to whoever held it before.
_HANDS_OVER = frozenset({"escalate", "return"})


def _claim(complaint: Complaint, name: str, actor: Any) -> bool:
    """The agent who acts on an unassigned complaint becomes its assignee (not the system, not
    an integration): nobody else is working on it, and the queue's "mine" must show it."""
    if complaint.assignee_id is not None or name in _HANDS_OVER or actor is None:
        return False
    if not roles.is_agent(actor):
        return False
    complaint.assignee = actor
    return True


def _claim_log(
    complaint: Complaint, name: str, actor: Any, *, state: str, label: str, at: datetime
) -> TransitionLog:
    """The audit row of a claim by `name` (written before the step's own row)."""
    return TransitionLog(
        complaint=complaint,
        transition="assign",
        from_state=state,
        to_state=state,
        actor=actor,
        actor_label=label,
        payload={"from": None, "to": actor.pk, "claimed_by": name},
        created_at=at,
    )


def fire(
    *,
    complaint_id: int,
    actor: Any,
    name: str,
    reason: str | notes.Note = "",
    payload: dict | None = None,
    expected_version: int | None = None,
    actor_label: str | None = None,
    guard_data: dict | None = None,
    apply: Callable[[Complaint, str], list[str]] | None = None,
    messages: Iterable[tuple[str, str, str | notes.Note | None]] = (),
) -> Complaint:
    """Fire transition `name`; `apply` sets data on the locked complaint and returns its fields.

    `messages` are (kind, visibility, body) timeline entries written with the transition; a
    body that is a `notes.Note` is a system note, stored as its code and its English text.
    `guard_data` is what the step's guards vet (e.g. the promise).
    """
    reason, reason_code, reason_params = notes.split(reason)
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        if complaint_hidden_from(complaint, user=actor):
            raise NotFoundError(
                _("There is no complaint with this id: check the reference, or search for it.")
            )
        complaint_version_check(complaint, expected_version)
        method = _check_can_fire(complaint, name, actor)
        from_state = complaint.state
        reactions.run_guards(name, complaint=complaint, data=guard_data or {})
        fields = apply(complaint, from_state) if apply else []
        if not can_proceed(method):
            raise RuleViolationError(
                _(
                    "“%(action)s” is not possible yet: the workflow's conditions for it are not "
                    "met. Reload the complaint to see what it is waiting for."
                )
                % {"action": TRANSITION_LABELS[name]}
            )
        now = timezone.now()
        method()
        complaint.state_changed_at = now
        claimed = _claim(complaint, name, actor)
        touch(
            complaint,
            {*fields, "state", "state_changed_at", *(["assignee"] if claimed else [])},
            at=now,
        )
        label = actor_display(actor, actor_label)
        log_payload = payload if payload is not None else {}
        # The assignment is audited like any other, before the transition that claimed it (the
        # transition stays the complaint's latest log row), in the same INSERT.
        logs = []
        if claimed:
            logs.append(_claim_log(complaint, name, actor, state=from_state, label=label, at=now))
        logs.append(
            TransitionLog(
                complaint=complaint,
                transition=name,
                from_state=from_state,
                to_state=complaint.state,
                actor=actor,
                actor_label=label,
                reason=reason,
                reason_code=reason_code,
                reason_params=reason_params,
                payload=log_payload,
                created_at=now,
            )
        )
        TransitionLog.objects.bulk_create(logs)
        written = Message.objects.bulk_create(
            Message(
                complaint=complaint,
                author=actor,
                author_label=label,
                kind=kind,
                visibility=visibility,
                body=text,
                note_code=code,
                note_params=params,
                created_at=now,
            )
            for kind, visibility, body in messages
            if body
            for text, code, params in [notes.split(body)]
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
        reactions.run_public_messages(step=name, messages=written)
    return complaint


def step(
    *,
    complaint: Complaint,
    actor: Any,
    name: str,
    fields: Iterable[str],
    reason: str | notes.Note = "",
    payload: dict | None = None,
    actor_label: str | None = None,
    at: datetime | None = None,
    claim: bool = False,
) -> TransitionLog:
    """An audited change that is not a state change (pause, resume, assignment...), on a complaint
    the caller holds locked: save, log, and run the step's reactions. `claim`: the acting agent
    of an unassigned complaint becomes its assignee, as with a transition (pause, resume)."""
    at = at or timezone.now()
    fields = list(fields)
    if claim and _claim(complaint, name, actor):
        fields.append("assignee")
        label = actor_display(actor, actor_label)
        _claim_log(complaint, name, actor, state=complaint.state, label=label, at=at).save()
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
