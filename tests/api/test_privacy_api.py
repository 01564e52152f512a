"""The staff API for personal data: anonymise and export (privacy.apis)."""

import io
import json
import zipfile

import pytest

from api.services import api_token_issue
from complaints.models import Customer
from tests.api.conftest import INTAKE, Api
from tests.factories import complaint_in


@pytest.fixture
def remedied():
    return complaint_in("remedied", customer_name="Cora Nutley", customer_email="cora@example.com")


@pytest.mark.django_db
def test_the_detail_carries_the_customer_id_and_export_streams_a_zip(api_as, manager, remedied):
    api = api_as(manager)
    detail = api.get(f"/complaints/{remedied.pk}/")
    customer_id = detail.data["customer"]["id"]
    assert customer_id == remedied.customer_id
    assert detail.data["merged_into"] is None
    response = api.get(f"/customers/{customer_id}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("customer.json"))
    assert data["customer"]["email"] == "cora@example.com"
    assert data["complaints"][0]["reference"] == remedied.reference


@pytest.mark.django_db
def test_anonymise_over_the_api_is_idempotent(api_as, manager, remedied):
    api = api_as(manager)
    url = f"/customers/{remedied.customer_id}/anonymise/"
    first = api.post(url, {"reason": "DSR-7"})
    assert first.status_code == 200, first.data
    assert first.data["already"] is False and first.data["complaints"] == 1
    again = api.post(url, {})
    assert again.status_code == 200 and again.data["already"] is True
    assert Customer.objects.get(pk=remedied.customer_id).anonymised_at is not None


@pytest.mark.django_db
def test_refusals(api_as, manager, frontline, integration):
    open_one = complaint_in("acknowledged", customer_email="busy@example.com")
    assert api_as(manager).post(f"/customers/{open_one.customer_id}/anonymise/").status_code == 409
    assert api_as(manager).get("/customers/999999/export/").status_code == 404
    refused = api_as(frontline).get(f"/customers/{open_one.customer_id}/export/")
    assert refused.status_code == 403 and refused.data["code"] == "not_permitted"
    shop = api_as(integration)
    assert shop.post(f"/customers/{open_one.customer_id}/anonymise/").status_code == 403
    # A manager's token without the scope is refused, naming it.
    key = api_token_issue(user=manager, scopes=["complaints:read"])[1]
    narrow = Api(key).get(f"/customers/{open_one.customer_id}/export/")
    assert narrow.status_code == 403 and narrow.data["fields"]["scope"] == ["personal_data"]


@pytest.mark.django_db
def test_merge_over_the_api(api_as, frontline):
    api = api_as(frontline)
    first = api.post("/complaints/", INTAKE).data
    second = api.post("/complaints/", {**INTAKE, "subject": "Again"}).data
    merged = api.post(f"/complaints/{second['id']}/merge/", {"into": first["id"]})
    assert merged.status_code == 200, merged.data
    assert merged.data["state"] == "merged" and merged.data["merged_into"] == first["id"]
    assert api.post(f"/complaints/{first['id']}/merge/", {"into": first["id"]}).status_code == 422
    assert api.post(f"/complaints/{first['id']}/merge/", {"into": second["id"]}).status_code == 409
