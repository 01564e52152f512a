"""What the compensation app does inside a complaint's change, registered with the complaint
engine (`complaints.reactions`) once at start-up. Each handler calls one service."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy

from compensation import services
from complaints import notes, reactions
from complaints.models import State
from complaints.services.engine.common import TRANSITION_LABELS

LEAVING_ESCALATED = ("remedy", "approve", "return", "set_limits")


def _step_label(step: str) -> str:
    return str(TRANSITION_LABELS.get(step, step)).lower()


LEFT_ESCALATED = notes.define(
    "left_escalated",
    gettext_lazy("the complaint left escalated by “%(step)s”"),
    step=_step_label,
)


def register() -> None:
    reactions.reaction(*LEAVING_ESCALATED, name="compensation.withdraw_pending")(_withdraw)
    reactions.guard("merge", name="compensation.merge_pending")(
        lambda *, complaint, data: services.compensation_merge_check(complaint=complaint, data=data)
    )
    reactions.reaction("merge", name="compensation.merge")(
        lambda changes: services.compensation_merge(changes=changes)
    )


def _withdraw(changes: Sequence[reactions.Change]) -> None:
    """A complaint that left `escalated` without a compensation decision: its pending requests
    can no longer be decided (the decision services settle theirs before the transition)."""
    for change in changes:
        if change.from_state == State.ESCALATED:
            services.compensation_withdraw_pending(
                complaint_id=change.complaint_id,
                reason=notes.Note(LEFT_ESCALATED, {"step": change.step}),
            )
