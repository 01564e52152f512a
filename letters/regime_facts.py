"""The regime a complaint falls under, as the letters read it: code, name, ombudsman, and when
its final response is due (its open legal clock). The one place letters reads the regimes app,
in two queries (the complaint's regime record, its open final-response deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from complaints.models import Complaint
from escalation.models import OPEN_STATUSES, Deadline, DeadlineKind
from regimes import selectors as regime_selectors
from regimes import services as regime_services
from regimes.models import NONE, StopEvent


@dataclass(frozen=True)
class RegimeFacts:
    code: str = NONE
    name: str = ""
    ombudsman_name: str = ""
    ombudsman_website: str = ""
    final_due: datetime | None = None


def complaint_regime(*, complaint: Complaint) -> RegimeFacts:
    """The regime `complaint` fell under at intake (the `none` regime when it is not regulated)."""
    record = regime_selectors.complaint_regime(complaint_id=complaint.pk)
    if record is None:
        return RegimeFacts()
    regime = record.regime
    due = (
        Deadline.objects.filter(
            complaint_id=complaint.pk,
            kind=DeadlineKind.REG_FINAL_RESPONSE,
            status__in=OPEN_STATUSES,
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return RegimeFacts(
        code=regime.code,
        name=regime.name,
        ombudsman_name=regime.ombudsman_name,
        ombudsman_website=regime.ombudsman_website,
        final_due=due,
    )


def summary_window_closed(*, complaint: Complaint) -> datetime | None:
    """When the complaint's summary resolution window closed (None: it has none, or it is still
    open). By its due time, not its status, so a letter written at a moment in the past (the
    demo's) is judged at that moment."""
    return (
        Deadline.objects.filter(
            complaint_id=complaint.pk,
            kind=DeadlineKind.REG_SUMMARY_WINDOW,
            due_at__lte=timezone.now(),
        )
        .values_list("due_at", flat=True)
        .first()
    )


def regime_clock_stop(*, complaint: Complaint, event: str) -> int:
    """Meet the clocks of `complaint` that `event` (a letter kind) stops, in the caller's
    transaction with the complaint locked. An acknowledgement stops no clock."""
    if event not in StopEvent.values:
        return 0
    return regime_services.regime_clock_stop(complaint=complaint, event=event)
