"""Write services of the escalation app, one module per seam:

- `deadlines`: the clocks that follow a complaint, as reactions inside the engine's transaction;
- `sweep`: the beat-driven sweep that warns, breaches and escalates through the engine;
- `notify`: staff emails about deadlines, composed as outbox rows.

This package may import complaints, never compensation.
"""

from escalation.services.deadlines import (
    approval_start,
    complaint_next_due_refresh,
    deadlines_on_change,
    deadlines_on_intake,
    deadlines_pause,
    deadlines_resume,
    deadlines_start,
    promise_start,
    promise_validate,
    regulatory_deadlines_meet,
    regulatory_deadlines_start,
)
from escalation.services.sweep import (
    COOLING_OFF_LABEL,
    SWEEP_LABEL,
    SweepResult,
    deadline_sweep,
)

__all__ = [
    "COOLING_OFF_LABEL",
    "SWEEP_LABEL",
    "SweepResult",
    "approval_start",
    "complaint_next_due_refresh",
    "deadline_sweep",
    "deadlines_on_change",
    "deadlines_on_intake",
    "deadlines_pause",
    "deadlines_resume",
    "deadlines_start",
    "promise_start",
    "promise_validate",
    "regulatory_deadlines_meet",
    "regulatory_deadlines_start",
]
