"""The number of queries of intake and of each change is pinned: a change that adds one shows
up here. Savepoints are not counted (they depend on the caller's transaction nesting).

Intake: customer, id, complaint (reference in the INSERT), message, log, outbox, deadlines,
next_due_at — one transaction, no second UPDATE for the reference. For a known customer nothing
is written to the customer, and a staff note rides in the message INSERT.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from escalation.selectors import policy_map
from tests import factories

pytestmark = pytest.mark.django_db


def queries(call, **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        call(**kwargs)
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_intake_takes_at_most_eleven_queries_and_writes_the_reference_in_the_insert():
    """Ten, and one that asks whether the category falls under a regulatory regime."""
    policy_map()  # warm, as in a running process
    sql = queries(
        services.complaint_intake,
        customer_name="Cora Nutley",
        customer_email="cora@example.com",
        subject="Coconut opener missing",
        description="Taken for a ride!",
        category="missing_item",
    )
    assert len(sql) == 11, sql
    assert not [s for s in sql if s.startswith('UPDATE "complaints_complaint" SET "reference"')]


def test_intake_for_a_known_customer_with_another_phone_takes_nine_queries():
    """Found in one query (email and external_ref together), nothing written to the customer;
    the staff note about the other number goes in the same INSERT as the customer's words.
    Nine: the eleven above without the customer INSERT and without the closed-days read, which
    the first intake cached."""
    policy_map()
    known = {"customer_name": "Cora Nutley", "customer_email": "cora@example.com"}
    words = {"subject": "Coconut opener missing", "description": "Taken for a ride!"}
    services.complaint_intake(**known, **words, customer_phone="+49 30 1234")
    sql = queries(
        services.complaint_intake,
        **known,
        **words,
        customer_phone="+44 20 7946 0000",
        customer_external_ref="shop-1",
    )
    assert len(sql) == 9, sql
    assert not [s for s in sql if s.startswith('UPDATE "complaints_customer"')]
    assert len([s for s in sql if s.startswith('INSERT INTO "complaints_message"')]) == 1


def test_each_transition_has_a_pinned_query_count(frontline, manager):
    policy_map()
    c = factories.complaint_new()
    later = timezone.now() + timedelta(days=1)
    steps = [
        (
            services.complaint_acknowledge,
            {"summary": "s", "message": "m", "promised_by": later},
            frontline,
            14,  # its mail is the complaint's first: the customer's link is inserted with it
        ),
        (services.complaint_apologize, {"message": "m", "fault": "company"}, frontline, 7),
        (services.complaint_escalate, {"reason": "too big"}, frontline, 9),
        (services.complaint_return, {"note": "ask first"}, manager, 12),
        (services.complaint_pause, {"reason": "photos"}, frontline, 7),
        (services.complaint_resume, {}, frontline, 7),
        (
            services.complaint_remedy,
            {"message": "m", "root_cause": "r", "outcome": "upheld"},
            frontline,
            10,  # closing asks for the complaint's regime (its legal clocks stop)
        ),
        (services.complaint_reopen, {"message": "m"}, frontline, 10),
    ]
    counts = {
        call.__name__: len(queries(call, complaint_id=c.pk, actor=actor, **kw))
        for call, kw, actor, _ in steps
    }
    assert counts == {call.__name__: n for call, _, _, n in steps}


def test_compensation_decisions_have_pinned_query_counts(frontline, manager):
    """Remedy with compensation (granted on the spot, or sent for approval) and the decision."""
    from compensation import services as compensation

    policy_map()
    items = [{"kind": "gift", "amount": "3.50", "note": "One young coconut"}]
    on_the_spot = factories.complaint_in("apologized")
    waiting = factories.complaint_in("apologized")
    refused = factories.complaint_in("apologized")
    remedy = {"message": "m", "root_cause": "r", "outcome": "upheld"}
    counts = {
        "granted": queries(
            compensation.complaint_remedy_with_compensation,
            complaint_id=on_the_spot.pk,
            actor=frontline,
            items=items,
            **remedy,
        ),
        "for_approval": queries(
            compensation.complaint_remedy_with_compensation,
            complaint_id=waiting.pk,
            actor=frontline,
            items=[{"kind": "refund", "amount": "400"}],
            **remedy,
        ),
    }
    compensation.complaint_remedy_with_compensation(
        complaint_id=refused.pk,
        actor=frontline,
        items=[{"kind": "refund", "amount": "400"}],
        **remedy,
    )
    counts["approve"] = queries(
        compensation.complaint_compensation_approve, complaint_id=waiting.pk, actor=manager
    )
    counts["reject"] = queries(
        compensation.complaint_compensation_reject,
        complaint_id=refused.pk,
        actor=manager,
        note="Not this time",
    )
    assert {k: len(v) for k, v in counts.items()} == {
        # granted and approve close the complaint: one more for its regime's clocks
        "granted": 19,
        "for_approval": 19,
        "approve": 23,
        "reject": 16,
    }
