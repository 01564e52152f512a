"""The compensation forms refuse what the API refuses (issue 10): `١٢٣`, `1e2`, `eur`, more
decimals than the currency has. Through the admin (nothing written) and side by side with the
API's item serializer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.forms import AuthorityRuleForm, RemedyWithCompensationForm
from compensation.models import AuthorityRule, AuthorityRuleChange, CompensationRequest
from complaints.models import Complaint, TransitionLog
from complaints.serializers import CompensationItemIn
from tests.factories import complaint_in

ITEM_VALUES = [
    ("١٢٣", "EUR"),
    ("1e2", "EUR"),
    ("12", "eur"),
    ("12", "ZZZ"),
    ("1,50", "EUR"),
    ("-5", "EUR"),
    ("10.001", "EUR"),
    ("10.5", "JPY"),
    ("007", "EUR"),
    ("12.50", "EUR"),
    ("1500", "JPY"),
    ("1.125", "BHD"),
    ("0", "EUR"),
]


def _remedy_post(amount: str, currency: str, **extra) -> dict:
    return {
        "message": "Refund.",
        "root_cause": "Faulty",
        "outcome": "upheld",
        "item1_kind": "gift",
        "item1_amount": amount,
        "item1_currency": currency,
        "item1_quantity": "1",
        **extra,
    }


@pytest.mark.parametrize("amount,currency", ITEM_VALUES)
def test_remedy_form_and_api_agree_on_every_amount_and_currency(amount, currency):
    form = RemedyWithCompensationForm(data=_remedy_post(amount, currency))
    api = CompensationItemIn(data={"kind": "gift", "amount": amount, "currency": currency})
    assert form.is_valid() == api.is_valid(), (form.errors, api.errors)
    if not api.is_valid():
        (field,) = api.errors
        assert f"item1_{field}" in form.errors
        assert form.errors[f"item1_{field}"] == [str(m) for m in api.errors[field]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount,currency,field,says",
    [
        ("١٢٣", "EUR", "item1_amount", "digits 0 to 9"),
        ("1e2", "EUR", "item1_amount", "exponent"),
        ("12", "eur", "item1_currency", "capital letters"),
        ("10.5", "JPY", "item1_amount", "no decimal places"),
    ],
)
def test_admin_remedy_refuses_and_writes_nothing(client, frontline, amount, currency, field, says):
    c = complaint_in("apologized")
    logs = TransitionLog.objects.count()
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    response = client.post(url, _remedy_post(amount, currency, expected_version=str(c.version)))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and says in errors[field][0]
    assert Complaint.objects.get(pk=c.pk).state == "apologized"
    assert TransitionLog.objects.count() == logs
    assert not CompensationRequest.objects.exists()


@pytest.mark.django_db
def test_admin_remedy_with_good_items_still_goes_through(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    response = client.post(url, _remedy_post(" 3.50 ", "EUR", expected_version=str(c.version)))
    assert response.status_code == 302
    assert CompensationRequest.objects.get(complaint=c).amount == Decimal("3.50")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [
        ("max_per_grant", "١٢٣"),
        ("max_per_grant", "1e2"),
        ("max_per_complaint", "1,000"),
        ("currency", "eur"),
        ("role", "front\u202eline"),
    ],
)
def test_rules_admin_refuses_what_the_api_would(client, manager, field, value):
    rule = AuthorityRule.objects.get(role="frontline", kind="gift")
    url = reverse("admin:compensation_authorityrule_change", args=[rule.pk])
    data = {
        "role": "frontline",
        "kind": "gift",
        "max_per_grant": "20.00",
        "max_per_complaint": "30.00",
        "max_per_customer_30d": "50.00",
        "currency": "EUR",
        field: value,
    }
    client.force_login(manager)
    response = client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    rule.refresh_from_db()
    assert (rule.max_per_grant, rule.currency, rule.role) == (Decimal("20"), "EUR", "frontline")
    assert not AuthorityRuleChange.objects.exists()


@pytest.mark.django_db
def test_a_stored_rule_opens_and_saves_unchanged():
    """The stored 20.000 (three places in the column) shows as 20, so EUR saves again."""
    rule = AuthorityRule.objects.get(role="frontline", kind="gift")
    form = AuthorityRuleForm(instance=rule)
    data = {name: form[name].value() for name in form.fields}
    shown = {k: form.fields[k].prepare_value(v) for k, v in data.items()}
    bound = AuthorityRuleForm(data=shown, instance=rule)
    assert bound.is_valid(), bound.errors
