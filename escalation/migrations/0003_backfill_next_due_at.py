"""Backfill `Complaint.next_due_at` (added by complaints 0007) from the deadline rows.

It lives here, not in complaints, because only the escalation app knows deadlines (the
dependency points escalation → complaints). Same rule as `services.complaint_next_due_refresh`:
the earliest due_at of the complaint's open (pending/warned), unpaused deadlines; one UPDATE.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Deadline = apps.get_model("escalation", "Deadline")
    earliest = (
        Deadline.objects.filter(
            complaint_id=OuterRef("pk"),
            status__in=["pending", "warned"],
            paused_at__isnull=True,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    Complaint.objects.filter(pk__in=Deadline.objects.values("complaint_id")).update(
        next_due_at=Subquery(earliest)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0002_default_policies"),
        ("complaints", "0007_next_due_at"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
