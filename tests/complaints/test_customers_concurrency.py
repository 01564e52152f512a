"""Intakes for one new person at the same moment make one customer (PostgreSQL only).

- Forced (`tests.concurrency.race`): A is held right after inserting the new customer, inside
  its open transaction; B finds no customer (A's row is not committed), so B's insert must wait
  on the unique index and, once A commits, read A's customer (savepoint + READ COMMITTED). This
  proves both halves: without `customer_email_ci_unique` B is not kept waiting and makes a second
  customer; without the savepoint and re-read in `customer_upsert`, B fails with IntegrityError.
- Loose: 20 threads, each with its own connection, file for one new email (any case) at once,
  and 20 more for one new external_ref from one integration: exactly one customer each time,
  every complaint filed on it, the reference owned by the integration.
"""

import pytest

from complaints import services
from complaints.models import Complaint, Customer
from tests.concurrency import after, parallel, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def intake(email, **kw):
    return lambda: services.complaint_intake(
        customer_name="Cora Nutley",
        customer_email=email,
        subject="Coconut opener missing",
        description="Your shop has really taken me for a ride!",
        **kw,
    )[0]


def test_the_second_intake_waits_for_the_first_customer_and_files_on_it():
    r = race(
        intake("cora@example.com"),
        intake("CORA@example.com", customer_phone="+49 30 1234"),
        gate=after(Customer.objects, "create"),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint) and isinstance(r.second, Complaint), r
    assert r.first.customer_id == r.second.customer_id
    customer = Customer.objects.get()
    assert (customer.email, customer.phone) == ("cora@example.com", "")
    # B's phone was not stored on A's customer, it waits on B's complaint for staff.
    assert r.second.transition_logs.get().payload["customer_not_stored"] == {"phone": "+49 30 1234"}


def test_twenty_parallel_intakes_for_a_new_email_make_one_customer():
    emails = ["new@example.com", "NEW@example.com", "New@Example.com", "new@EXAMPLE.com"] * 5
    outcomes = parallel([intake(e) for e in emails])
    assert all(isinstance(o, Complaint) for o in outcomes), outcomes
    customer = Customer.objects.get()
    assert {o.customer_id for o in outcomes} == {customer.pk}
    assert Complaint.objects.filter(customer=customer).count() == 20


def test_twenty_parallel_intakes_for_a_new_external_ref_make_one_owned_customer(integration):
    outcomes = parallel(
        [intake("ref@example.com", customer_external_ref="shop-9", actor=integration)] * 20
    )
    assert all(isinstance(o, Complaint) for o in outcomes), outcomes
    customer = Customer.objects.get()
    assert (customer.external_ref, customer.owner_id) == ("shop-9", integration.pk)
    assert Complaint.objects.filter(customer=customer, filed_by=integration).count() == 20
