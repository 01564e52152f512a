"""Compensation when a complaint is merged into another (the engine's `merge` step).

A request waiting for approval is tied to its complaint's escalation, so a complaint holding
one is refused a merge (decide it first); everything else — granted, approved, rejected — moves
to the survivor with the merge, in its transaction. The customer is the same, so the limits per
customer are unchanged; the survivor's per-complaint totals now count what was given on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from compensation.models import CompensationRequest, Status
from complaints.reactions import Change
from core.errors import RuleViolationError


def compensation_merge_check(*, complaint: Any, data: Any) -> None:
    """Guard of `merge`: refused while the duplicate holds a request waiting for approval."""
    if CompensationRequest.objects.filter(
        complaint_id=complaint.pk, status=Status.PENDING
    ).exists():
        raise RuleViolationError(
            _(
                "%(ref)s has compensation waiting for approval: approve or reject it first, "
                "then merge."
            )
            % {"ref": complaint.reference}
        )


def compensation_merge(*, changes: Sequence[Change]) -> int:
    """Move the merged complaints' requests to their survivors; returns how many moved."""
    moved = 0
    for change in changes:
        moved += CompensationRequest.objects.filter(complaint_id=change.complaint_id).update(
            complaint_id=change.payload["into"]
        )
    return moved
