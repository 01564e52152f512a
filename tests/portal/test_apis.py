"""The customer's acts over the API: scope `customer:respond`, own complaints only, 409 out of
step, 400 bad input; the staff detail carries `customer_url`, the customer view never."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.services import api_token_issue
from complaints.models import Complaint
from portal.models import HandlingRating, RemedyResponse
from tests import factories
from tests.api.conftest import INTAKE, Api, token_for

pytestmark = pytest.mark.django_db


def _filed_by(integration, state: str) -> Complaint:
    complaint = factories.complaint_in(state)
    Complaint.objects.filter(pk=complaint.pk).update(filed_by=integration)
    return complaint


def test_integration_confirms_and_corrects_the_summary(integration):
    c = _filed_by(integration, "acknowledged")
    shop = Api(token_for(integration))
    done = shop.post(f"/complaints/{c.pk}/summary-confirmation/", {"confirmed": True})
    assert done.status_code == 200 and done.data["view"] == "customer"
    assert Complaint.objects.get(pk=c.pk).summary_confirmed is True
    bad = shop.post(f"/complaints/{c.pk}/summary-confirmation/", {"confirmed": False})
    assert bad.status_code == 422 and "correction" in bad.data["fields"]
    fixed = shop.post(
        f"/complaints/{c.pk}/summary-confirmation/",
        {"confirmed": False, "correction": "Two openers."},
    )
    assert fixed.status_code == 200
    assert Complaint.objects.get(pk=c.pk).summary_confirmed is False
    assert fixed.data["timeline"][-1]["body"] == "Two openers."


def test_out_of_step_is_409(integration):
    c = _filed_by(integration, "venting")
    shop = Api(token_for(integration))
    assert (
        shop.post(f"/complaints/{c.pk}/summary-confirmation/", {"confirmed": True}).status_code
        == 409
    )
    assert (
        shop.post(f"/complaints/{c.pk}/remedy-response/", {"decision": "accepted"}).status_code
        == 409
    )
    rating = {"fairness": 5, "solved": True}
    assert shop.post(f"/complaints/{c.pk}/rating/", rating).status_code == 409


def test_accept_then_rate(integration):
    c = _filed_by(integration, "remedied")
    shop = Api(token_for(integration))
    accepted = shop.post(
        f"/complaints/{c.pk}/remedy-response/", {"decision": "accepted", "words": "Fine."}
    )
    assert accepted.status_code == 200
    assert accepted.data["decision"] == "accepted" and accepted.data["words"] == "Fine."
    assert RemedyResponse.objects.get().via == "api"
    assert (
        shop.post(f"/complaints/{c.pk}/rating/", {"fairness": 7, "solved": True}).status_code == 400
    )
    rated = shop.post(f"/complaints/{c.pk}/rating/", {"fairness": 4, "solved": False})
    assert rated.status_code == 200 and rated.data["fairness"] == 4
    assert HandlingRating.objects.get().solved is False


def test_decline_reopens(integration):
    c = _filed_by(integration, "remedied")
    shop = Api(token_for(integration))
    no_reason = shop.post(f"/complaints/{c.pk}/remedy-response/", {"decision": "declined"})
    assert no_reason.status_code == 422
    declined = shop.post(
        f"/complaints/{c.pk}/remedy-response/", {"decision": "declined", "words": "Broken."}
    )
    assert declined.status_code == 200
    assert Complaint.objects.get(pk=c.pk).state == "venting"


def test_another_integrations_complaint_is_404(integration):
    c = factories.complaint_in("acknowledged")
    shop = Api(token_for(integration))
    assert (
        shop.post(f"/complaints/{c.pk}/summary-confirmation/", {"confirmed": True}).status_code
        == 404
    )


def test_the_scope_is_needed(integration):
    c = _filed_by(integration, "acknowledged")
    _, key = api_token_issue(user=integration, scopes=["complaints:read", "customer:act"])
    refused = Api(key).post(f"/complaints/{c.pk}/summary-confirmation/", {"confirmed": True})
    assert refused.status_code == 403
    assert Complaint.objects.get(pk=c.pk).summary_confirmed is False


def test_customer_url_is_in_the_staff_detail_only(integration, frontline, client):
    shop = Api(token_for(integration))
    filed = shop.post("/complaints/", INTAKE)
    cid = filed.data["id"]
    assert "customer_url" not in filed.data
    staff = Api(token_for(frontline))
    promise = (timezone.now() + timedelta(hours=4)).isoformat()
    acknowledged = staff.post(
        f"/complaints/{cid}/acknowledge/",
        {"summary": "Opener missing", "message": "I see.", "promised_by": promise},
    )
    assert acknowledged.status_code == 200  # its mail is the link's first need
    url = staff.get(f"/complaints/{cid}/").data["customer_url"]
    assert url.startswith("http://") and "/c/" in url
    assert "customer_url" not in shop.get(f"/complaints/{cid}/").data
    path = url.split("127.0.0.1:8000", 1)[1]
    assert client.get(path).status_code == 200
