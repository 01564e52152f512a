"""The complaint engine: the one writer of `Complaint.state`.

Every change of a complaint goes through here, in one transaction:
1. lock the complaint row (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers by
   taking its write lock at BEGIN, `transaction_mode="IMMEDIATE"`; django_fsm's
   ConcurrentTransitionMixin also re-checks the state in the UPDATE) and check the optional
   `expected_version`;
2. check the transition is allowed now and permitted to the actor, run the step's guards;
3. write the complaint row (`update_fields`), one append-only TransitionLog row, its timeline
   Message rows and its webhook outbox row;
4. run the step's registered reactions (`complaints.reactions`): deadlines, `next_due_at`,
   withdrawn compensation — inside the same transaction.
A refused call or a failing reaction raises and leaves nothing written. Nothing leaves the
database here: mail and webhooks are outbox rows, sent by tasks after commit.

The set-based escalation (`complaint_escalate_many`, the deadline sweep's door) and the single
`complaint_escalate` share one writer, `_escalate_rows`, so both write the same rows.
This module must not import the escalation or compensation apps.
"""

from complaints.services.engine.bulk import (
    EscalateResult,
    Escalation,
    complaint_escalate_locked,
    complaint_escalate_many,
    escalate_check,
)
from complaints.services.engine.common import (
    ESCALATABLE,
    ROW_FIELDS,
    TRANSITION_METHODS,
    complaint_lock,
    complaint_version_check,
    event_audience,
    facts,
    next_tier,
    react,
    step_log,
    touch,
    transitioned_event,
)
from complaints.services.engine.single import fire, step, wrong_state_message

__all__ = [
    "ESCALATABLE",
    "ROW_FIELDS",
    "TRANSITION_METHODS",
    "EscalateResult",
    "Escalation",
    "complaint_escalate_locked",
    "complaint_escalate_many",
    "complaint_lock",
    "complaint_version_check",
    "escalate_check",
    "event_audience",
    "facts",
    "fire",
    "next_tier",
    "react",
    "step",
    "step_log",
    "touch",
    "transitioned_event",
    "wrong_state_message",
]
