"""Migrations keep existing data: a database at the schema before the engine redesign (the
last migration of each app before this change), holding a complaint with its log, deadlines and
an outbox event, migrates to the current schema with every row intact and the new outbox mail
table usable."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("complaints", "0007_next_due_at"),
    ("escalation", "0004_translatable_labels"),
    ("compensation", "0003_translatable_labels"),
    ("webhooks", "0002_translatable_labels"),
]


def test_data_written_at_the_previous_schema_survives_the_migration():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Customer = old.get_model("complaints", "Customer")
        Complaint = old.get_model("complaints", "Complaint")
        TransitionLog = old.get_model("complaints", "TransitionLog")
        Deadline = old.get_model("escalation", "Deadline")
        OutboxEvent = old.get_model("webhooks", "OutboxEvent")
        customer = Customer.objects.create(name="Cora Nutley", email="cora@example.com")
        complaint = Complaint.objects.create(
            reference="CMP-2026-000777",
            customer=customer,
            subject="Coconut opener missing",
            description="Your shop has really taken me for a ride!",
        )
        TransitionLog.objects.create(
            complaint=complaint,
            transition="intake",
            from_state="venting",
            to_state="venting",
            actor_label="channel: api",
        )
        from django.utils import timezone

        due = timezone.now()
        Deadline.objects.create(complaint=complaint, kind="first_response", due_at=due, warn_at=due)
        OutboxEvent.objects.create(type="complaint.created", payload={"complaint_id": complaint.pk})
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    from complaints.models import Complaint as Now
    from escalation.models import Deadline as NowDeadline
    from webhooks.models import OutboxEvent as NowEvent
    from webhooks.models import OutboxMail

    kept = Now.objects.get(reference="CMP-2026-000777")
    assert kept.customer.email == "cora@example.com" and kept.state == "venting"
    assert kept.transition_logs.get().transition == "intake"
    assert NowDeadline.objects.get(complaint=kept).kind == "first_response"
    assert NowEvent.objects.get().payload == {"complaint_id": kept.pk}
    mail = OutboxMail.objects.create(to=["lead@example.com"], subject="s", body="b")
    assert OutboxMail.objects.get(pk=mail.pk).attempts == 0
