"""Write services of the complaints app, one module per seam:

- `engine`: the one writer of `Complaint.state` — lock, check, write, log, react, in one
  transaction; the set-based escalation the sweep uses.
- `customers`: one customer per person, the race-safe upsert intake uses.
- `intake`, `transitions`, `clock` (pause/resume), `assignment`, `messages`, `summary` (the
  customer confirms or corrects the key points): the doors callers use.
- `attachments`: files of messages (judged by their bytes, stored in the message's transaction).
- `checks`: input checks shared by them.

Higher apps take part through `complaints.reactions`, never by patching this package.
This package must not import the escalation or compensation apps.
"""

from complaints.services.assignment import complaint_assign, complaint_update_details
from complaints.services.attachments import (
    Upload,
    attachment_add,
    attachments_refused_lines,
    upload_from_file,
)
from complaints.services.checks import (
    MAX_LINE,
    MAX_TEXT,
    SYSTEM_LABEL,
    actor_display,
    outcome_validate,
)
from complaints.services.clock import complaint_pause, complaint_resume
from complaints.services.customers import CustomerMatch, customer_upsert
from complaints.services.engine import (
    TRANSITION_METHODS,
    EscalateResult,
    Escalation,
    complaint_escalate_many,
    complaint_lock,
    complaint_version_check,
)
from complaints.services.engine import event_audience as complaint_event_audience
from complaints.services.engine import step as complaint_step
from complaints.services.engine import step_log as complaint_step_log
from complaints.services.engine import wrong_state_message as complaint_wrong_state_message
from complaints.services.intake import complaint_intake
from complaints.services.merge import complaint_merge, merge_refusal
from complaints.services.messages import message_add
from complaints.services.profiles import staff_language_set, staff_profile_set
from complaints.services.summary import (
    complaint_summary_confirm,
    complaint_summary_correct,
    customer_acting_check,
)
from complaints.services.transitions import (
    complaint_acknowledge,
    complaint_apologize,
    complaint_approve,
    complaint_escalate,
    complaint_raise_level,
    complaint_remedy,
    complaint_reopen,
    complaint_return,
    complaint_set_limits,
)

__all__ = [
    "MAX_LINE",
    "MAX_TEXT",
    "SYSTEM_LABEL",
    "TRANSITION_METHODS",
    "Upload",
    "attachment_add",
    "attachments_refused_lines",
    "upload_from_file",
    "CustomerMatch",
    "EscalateResult",
    "Escalation",
    "actor_display",
    "complaint_acknowledge",
    "complaint_apologize",
    "complaint_approve",
    "complaint_assign",
    "complaint_escalate",
    "complaint_escalate_many",
    "complaint_event_audience",
    "complaint_intake",
    "complaint_merge",
    "complaint_lock",
    "complaint_pause",
    "complaint_raise_level",
    "complaint_remedy",
    "complaint_reopen",
    "complaint_resume",
    "complaint_return",
    "complaint_set_limits",
    "complaint_update_details",
    "complaint_version_check",
    "customer_upsert",
    "merge_refusal",
    "message_add",
    "outcome_validate",
    "staff_language_set",
    "staff_profile_set",
    "complaint_step",
    "complaint_summary_confirm",
    "complaint_summary_correct",
    "customer_acting_check",
    "complaint_step_log",
    "complaint_wrong_state_message",
]
