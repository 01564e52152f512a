"""The privacy actions on the customer list: export as a ZIP, anonymise after a confirmation."""

import io
import json
import zipfile

import pytest
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse

from complaints.models import Customer
from privacy.models import PersonalDataLog
from tests.factories import complaint_in

URL = reverse("admin:complaints_customer_changelist")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_manager_exports_then_anonymises_after_confirming(manager):
    complaint = complaint_in("remedied", customer_name="Cora Nutley")
    pk = complaint.customer_id
    client = _client(manager)
    actions = client.get(URL).context["action_form"].fields["action"].choices
    names = [name for name, _label in actions]
    assert {"export_personal_data", "anonymise_customers"} <= set(names)

    exported = client.post(
        URL, {"action": "export_personal_data", helpers.ACTION_CHECKBOX_NAME: [pk]}
    )
    assert exported["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(exported.streaming_content)))
    assert json.loads(archive.read("customer.json"))["customer"]["name"] == "Cora Nutley"

    confirm = client.post(
        URL, {"action": "anonymise_customers", helpers.ACTION_CHECKBOX_NAME: [pk]}
    )
    assert confirm.status_code == 200 and b"Cora Nutley" in confirm.content
    assert Customer.objects.get(pk=pk).anonymised_at is None  # nothing before the confirmation
    done = client.post(
        URL,
        {
            "action": "anonymise_customers",
            helpers.ACTION_CHECKBOX_NAME: [pk],
            "confirm": "yes",
            "reason": "DSR-9",
        },
    )
    assert done.status_code == 302
    assert Customer.objects.get(pk=pk).anonymised_at is not None
    assert PersonalDataLog.objects.get(action="anonymise").reason == "DSR-9"


@pytest.mark.django_db
def test_a_team_lead_is_refused(lead):
    complaint = complaint_in("remedied")
    response = _client(lead).post(
        URL,
        {
            "action": "anonymise_customers",
            helpers.ACTION_CHECKBOX_NAME: [complaint.customer_id],
            "confirm": "yes",
        },
        follow=True,
    )
    assert "Only a manager" in response.content.decode()
    assert Customer.objects.get(pk=complaint.customer_id).anonymised_at is None
