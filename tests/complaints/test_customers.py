"""One customer per person (complaints.services.customers, through intake where it shows).

- The database refuses a second customer with the same email in another case, or the same
  non-empty external_ref; empty references may repeat; the admin's model validation says so
  in words instead of failing on the INSERT.
- `customer_upsert` finds the same row by email (any case) or external_ref, and creates one only
  when neither is known; an integration creating a customer with an external_ref owns it, staff
  never do.
- Intake never overwrites stored contact data: another phone number, or an external_ref for a
  customer found by email, stays off the customer and shows up for staff (log payload and an
  internal note), never on the public timeline.
- An external_ref of a customer with another email, one registered by another integration, and an
  email whose customer has another external_ref are 409 conflicts that file nothing.
The concurrent cases (PostgreSQL) are in tests/complaints/test_concurrency.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from complaints import services
from complaints.models import Complaint, Customer, Message, TransitionLog
from core.errors import ConflictError
from tests import factories

pytestmark = pytest.mark.django_db


def file(actor=None, **customer):
    values = {"name": "Cora Nutley", "email": "cora@example.com", **customer}
    complaint, _ = services.complaint_intake(
        customer_name=values["name"],
        customer_email=values["email"],
        customer_phone=values.get("phone", ""),
        customer_external_ref=values.get("external_ref", ""),
        subject="Coconut opener missing",
        description="Your shop has really taken me for a ride!",
        actor=actor,
    )
    return complaint


def intake_payload(complaint):
    return TransitionLog.objects.get(complaint=complaint, transition="intake").payload


def written():
    return (Customer.objects.count(), Complaint.objects.count(), Message.objects.count())


# --- the database constraints -----------------------------------------------------------------


def test_the_database_refuses_a_second_customer_with_the_same_email_in_another_case():
    Customer.objects.create(name="Cora", email="cora@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Cora again", email="CORA@Example.COM")


def test_the_database_refuses_a_second_customer_with_the_same_external_ref_but_not_empty_ones():
    Customer.objects.create(name="A", email="a@example.com", external_ref="shop-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="B", email="b@example.com", external_ref="shop-1")
    Customer.objects.create(name="C", email="c@example.com")
    Customer.objects.create(name="D", email="d@example.com")
    assert Customer.objects.filter(external_ref="").count() == 2


def test_model_validation_explains_a_duplicate_instead_of_failing_on_insert():
    """What the customer admin shows a lead who types an email or reference already taken."""
    Customer.objects.create(name="Cora", email="cora@example.com", external_ref="shop-1")
    twin = Customer(name="Cora", email="Cora@example.com", external_ref="shop-1")
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    messages = " ".join(error.value.messages)
    assert "A customer with this email address already exists." in messages
    assert "A customer with this external reference already exists." in messages


# --- the upsert -------------------------------------------------------------------------------


def test_upsert_returns_the_same_row_for_the_same_email_in_any_case():
    first = services.customer_upsert(name="Cora", email="cora@example.com")
    again = services.customer_upsert(name="C. Nutley", email="CORA@example.com")
    assert first.created and not again.created
    assert again.customer.pk == first.customer.pk
    assert again.customer.name == "Cora"  # the stored name is kept too
    assert Customer.objects.count() == 1


def test_upsert_finds_by_external_ref_with_the_matching_email(integration):
    first = services.customer_upsert(
        name="Cora", email="cora@example.com", external_ref="shop-1", actor=integration
    )
    again = services.customer_upsert(
        name="Cora", email="Cora@Example.com", external_ref="shop-1", actor=integration
    )
    assert (first.created, again.created) == (True, False)
    assert again.customer.pk == first.customer.pk and again.not_stored == {}


def test_an_integration_creating_a_customer_with_an_external_ref_owns_it(integration):
    owned = file(integration, email="owned@example.com", external_ref="shop-1").customer
    assert owned.owner == integration
    # Without a reference there is nothing to own by.
    assert file(integration, email="plain@example.com").customer.owner is None


def test_staff_never_become_owners(frontline, integration):
    customer = file(frontline, external_ref="shop-1").customer
    assert customer.external_ref == "shop-1" and customer.owner is None
    # The integration filing later for the same person does not take it over silently.
    again = file(integration, external_ref="shop-1")
    assert again.customer_id == customer.pk
    assert Customer.objects.get(pk=customer.pk).owner is None


def test_intake_records_who_filed_and_matches_the_owner_again(integration, frontline):
    first = file(integration, external_ref="shop-1")
    by_staff = file(frontline, email="CORA@example.com", external_ref="shop-1")
    assert (first.filed_by, by_staff.filed_by) == (integration, frontline)
    assert first.customer_id == by_staff.customer_id
    assert Customer.objects.get().owner == integration


# --- nothing stored is overwritten --------------------------------------------------------------


def test_another_phone_number_does_not_replace_the_stored_one_and_staff_see_it(integration):
    first = file(integration, phone="+49 30 1234")
    second = file(integration, email="Cora@Example.com", phone="+44 20 7946 0000")
    assert second.customer_id == first.customer_id
    assert Customer.objects.get().phone == "+49 30 1234"
    assert intake_payload(second)["customer_not_stored"] == {"phone": "+44 20 7946 0000"}
    note = Message.objects.get(complaint=second, visibility="internal")
    assert note.kind == "system"
    assert note.body.startswith("The customer gave another phone number: +44 20 7946 0000.")
    public = Message.objects.filter(complaint=second, visibility="public")
    assert [m.kind for m in public] == ["customer"]
    assert "customer_not_stored" not in intake_payload(first)
    assert not Message.objects.filter(complaint=first, visibility="internal").exists()


def test_the_same_number_written_differently_is_not_another_number(frontline):
    file(frontline, phone="+49 30 1234")
    again = file(frontline, phone="+49-(30)-1234")
    assert "customer_not_stored" not in intake_payload(again)
    assert not Message.objects.filter(complaint=again, visibility="internal").exists()
    words = file(frontline, phone="ask for Ana")  # no digits: still something staff should see
    assert intake_payload(words)["customer_not_stored"] == {"phone": "ask for Ana"}


def test_a_phone_for_a_customer_without_one_is_not_stored_either(frontline):
    """Anyone who knows an email address could otherwise set the number staff call back."""
    file(frontline)
    again = file(frontline, phone="+49 30 9999")
    assert Customer.objects.get().phone == ""
    assert intake_payload(again)["customer_not_stored"] == {"phone": "+49 30 9999"}


def test_a_customer_found_by_email_does_not_get_the_external_ref_attached(frontline, integration):
    stored = file(frontline, phone="+49 30 1234").customer
    claim = file(integration, external_ref="shop-77", phone="+1 555 0100")
    assert claim.customer_id == stored.pk
    customer = Customer.objects.get()
    assert (customer.external_ref, customer.owner, customer.phone) == ("", None, "+49 30 1234")
    assert intake_payload(claim)["customer_not_stored"] == {
        "phone": "+1 555 0100",
        "external_ref": "shop-77",
    }
    phone, ref = Message.objects.filter(complaint=claim, visibility="internal").order_by("id")
    assert (phone.note_code, ref.note_code) == ("phone_not_stored", "external_ref_not_stored")
    assert "+1 555 0100" in phone.body and "external_ref shop-77" in ref.body


# --- conflicts --------------------------------------------------------------------------------


def test_an_external_ref_of_a_customer_with_another_email_is_a_conflict(integration):
    file(integration, email="cora@example.com", external_ref="shop-1", phone="+49 30 1234")
    before = written()
    with pytest.raises(ConflictError) as error:
        file(integration, email="mallory@example.com", external_ref="shop-1")
    assert error.value.status == 409
    assert "different email address" in error.value.message
    assert "leave external_ref out" in error.value.message
    assert "cora@example.com" not in error.value.message  # nothing of the other customer
    assert list(error.value.fields) == ["customer.external_ref"]
    assert written() == before


def test_an_external_ref_registered_by_another_integration_is_a_conflict(integration):
    other = factories.UserFactory(username="other-shop", groups=["integration"], is_staff=False)
    file(integration, external_ref="shop-1")
    before = written()
    with pytest.raises(ConflictError) as error:
        file(other, external_ref="shop-1")
    assert "registered by another integration" in error.value.message
    assert written() == before
    # Without the reference the other integration files under the email address, and owns nothing.
    complaint = file(other)
    assert complaint.customer.owner == integration and complaint.filed_by == other


def test_an_email_whose_customer_has_another_external_ref_is_a_conflict(integration):
    file(integration, external_ref="shop-1")
    before = written()
    with pytest.raises(ConflictError) as error:
        file(integration, email="CORA@example.com", external_ref="shop-2")
    assert "registered under a different external_ref" in error.value.message
    assert written() == before
    assert Customer.objects.get().external_ref == "shop-1"
