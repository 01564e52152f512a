"""Bench: the frontline queue (admin changelist) and its search on a big table.

    DATABASE_URL=postgres://root@127.0.0.1:5432/<db> .venv/bin/python bench/queue_changelist.py \
        --rows 1000000

Fills the database named in DATABASE_URL (NOT a test database: it migrates it and adds rows
tagged `bench-`, reusing them on the next run), then times the queue pages a frontline agent
opens and its searches (best of five, after a warm-up), and prints the number of queries and
the slowest one. On PostgreSQL the rows go in with COPY, the search's trigram indexes dropped
for the load and built again after it (far quicker than updating them row by row). Texts are
drawn from a vocabulary of a few thousand words, and "coconut" is in about one complaint in
50,000, so a search for it is as selective as a real one. Nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

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


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Made-up words of 4-9 letters: trigram statistics like a real language's."""
    letters = "abcdefghijklmnoprstuvwy"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)}
    return sorted(w for w in words if "coconut" not in w)


def bench_complaints(start: int, n: int, people: list, agents: list, rng, words: list):
    now = timezone.now()
    for i in range(start, start + n):
        text = " ".join(rng.choices(words, k=rng.randint(12, 40)))
        if rng.random() < 1 / 50_000:
            text += " the young coconut came without its opener"
        yield Complaint(
            reference=f"bench-{i:07d}",
            customer=people[i % len(people)],
            subject=" ".join(rng.choices(words, k=rng.randint(3, 7))).capitalize(),
            description=text,
            category=rng.choice(CATEGORIES),
            state=rng.choice(STATES),
            tier=rng.choice(TIERS),
            assignee=rng.choice(agents + [None] * 4),
            next_due_at=now + timedelta(hours=rng.uniform(-72, 96)) if rng.random() < 0.7 else None,
            created_at=now - timedelta(hours=rng.uniform(0, 24 * 60)),
        )


def copy_complaints(complaints) -> None:
    """PostgreSQL COPY of unsaved Complaint objects (ids from the sequence)."""
    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {Complaint._meta.db_table} ({columns}) FROM STDIN") as copy:
            for obj in complaints:
                copy.write_row(
                    [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
                )


def fill(rows: int, agents: list) -> None:
    have = Complaint.objects.filter(reference__startswith="bench-").count()
    if have >= rows:
        return
    rng = random.Random(6 + have)
    words = vocabulary(random.Random(6))
    batch = 50_000
    people = bench_customers(min(max(rows // 5, 1), 200_000))
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    trgm = importlib.import_module("complaints.migrations.0021_ops_search_trgm")
    if postgres and rows - have > 50_000:
        with connection.cursor() as cursor:
            for name in trgm.INDEXES:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for start in range(have, rows, batch):
        n = min(batch, rows - start)
        made = bench_complaints(start, n, people, agents, rng, words)
        if postgres:
            copy_complaints(made)
        else:
            Complaint.objects.bulk_create(made, batch_size=5_000)
        print(f"  {start + n} rows, {time.perf_counter() - started:.0f} s", flush=True)
    if postgres:
        with connection.schema_editor(atomic=False) as editor:
            trgm.create(None, editor)  # the migration's own statements (IF NOT EXISTS)
        print(f"  indexes built, {time.perf_counter() - started:.0f} s", flush=True)


def timed(client: Client, url: str, repeat: int = 5) -> None:
    """Best of `repeat` for the whole page (rendering included) and for its SQL alone."""
    client.get(url)  # warm up
    best = best_sql = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        sql = sum(float(q["time"]) for q in ctx.captured_queries)
        best = elapsed if best is None else min(best, elapsed)
        best_sql = sql if best_sql is None else min(best_sql, sql)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    print(
        f"{url:<62} page {best * 1000:7.1f} ms, sql {best_sql * 1000:6.1f} ms in "
        f"{len(ctx.captured_queries)} queries, slowest {float(slowest['time']) * 1000:.1f} ms: "
        f"{slowest['sql'][:70]}…"
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
    print("pages:")
    for query in (
        "",
        "?queue=open",
        "?queue=all",
        "?queue=all&p=50",
        "?state__exact=escalated&queue=all",
        "dashboard/",
    ):
        timed(client, base + query)
    print("searches:")
    sample = Complaint.objects.filter(reference__startswith="bench-").order_by("-pk").first()
    for term in (
        "coconut",
        "young coconut",
        sample.reference if sample else "bench-0000001",
        sample.customer.email if sample else "queue-bench7@example.com",
        "Bench 1234",
        "nothing-like-this",
    ):
        timed(client, base + "?" + urlencode({"q": term}))


if __name__ == "__main__":
    main()
