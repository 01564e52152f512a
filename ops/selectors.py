"""What an operator watches, read straight from the rows at scrape time.

Every figure is one cheap query: a COUNT or MIN over a partial index (`deadline_due_sweep`,
`outbox_undispatched`, `outbox_mail_unsent`, `delivery_due`, `outbound_mail_due`, and the
failed-row indexes), so a scrape costs the same at a million complaints as at a hundred. Nothing
here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from escalation.models import OPEN_STATUSES, Deadline, SweepRun
from mail.models import MailStatus, OutboundMail
from webhooks.models import DeliveryStatus, OutboxEvent, OutboxMail, WebhookDelivery

# Running deadlines due within this window count as "due soon".
DUE_SOON = timedelta(hours=1)


def sweep_last_finished_at() -> datetime | None:
    """When the deadline sweep last finished, or None if it never ran here."""
    return SweepRun.objects.filter(pk=1).values_list("finished_at", flat=True).first()


@dataclass
class Backlog:
    """Rows an outbox still has to send, and how long the oldest of them has waited."""

    count: int
    oldest_seconds: float


@dataclass
class OpsFigures:
    deadlines_due_soon: int
    deadlines_overdue: int
    sweep_last_finished_at: datetime | None
    sweep_lag_seconds: float | None
    backlog: dict[str, Backlog] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)


def _backlog(queryset, since_field: str, now: datetime) -> Backlog:
    row = queryset.aggregate(count=Count("pk"), oldest=Min(since_field))
    oldest = row["oldest"]
    return Backlog(
        count=row["count"], oldest_seconds=(now - oldest).total_seconds() if oldest else 0.0
    )


def ops_figures(*, now: datetime | None = None) -> OpsFigures:
    """Deadlines due soon and overdue, sweep lag, outbox backlogs, delivery failures."""
    now = now or timezone.now()
    running = Deadline.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    deadlines = running.filter(due_at__lte=now + DUE_SOON).aggregate(
        overdue=Count("pk", filter=Q(due_at__lte=now)),
        due_soon=Count("pk", filter=Q(due_at__gt=now)),
    )
    last = sweep_last_finished_at()
    return OpsFigures(
        deadlines_due_soon=deadlines["due_soon"],
        deadlines_overdue=deadlines["overdue"],
        sweep_last_finished_at=last,
        sweep_lag_seconds=(now - last).total_seconds() if last else None,
        backlog={
            "webhook_events": _backlog(
                OutboxEvent.objects.filter(dispatched_at__isnull=True), "occurred_at", now
            ),
            "webhook_deliveries": _backlog(
                WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING), "created_at", now
            ),
            "staff_mail": _backlog(
                OutboxMail.objects.filter(sent_at__isnull=True, failed_at__isnull=True),
                "created_at",
                now,
            ),
            "customer_mail": _backlog(
                OutboundMail.objects.filter(status=MailStatus.PENDING), "created_at", now
            ),
        },
        failures={
            "webhook": WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count(),
            "staff_mail": OutboxMail.objects.filter(failed_at__isnull=False).count(),
            "customer_mail": OutboundMail.objects.filter(status=MailStatus.FAILED).count(),
        },
    )
