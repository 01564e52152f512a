"""The data migration that gives complaints closed before outcomes existed an outcome, and every
compensation item its nature (compensation 0005, its docstring says why each rule)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints.models import MIGRATED_REASONS

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("complaints", "0017_verbose_names"), ("compensation", "0003_translatable_labels")]
AFTER = [("complaints", "0019_outcome_fields"), ("compensation", "0005_outcome_existing")]


def test_closed_complaints_get_an_outcome_and_items_their_nature():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        User = old.get_model("auth", "User")
        Customer = old.get_model("complaints", "Customer")
        Complaint = old.get_model("complaints", "Complaint")
        Request = old.get_model("compensation", "CompensationRequest")
        agent = User.objects.create(username="walker")
        customer = Customer.objects.create(name="Cora Nutley", email="cora@example.com")

        def complaint(ref, state, fault="", *requests):
            c = Complaint.objects.create(
                reference=ref,
                customer=customer,
                subject="s",
                description="d",
                state=state,
                fault=fault,
            )
            for kind, status in requests:
                Request.objects.create(
                    complaint=c,
                    customer=customer,
                    kind=kind,
                    amount=1,
                    requested_by=agent,
                    status=status,
                    required_tier="frontline",
                )
            return c.pk

        ids = {
            "ours": complaint("A", "remedied", "company", ("replacement", "granted")),
            "unknown": complaint("B", "remedied", ""),
            "shared": complaint("C", "remedied", "shared", ("voucher", "granted")),
            "theirs": complaint("D", "remedied", "customer", ("gift", "granted")),
            "theirs_refunded": complaint("E", "remedied", "customer", ("refund", "approved")),
            "limits": complaint("F", "limit_set", "company"),
            "open": complaint("G", "escalated", "company", ("refund", "pending")),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Complaint = new.get_model("complaints", "Complaint")
    Request = new.get_model("compensation", "CompensationRequest")
    got = {
        name: tuple(Complaint.objects.filter(pk=pk).values_list("outcome", "outcome_reason")[0])
        for name, pk in ids.items()
    }
    assert got == {
        "ours": ("upheld", ""),
        "unknown": ("upheld", ""),
        "shared": ("partly_upheld", MIGRATED_REASONS["shared"]),
        "theirs": ("not_upheld", MIGRATED_REASONS["customer"]),
        "theirs_refunded": ("upheld", ""),
        "limits": ("not_upheld", MIGRATED_REASONS["limit_set"]),
        "open": ("", ""),
    }
    natures = dict(Request.objects.values_list("kind", "nature"))
    assert natures == {
        "replacement": "redress",
        "voucher": "goodwill",
        "gift": "goodwill",
        "refund": "redress",
    }
    pending = Request.objects.get(status="pending")
    assert pending.outcome == "upheld"  # proposed: the approver may record another
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
