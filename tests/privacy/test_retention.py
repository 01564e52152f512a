"""Retention: who is due, the dry run, the run (privacy.retention, `manage.py retention`)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint, Customer
from privacy import retention, tasks
from privacy.models import RetentionRule
from tests.factories import complaint_in


def _closed_years_ago(years: float, **kwargs) -> Complaint:
    complaint = complaint_in("remedied", **kwargs)
    when = timezone.now() - timedelta(days=365.25 * years)
    # Backdating the close for the test: the complaint row only (no transition is involved).
    Complaint.objects.filter(pk=complaint.pk).update(state_changed_at=when)
    return complaint


@pytest.mark.django_db
def test_due_per_category_default_and_open_complaints(settings):
    settings.REDRESS_RETENTION_YEARS = 6
    RetentionRule.objects.create(category="billing", years=10)
    old = _closed_years_ago(7, customer_email="old@example.com")
    billing = _closed_years_ago(7, customer_email="billing@example.com", category="billing")
    recent = _closed_years_ago(1, customer_email="recent@example.com")
    also_open = _closed_years_ago(7, customer_email="busy@example.com")
    complaint_in("acknowledged", customer_email="busy@example.com")

    due = retention.customers_due(now=timezone.now())

    assert due == [old.customer_id]
    assert billing.customer_id not in due and recent.customer_id not in due
    assert also_open.customer_id not in due


@pytest.mark.django_db
def test_a_regime_can_keep_complaints_longer(settings):
    settings.REDRESS_RETENTION_YEARS = 6
    old = _closed_years_ago(7, customer_email="old@example.com")
    from django.db.models import Q

    source = retention.retention_source(lambda: [(Q(category="missing_item"), 8)])
    try:
        assert retention.customers_due(now=timezone.now()) == []
    finally:
        retention._sources.remove(source)
    assert retention.customers_due(now=timezone.now()) == [old.customer_id]


@pytest.mark.django_db
def test_due_is_one_query_per_batch_whatever_the_rows(settings):
    settings.REDRESS_RETENTION_YEARS = 6
    for n in range(3):
        _closed_years_ago(7, customer_email=f"old{n}@example.com")
    with CaptureQueriesContext(connection) as one:
        retention.customers_due(now=timezone.now(), limit=2)
    for n in range(3, 8):
        _closed_years_ago(7, customer_email=f"old{n}@example.com")
    with CaptureQueriesContext(connection) as many:
        retention.customers_due(now=timezone.now(), limit=2)
    assert len(one) == len(many) == 2  # the rules, then the customers


@pytest.mark.django_db
def test_dry_run_prints_and_changes_nothing_then_the_task_anonymises_in_batches(settings):
    settings.REDRESS_RETENTION_YEARS = 6
    settings.REDRESS_RETENTION_BATCH_SIZE = 2
    old = [_closed_years_ago(7, customer_email=f"old{n}@example.com") for n in range(3)]
    kept = _closed_years_ago(1, customer_email="recent@example.com")

    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    for complaint in old:
        assert f"would anonymise customer {complaint.customer_id}: {complaint.reference}" in text
    assert "3 customers would be anonymised" in text
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()

    assert tasks.retention_run() == {"due": 3, "anonymised": 3, "skipped": 0}
    assert set(
        Customer.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    ) == {c.customer_id for c in old}
    assert Customer.objects.get(pk=kept.customer_id).anonymised_at is None
    assert tasks.retention_run() == {"due": 0, "anonymised": 0, "skipped": 0}  # idempotent
