"""Staff screens for complaints in Django admin, one module per seam.

Importing this package (Django's admin autodiscovery does) registers every complaints admin
exactly once: `complaint` (ComplaintAdmin: the workbench, transitions, intake, tone hints and the
insight dashboard), `queue` (its changelist: filters, columns, bulk assignment), `records`
(canned texts, customers, the audit trail, messages); API tokens are the `api` app's own
(`api.admin`). `actions` holds the workflow button table `ACTIONS` and its runners; `base` the
role-gated permissions that follow `core.roles`, not Django's per-model permissions.

The admin only parses forms and calls services; nothing here decides a rule. Higher apps never
subclass or re-register these admins: they extend them through `complaints.extensions`. The
names below are re-exported so `complaints.admin.<name>` keeps working. Imports only complaints,
`core` and Django; never escalation or compensation.
"""

from complaints.admin.actions import (
    ACTIONS,
    CANNED_FOR,
    STEP_LABELS,
    Action,
    timeline_for_display,
    workflow_actions,
)
from complaints.admin.complaint import ComplaintAdmin
from complaints.admin.queue import ComplaintQueueAdmin, EscalationLevelFilter, QueueFilter
from complaints.admin.records import (
    CannedTextAdmin,
    CustomerAdmin,
    MessageAdmin,
    TransitionLogAdmin,
)

__all__ = [
    "ACTIONS",
    "CANNED_FOR",
    "STEP_LABELS",
    "Action",
    "CannedTextAdmin",
    "ComplaintAdmin",
    "ComplaintQueueAdmin",
    "CustomerAdmin",
    "EscalationLevelFilter",
    "MessageAdmin",
    "QueueFilter",
    "TransitionLogAdmin",
    "timeline_for_display",
    "workflow_actions",
]
