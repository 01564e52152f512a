"""An integration says in which language a new customer is written to (`customer.language` at
intake); the mails follow it. A language we do not have is refused as bad input."""

import pytest
from django.core.cache import cache

from complaints.models import Customer
from mail.models import OutboundMail
from tests.api.conftest import Api, token_for
from tests.mail.test_outbound import acknowledge

pytestmark = pytest.mark.django_db

INTAKE = {
    "customer": {"name": "Li Na", "email": "li.na@example.com", "language": "zh_Hans"},
    "subject": "椰子开壳器没有收到",
    "description": "我买了四个椰子，说好附带开壳器，但是没有。",
    "category": "missing_item",
}


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_language_given_at_intake_is_the_mails_language(integration, frontline):
    response = Api(token_for(integration)).post("/complaints/", INTAKE)
    assert response.status_code == 201, response.data
    customer = Customer.objects.get(email="li.na@example.com")
    assert customer.language == "zh-hans"
    acknowledge(customer.complaints.get(), frontline)
    assert OutboundMail.objects.get().language == "zh-hans"


def test_a_language_we_do_not_have_is_a_400(integration):
    body = {**INTAKE, "customer": {**INTAKE["customer"], "language": "tlh"}}
    response = Api(token_for(integration)).post("/complaints/", body)
    assert response.status_code == 400
    assert "customer.language" in response.data["fields"]
    assert not Customer.objects.exists()
