"""The letters of the demo, added to `load_demo` through compensation's `demo_loaded` signal
after the regimes' stories (INSTALLED_APPS order: regimes before letters).

The current account complaint the regimes demo resolves the day after receipt (external id
`demo-regime-resolved-fast`, inside three business days) gets its summary resolution letter,
sent through `letter_send` at that moment in the past (`demo_clock`): its PDF on the timeline,
its FCA final response clock met. Its mail counts as sent back then (`history_delivered`).
Idempotent: a complaint that has its letter gets none again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max

from compensation.management.demo_history import demo_clock, history_delivered
from complaints.models import Complaint, TransitionLog
from letters import services
from letters.models import Letter, LetterKind
from webhooks.models import OutboxMail

RESOLVED_FAST = "demo-regime-resolved-fast"


def letters_demo_load(*, sender: Any = None, users: dict[str, Any], **kwargs: Any) -> int:
    """`demo_loaded` receiver: the demo's letters, once. Returns how many were sent."""
    complaint = Complaint.objects.filter(external_id=RESOLVED_FAST).first()
    if complaint is None or Letter.objects.filter(complaint=complaint).exists():
        return 0
    remedied = (
        TransitionLog.objects.filter(complaint=complaint, transition="remedy")
        .values_list("created_at", flat=True)
        .first()
    )
    if remedied is None:
        return 0
    with transaction.atomic():
        mail_mark = OutboxMail.objects.aggregate(m=Max("pk"))["m"] or 0
        with demo_clock(remedied + timedelta(minutes=20)):
            services.letter_send(
                complaint_id=complaint.pk,
                actor=users["frontline"],
                kind=LetterKind.SUMMARY_RESOLUTION,
            )
        history_delivered(complaint_ids=[complaint.pk], mail_mark=mail_mark)
    return 1
