"""Merge a duplicate complaint into another of the same customer (`complaint_merge`).

What it guarantees, in one transaction:
- both complaints are row-locked (lower id first, so two merges of the same pair cannot
  deadlock) and checked: same customer, not itself, the survivor open (not remedied, limit set
  or merged), the duplicate open too — otherwise a 409/422 and nothing is written;
- the duplicate leaves through the engine's `merge` transition (state `merged`, `merged_into`
  set, its TransitionLog row, the `complaint.transitioned` event), never by writing the state;
- its timeline (every message, public and internal) moves to the survivor; the reactions of the
  `merge` step move what higher apps keep (escalation: the deadline rows, open ones cancelled;
  compensation: the requests; mail: the customer's email threads) — in the same transaction;
- the survivor gets an audited `merge_in` step and an internal note, and a `complaint.merged`
  webhook event tells integrations which complaint lives on.
The audit rows (TransitionLog) stay with the complaint they describe.
This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    OPEN_STATES,
    Complaint,
    Message,
    MessageKind,
    State,
    Visibility,
)
from complaints.services import engine
from complaints.services.checks import MAX_TEXT, Checker, actor_display
from complaints.visibility import complaint_hidden_from
from core import roles
from core.errors import InvalidTransitionError, NotFoundError, NotPermittedError, RuleViolationError
from webhooks.services import outbox_record_many

_NO_SUCH = "There is no complaint with this id: check the reference, or search for it."


def merge_refusal(*, duplicate: Complaint, survivor: Complaint) -> str | None:
    """Why `duplicate` cannot be merged into `survivor` (None when it can). Pure."""
    if duplicate.pk == survivor.pk:
        return _("A complaint cannot be merged into itself: pick the other complaint.")
    if duplicate.customer_id != survivor.customer_id:
        return _(
            "Only complaints of the same customer can be merged: %(other)s belongs to someone else."
        ) % {"other": survivor.reference}
    if survivor.state not in OPEN_STATES:
        return _("%(other)s is %(state)s: merge into an open complaint, or reopen it first.") % {
            "other": survivor.reference,
            "state": State(survivor.state).label,
        }
    return None


def complaint_merge(
    *,
    complaint_id: int,
    into_id: int,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Fold complaint `complaint_id` (the duplicate) into `into_id` (the survivor); returns the
    survivor."""
    check = Checker()
    reason = check.text("reason", reason, max_length=MAX_TEXT, required=False)
    check.raise_if_any()
    if not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))
    with transaction.atomic():
        locked = {}
        for pk in sorted({int(complaint_id), int(into_id)}):
            locked[pk] = engine.complaint_lock(pk)
        duplicate, survivor = locked[int(complaint_id)], locked[int(into_id)]
        if complaint_hidden_from(survivor, user=actor) or complaint_hidden_from(
            duplicate, user=actor
        ):
            raise NotFoundError(_(_NO_SUCH))
        refusal = merge_refusal(duplicate=duplicate, survivor=survivor)
        if refusal is not None:
            if survivor.pk != duplicate.pk and survivor.state not in OPEN_STATES:
                raise InvalidTransitionError(refusal)
            raise RuleViolationError(refusal, fields={"into": [refusal]})
        payload = {"into": survivor.pk, "into_reference": survivor.reference}

        def apply(c: Complaint, _from: str) -> list[str]:
            c.merged_into = survivor
            # The timeline lives on in the survivor, in its own time order.
            Message.objects.filter(complaint_id=c.pk).update(complaint_id=survivor.pk)
            return ["merged_into"]

        engine.fire(
            complaint_id=duplicate.pk,
            actor=actor,
            name="merge",
            reason=reason,
            payload=payload,
            expected_version=expected_version,
            guard_data=payload,
            apply=apply,
            messages=[
                (
                    MessageKind.SYSTEM,
                    Visibility.INTERNAL,
                    _("Merged into %(other)s.") % {"other": survivor.reference},
                )
            ],
        )
        now = timezone.now()
        Message.objects.create(
            complaint=survivor,
            author=actor,
            author_label=actor_display(actor, None),
            kind=MessageKind.SYSTEM,
            visibility=Visibility.INTERNAL,
            body=_("%(other)s was merged into this complaint; its timeline is shown here.")
            % {"other": duplicate.reference}
            + (f"\n{reason}" if reason else ""),
            created_at=now,
        )
        engine.step(
            complaint=survivor,
            actor=actor,
            name="merge_in",
            fields=[],
            reason=reason,
            payload={"from": duplicate.pk, "from_reference": duplicate.reference},
            at=now,
        )
        event = {
            "complaint_id": duplicate.pk,
            "reference": duplicate.reference,
            "merged_into": survivor.pk,
            "merged_into_reference": survivor.reference,
            "at": now,
        }
        audience = sorted(
            set(engine.event_audience(duplicate)) | set(engine.event_audience(survivor))
        )
        outbox_record_many(events=[("complaint.merged", event, event, audience)])
    survivor.refresh_from_db()
    return survivor
