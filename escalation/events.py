"""Domain events of the escalation app, sent only after the sweep's transaction commits.

Higher apps (compensation) may connect receivers, e.g. to move a pending approval up a tier when
an approval deadline is breached. Kwargs are plain values: deadline_id, complaint_id, kind.
"""

from django.dispatch import Signal

# deadline_id, complaint_id, kind
deadline_warned = Signal()
deadline_breached = Signal()
