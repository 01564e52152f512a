"""Retention: customers whose personal data is due for anonymisation, and the run that does it.

A customer is due when nothing of theirs is retained any more: no open complaint, and every
complaint closed (remedied, limit set or merged — `state_changed_at`) longer ago than the
longest rule that applies to it. Rules: a `RetentionRule` per category, else
`settings.REDRESS_RETENTION_YEARS`; and whatever a `retention_source` adds — the hook for
regulated regimes (DESIGN §11): a regime registers fn() -> [(Q over Complaint, years), ...]
and its complaints are kept at least that long. A customer with no complaint is due that many
default years after they were created.

`customers_due` is one query per batch (a NOT EXISTS over the complaints, keyset-paginated by
id), so a run never loads all customers; `retention_run` anonymises each due customer in its own
transaction (`privacy.services.customer_anonymise`, idempotent), so a crash or a second run
repeats nothing. With `dry_run` it only reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from complaints.models import OPEN_STATES, Complaint, Customer
from core.errors import ConflictError
from privacy.models import RetentionRule
from privacy.services import customer_anonymise

RetentionSource = Callable[[], Iterable[tuple[Q, int]]]
_sources: list[RetentionSource] = []


def retention_source(fn: RetentionSource) -> RetentionSource:
    """Register more rules (a regime's): fn() -> [(Q over Complaint, years), ...]."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def retention_rules() -> list[tuple[Q, int]]:
    """Every rule as (which complaints, years after closing)."""
    rules = list(RetentionRule.objects.values_list("category", "years"))
    ruled = [category for category, _years in rules]
    result = [(Q(category=category), years) for category, years in rules]
    result.append((~Q(category__in=ruled), settings.REDRESS_RETENTION_YEARS))
    for source in _sources:
        result.extend(source())
    return result


def _retained(now: datetime) -> Q:
    """Complaints that still hold their customer's data back."""
    held = Q(state__in=OPEN_STATES)
    for which, years in retention_rules():
        held |= which & Q(state_changed_at__gt=years_before(now, years))
    return held


def customers_due(*, now: datetime, after_id: int = 0, limit: int = 500) -> list[int]:
    """Ids of customers due for anonymisation, above `after_id`, at most `limit`. One query."""
    complaints = Complaint.objects.filter(customer_id=OuterRef("pk"))
    default_cutoff = years_before(now, settings.REDRESS_RETENTION_YEARS)
    return list(
        Customer.objects.filter(anonymised_at__isnull=True, pk__gt=after_id)
        .filter(Exists(complaints) | Q(created_at__lte=default_cutoff))
        .exclude(Exists(complaints.filter(_retained(now))))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _batches(*, now: datetime, batch_size: int) -> Iterator[list[int]]:
    last = 0
    while ids := customers_due(now=now, after_id=last, limit=batch_size):
        yield ids
        last = ids[-1]


@dataclass
class RetentionReport:
    due: int = 0
    anonymised: int = 0
    skipped: int = 0
    # dry run: (customer id, complaint references, last closed), one per due customer
    rows: list[tuple[int, list[str], datetime | None]] = field(default_factory=list)


def retention_run(
    *, batch_size: int | None = None, dry_run: bool = False, now: datetime | None = None
) -> RetentionReport:
    now = now or timezone.now()
    batch_size = batch_size or settings.REDRESS_RETENTION_BATCH_SIZE
    report = RetentionReport()
    for ids in _batches(now=now, batch_size=batch_size):
        report.due += len(ids)
        if dry_run:
            refs: dict[int, list[str]] = {pk: [] for pk in ids}
            for customer_id, reference in (
                Complaint.objects.filter(customer_id__in=ids)
                .order_by("pk")
                .values_list("customer_id", "reference")
            ):
                refs[customer_id].append(reference)
            closed = dict(
                Complaint.objects.filter(customer_id__in=ids)
                .values("customer_id")
                .annotate(last=Max("state_changed_at"))
                .values_list("customer_id", "last")
            )
            report.rows += [(pk, refs[pk], closed.get(pk)) for pk in ids]
            continue
        for pk in ids:
            try:
                result = customer_anonymise(
                    customer_id=pk,
                    actor=None,
                    reason="retention: kept for the retention period after closing",
                    check_permission=False,
                )
            except ConflictError:  # reopened since the batch was read: kept
                report.skipped += 1
                continue
            report.anonymised += 0 if result.already else 1
    return report
