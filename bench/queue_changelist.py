"""Bench: the frontline queue (admin changelist) on a big table.

    DATABASE_URL=postgres://root@127.0.0.1:5432/<db> .venv/bin/python bench/queue_changelist.py \
        --rows 100000

Fills the database named in DATABASE_URL (NOT a test database: it migrates it and adds rows
tagged `bench-`, reusing them on the next run), then times the queue pages a frontline agent
opens, and prints the number of queries and the slowest one. Nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Complaint, Customer  # noqa: E402

STATES = ["venting", "acknowledged", "apologized", "escalated", "remedied", "remedied"]
TIERS = ["frontline", "frontline", "frontline", "team_lead", "manager"]
CATEGORIES = ["missing_item", "damaged", "delivery", "billing", "service", "product", "other"]


def bench_customers(count: int) -> list[Customer]:
    """`count` customers, one per email address (the database allows no second), made once."""
    email = "queue-bench{}@example.com".format
    known = set(
        Customer.objects.filter(email__startswith="queue-bench").values_list("email", flat=True)
    )
    Customer.objects.bulk_create(
        (
            Customer(name=f"Bench {i}", email=email(i))
            for i in range(count)
            if email(i) not in known
        ),
        batch_size=5_000,
    )
    by_email = {c.email: c for c in Customer.objects.filter(email__startswith="queue-bench")}
    return [by_email[email(i)] for i in range(count)]


def fill(rows: int, agents: list) -> None:
    have = Complaint.objects.filter(reference__startswith="bench-").count()
    if have >= rows:
        return
    rng = random.Random(6)
    now = timezone.now()
    batch = 5_000
    people = bench_customers(min(rows, 20_000))
    for start in range(have, rows, batch):
        n = min(batch, rows - start)
        customers = [people[i % len(people)] for i in range(start, start + n)]
        Complaint.objects.bulk_create(
            Complaint(
                reference=f"bench-{start + i:07d}",
                customer=c,
                subject=f"Bench complaint {start + i}",
                description="words",
                category=rng.choice(CATEGORIES),
                state=rng.choice(STATES),
                tier=rng.choice(TIERS),
                assignee=rng.choice(agents + [None] * 4),
                next_due_at=now + timedelta(hours=rng.uniform(-72, 96))
                if rng.random() < 0.7
                else None,
                created_at=now - timedelta(hours=rng.uniform(0, 24 * 60)),
            )
            for i, c in enumerate(customers)
        )
        print(f"  {start + n} rows", flush=True)


def timed(client: Client, url: str, repeat: int = 5) -> None:
    client.get(url)  # warm up
    best = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        best = elapsed if best is None else min(best, elapsed)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    print(
        f"{url:<60} best {best * 1000:7.1f} ms, {len(ctx.captured_queries)} queries, "
        f"slowest {float(slowest['time']) * 1000:.1f} ms: {slowest['sql'][:90]}…"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    User = get_user_model()
    agents = []
    for name in ("bench-fl1", "bench-fl2", "bench-fl3"):
        user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
        user.groups.add(Group.objects.get(name="frontline"))
        agents.append(user)
    fill(args.rows, agents)
    print(f"{Complaint.objects.count()} complaints on {connection.vendor}")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(agents[0])
    base = "/admin/complaints/complaint/"
    for query in (
        "",
        "?queue=open",
        "?queue=all",
        "?queue=all&p=50",
        "?q=coconut",
        "?state__exact=escalated&queue=all",
        "dashboard/",
    ):
        timed(client, base + query)


if __name__ == "__main__":
    main()
