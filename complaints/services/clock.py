"""Pause and resume: not state changes, but audited, and the deadline clock follows them in the
same transaction (the `pause` and `resume` reactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.services import engine
from complaints.services.checks import Checker, iso
from core import roles
from core.errors import InvalidTransitionError, NotPermittedError


def _locked(complaint_id: int, *, actor: Any, expected_version: int | None, verb: str) -> Complaint:
    """The complaint locked for a clock change by staff (or the system), at the expected version."""
    complaint = engine.complaint_lock(complaint_id)
    engine.complaint_version_check(complaint, expected_version)
    if actor is not None and not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    return complaint


def complaint_pause(
    *,
    complaint_id: int,
    actor: Any,
    reason: str,
    until: datetime | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Stop the deadline clock while waiting on the customer (or an agreed cooling-off)."""
    check = Checker()
    reason = check.text("reason", reason, max_length=500)
    check.future("until", until, required=False)
    check.raise_if_any()
    with transaction.atomic():
        complaint = _locked(
            complaint_id, actor=actor, expected_version=expected_version, verb="pause"
        )
        if not complaint.is_open:
            raise InvalidTransitionError(
                _("Only an open complaint can be paused; this one is closed. Reopen it first.")
            )
        if complaint.paused_at is not None:
            raise InvalidTransitionError(
                _("The clock is already paused; resume it first if you want a new pause.")
            )
        now = timezone.now()
        complaint.paused_at, complaint.pause_reason, complaint.pause_until = now, reason, until
        engine.step(
            complaint=complaint,
            actor=actor,
            name="pause",
            fields=["paused_at", "pause_reason", "pause_until"],
            reason=reason,
            payload={"until": iso(until)},
            at=now,
            claim=True,
        )
    return complaint


def complaint_resume(
    *,
    complaint_id: int,
    actor: Any,
    actor_label: str | None = None,
    expected_version: int | None = None,
    pause_ended_by: datetime | None = None,
) -> Complaint:
    """Restart the deadline clock; the deadlines get back the time that was left.

    `pause_ended_by` (the sweep): resume only a pause agreed until a time at or before it, checked
    under the lock, so a pause taken again meanwhile is not ended by a stale read.
    """
    with transaction.atomic():
        complaint = _locked(
            complaint_id, actor=actor, expected_version=expected_version, verb="resume"
        )
        if complaint.paused_at is None:
            raise InvalidTransitionError(
                _("The clock is not paused, so there is nothing to resume; reload the complaint.")
            )
        if pause_ended_by is not None and not (
            complaint.pause_until is not None and complaint.pause_until <= pause_ended_by
        ):
            raise InvalidTransitionError(
                _("The pause has not ended yet; it resumes by itself at its end, or resume it now.")
            )
        paused_at = complaint.paused_at
        complaint.paused_at, complaint.pause_reason, complaint.pause_until = None, "", None
        engine.step(
            complaint=complaint,
            actor=actor,
            name="resume",
            fields=["paused_at", "pause_reason", "pause_until"],
            actor_label=actor_label,
            payload={"paused_at": iso(paused_at)},
            claim=True,
        )
    return complaint
