"""The queue's search: the same fields and word-by-word matching as Django's admin search, and
on PostgreSQL answered from the trigram indexes (checked with EXPLAIN), not by a table scan."""

import pytest
from django.db import connection
from django.urls import reverse

from complaints import selectors
from complaints.models import Complaint, Customer
from tests.factories import complaint_new

CHANGELIST = reverse("admin:complaints_complaint_changelist")


def found(client, q: str) -> set[int]:
    response = client.get(CHANGELIST, {"q": q})
    assert response.status_code == 200
    return {c.pk for c in response.context["cl"].result_list}


@pytest.fixture
def three(db):
    return {
        "coconut": complaint_new(
            subject="Opener missing",
            description="4 young coconuts came without the opener",
            customer_name="Cora Nutley",
            customer_email="cora@example.com",
        ),
        "parcel": complaint_new(
            subject="Parcel late",
            description="Two weeks late",
            customer_name="Pim Parcel",
            customer_email="pim@shop.test",
        ),
        "espresso": complaint_new(
            subject="Espresso machine broke",
            description="On day three, 咖啡机坏了",
            customer_name="Ева Иванова",
            customer_email="eva@example.org",
        ),
    }


def test_each_field_is_searched(client, frontline, three):
    client.force_login(frontline)
    c, p, e = three["coconut"].pk, three["parcel"].pk, three["espresso"].pk
    assert found(client, "COCONUT") == {c}  # description, any case
    assert found(client, "parcel") == {p}  # subject and customer name: once
    assert found(client, "Nutley") == {c}  # customer name
    assert found(client, "shop.test") == {p}  # customer email
    assert found(client, three["espresso"].reference) == {e}  # reference
    assert found(client, "咖啡机") == {e}
    assert found(client, "Ивано") == {e}
    if connection.vendor == "postgresql":  # SQLite's LIKE folds the case of ASCII only
        assert found(client, "иванова") == {e}
    assert found(client, "nothing-like-this") == set()


def test_every_word_must_match_and_quotes_keep_a_phrase(client, frontline, three):
    client.force_login(frontline)
    assert found(client, "late cora") == set()
    assert found(client, "late pim") == {three["parcel"].pk}
    assert found(client, '"weeks late"') == {three["parcel"].pk}
    assert found(client, '"late weeks"') == set()


def test_the_summary_is_searched_too(client, frontline, walk):
    client.force_login(frontline)
    acknowledged = walk("acknowledged")  # summary "Opener missing"
    assert acknowledged.pk in found(client, "opener missing")


def test_the_api_search_uses_the_same_match(frontline, three):
    qs = selectors.complaint_search(user=frontline, search="pim@shop")
    assert [c.pk for c in qs] == [three["parcel"].pk]
    by_id = selectors.complaint_search(user=frontline, search=three["coconut"].reference)
    assert [c.pk for c in by_id] == [three["coconut"].pk]


def test_a_search_costs_the_same_queries_however_many_match(client, frontline, db):
    from django.test.utils import CaptureQueriesContext

    client.force_login(frontline)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(CHANGELIST, {"q": "coconut"})
        return len(ctx.captured_queries)

    complaint_new()
    few = queries()
    for _ in range(20):
        complaint_new()
    assert queries() == few


def bulk_complaints(n: int) -> None:
    """`n` complaints written directly (load for the planner, not a workflow test)."""
    people = Customer.objects.bulk_create(
        Customer(name=f"Person {i}", email=f"p{i}@load.test") for i in range(n // 2)
    )
    Complaint.objects.bulk_create(
        Complaint(
            reference=f"LOAD-{i:06d}",
            customer=people[i % len(people)],
            subject=f"Load complaint {i}",
            description=f"word{i % 977} another{i % 113} parcel text",
        )
        for i in range(n)
    )


@pytest.mark.postgres
def test_postgres_answers_a_search_from_the_trigram_indexes(frontline, db):
    bulk_complaints(4000)
    qs = selectors.complaint_queue_search(
        selectors.complaint_queue(user=frontline), terms="coconut"
    )[:50]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_complaint")
        cursor.execute("ANALYZE complaints_customer")
        # Small tables make a scan look cheap; forbidding scans leaves bitmap paths, which
        # exist only where an index matches the searched expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = qs.explain()
    for index in (
        "complaint_reference_trgm",
        "complaint_subject_trgm",
        "complaint_description_trgm",
        "complaint_summary_trgm",
        "customer_name_trgm",
        "customer_email_trgm",
    ):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan
