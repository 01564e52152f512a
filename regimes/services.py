"""Writes of the regimes app: a complaint's legal clocks started and stopped, and the managers'
edits of the regimes, each logged.

Invariants:
- The clocks start inside intake's transaction (a reaction to the engine): the complaint's
  regime is recorded (`ComplaintRegime`, for every regime but `none`: retention and the
  return count by it) and one deadline row per clock written through
  escalation's services, so a complaint is never filed without its legal clocks, nor they
  without it. An unregulated or inactive regime starts nothing.
- `regime_clock_stop` meets exactly the open clocks whose regime clock names the event, in the
  caller's transaction (the letter's, the acceptance's, the closing's). Idempotent: a met clock
  is not met twice, and an event no clock waits for changes nothing.
- Only managers (and superusers) edit regimes, clocks and assignments; every create, change
  and delete writes one `RegimeChange` (before, after) in the edit's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.reactions import Change
from core import roles
from core.errors import NotPermittedError
from escalation import services as escalation_services
from regimes import clocks, selectors
from regimes.models import (
    NONE,
    ComplaintRegime,
    Regime,
    RegimeAssignment,
    RegimeChange,
    RegimeClock,
    StopEvent,
)


def regime_clocks_on_intake(*, changes: Sequence[Change]) -> int:
    """Intake: record each complaint's regime and start its clocks from the receipt time.
    Returns how many clocks were started. Most intakes are unregulated: one query says so."""
    categories = {change.complaint.category for change in changes}
    if not selectors.regulated_categories_exist(categories=categories):
        return 0
    regimes = selectors.regime_map()
    records, rows = [], []
    for change in changes:
        c = change.complaint
        regime = regimes.for_category(c.category)
        if regime is None or not regime.active or regime.code == NONE:
            continue  # unregulated: nothing to record, no clock
        records.append(ComplaintRegime(complaint_id=c.id, regime=regime, received_at=c.created_at))
        for clock in regime.clocks.all():
            due, warn = clocks.clock_window(regime=regime, clock=clock, received_at=c.created_at)
            rows.append(
                {
                    "complaint_id": c.id,
                    "kind": clock.kind,
                    "started_at": c.created_at,
                    "due_at": due,
                    "warn_at": warn,
                }
            )
    ComplaintRegime.objects.bulk_create(records, ignore_conflicts=True)
    return escalation_services.regulatory_deadlines_start(rows=rows) if rows else 0


def regime_clocks_on_event(*, changes: Sequence[Change], event: str) -> int:
    """A reaction's door: the changed complaints' clocks that `event` stops are met."""
    return sum(
        regime_clock_stop(complaint_id=c.complaint_id, event=event, at=c.at) for c in changes
    )


def regime_clock_stop(
    *,
    event: str,
    complaint: Any = None,
    complaint_id: int | None = None,
    at: datetime | None = None,
) -> int:
    """Meet the complaint's open legal clocks that `event` (a `StopEvent`) stops.

    Pass the complaint or its id. Call it inside the transaction that does the event, with the
    complaint locked (the letters work when a final response, summary resolution or holding
    reply is sent; the reactions here for closing and the written acceptance). Returns how many
    clocks were met."""
    if complaint_id is None:
        if complaint is None:
            raise TypeError("regime_clock_stop needs complaint or complaint_id")
        complaint_id = complaint.pk
    if event not in StopEvent.values:
        raise ValueError(f"Unknown regime event {event!r}")
    record = selectors.complaint_regime(complaint_id=complaint_id)
    if record is None:
        return 0
    kinds = [
        clock.kind
        for clock in RegimeClock.objects.filter(regime_id=record.regime_id)
        if event in (clock.stops_on or [])
    ]
    return escalation_services.regulatory_deadlines_meet(
        complaint_ids=[complaint_id], kinds=kinds, now=at or timezone.now()
    )


# --- the managers' edits -------------------------------------------------------------------


TARGETS: dict[type[models.Model], str] = {
    Regime: "regime",
    RegimeClock: "clock",
    RegimeAssignment: "assignment",
}


def can_edit_regimes(user: Any) -> bool:
    return roles.user_rank(user) >= roles.tier_rank(roles.MANAGER)


def _state(obj: models.Model) -> dict:
    return {k: v for k, v in model_to_dict(obj).items() if k != "id"}


def _regime_code(obj: models.Model) -> str:
    return obj.code if isinstance(obj, Regime) else obj.regime.code


def _check(actor: Any) -> None:
    if not can_edit_regimes(actor):
        raise NotPermittedError(
            _("Only a manager can change regulatory regimes: ask a manager to make the change.")
        )


def regime_edit_save(*, actor: Any, obj: Regime | RegimeClock | RegimeAssignment) -> None:
    """Save a validated regime, clock or assignment and log the change (managers only)."""
    _check(actor)
    model = type(obj)
    with transaction.atomic():
        before = {}
        if obj.pk is not None:
            stored = model.objects.select_for_update().filter(pk=obj.pk).first()
            before = _state(stored) if stored is not None else {}
        obj.save()
        after = _state(obj)
        if after != before:
            RegimeChange.objects.create(
                regime_code=_regime_code(obj),
                target=TARGETS[model],
                target_id=obj.pk,
                action="changed" if before else "created",
                actor=actor,
                actor_label=complaint_services.actor_display(actor),
                before=before,
                after=after,
            )


def regime_edit_delete(*, actor: Any, obj: RegimeClock | RegimeAssignment) -> None:
    """Delete a clock or an assignment and log it (managers only). Regimes are not deleted:
    complaints keep pointing at theirs; make one inactive instead."""
    _check(actor)
    with transaction.atomic():
        before, pk, code = _state(obj), obj.pk, _regime_code(obj)
        obj.delete()
        RegimeChange.objects.create(
            regime_code=code,
            target=TARGETS[type(obj)],
            target_id=pk,
            action="deleted",
            actor=actor,
            actor_label=complaint_services.actor_display(actor),
            before=before,
            after={},
        )
