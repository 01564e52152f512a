"""Fill the database with N complaints quickly (bulk inserts), for `bench/api`.

Run as `python bench/seed_complaints.py N`. Rows are written directly, not through the services:
this is load for the read path, not a test of the workflow. Idempotent: tops up to N.
"""

import os
import sys
from datetime import timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Category, Complaint, Customer, Message, Severity, State  # noqa: E402

BATCH = 5000


def main(target: int) -> None:
    have = Complaint.objects.count()
    categories, severities = Category.values, Severity.values
    states = [State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED, State.REMEDIED]
    now = timezone.now()
    while have < target:
        n = min(BATCH, target - have)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(name=f"Bench customer {have + i}", email=f"bench{have + i}@example.com")
                for i in range(n)
            )
            complaints = Complaint.objects.bulk_create(
                Complaint(
                    customer=c,
                    subject=f"Bench complaint {have + i}",
                    description="The parcel came without the coconut opener.",
                    category=categories[i % len(categories)],
                    severity=severities[i % len(severities)],
                    created_at=now - timedelta(minutes=have + i),
                    updated_at=now - timedelta(minutes=have + i),
                )
                for i, c in enumerate(customers)
            )
            # `state` is protected on the model: set it with one UPDATE per state.
            ids = [c.pk for c in complaints]
            for k, state in enumerate(states):
                Complaint.objects.filter(pk__in=ids[k :: len(states)]).update(state=state)
            Message.objects.bulk_create(
                Message(complaint=c, kind="customer", body=c.description) for c in complaints
            )
            for c in complaints:
                c.reference = f"CMP-{now.year}-{c.pk:06d}"
            Complaint.objects.bulk_update(complaints, ["reference"])
        have += n
        print(f"{have} complaints", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
