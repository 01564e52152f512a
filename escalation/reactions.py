"""What the escalation app does inside a complaint's change, registered with the complaint engine
(`complaints.reactions`) once at start-up. Each handler is one line that calls a service."""

from __future__ import annotations

from complaints import reactions
from escalation import services

FOLLOWED = (
    "acknowledge",
    "remedy",
    "approve",
    "set_limits",
    "escalate",
    "raise_level",
    "return",
    "reopen",
    "merge",
)


def register() -> None:
    reactions.reaction("intake", name="escalation.deadlines")(
        lambda changes: services.deadlines_on_intake(changes=changes)
    )
    reactions.reaction(*FOLLOWED, name="escalation.deadlines")(
        lambda changes: services.deadlines_on_change(changes=changes)
    )
    reactions.reaction("pause", name="escalation.deadlines")(
        lambda changes: services.deadlines_pause(changes=changes)
    )
    reactions.reaction("resume", name="escalation.deadlines")(
        lambda changes: services.deadlines_resume(changes=changes)
    )
    reactions.guard("acknowledge", name="escalation.promise_window")(
        lambda *, complaint, data: services.promise_validate(
            complaint=complaint, promised_by=data.get("promised_by")
        )
    )
