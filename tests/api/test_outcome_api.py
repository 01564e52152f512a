"""The outcome and what the customer asks for over the API: intake, the detail (the outcome in
the staff view only), and remedy refusing a missing outcome (400) or missing reasons (422, the
one error shape), writing nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint
from tests.api.conftest import INTAKE

pytestmark = pytest.mark.django_db


def test_api_intake_and_detail_carry_the_request_and_the_outcome(api_as, frontline, integration):
    filed = api_as(integration).post(
        "/complaints/",
        {**INTAKE, "customer_request": "refund", "customer_request_detail": "My 20 EUR back"},
    )
    assert filed.status_code == 201, filed.data
    assert filed.data["view"] == "customer"
    assert (filed.data["customer_request"], filed.data["customer_request_detail"]) == (
        "refund",
        "My 20 EUR back",
    )
    assert "outcome" not in filed.data  # the outcome is staff's view only
    cid = filed.data["id"]
    agent = api_as(frontline)
    promise = (timezone.now() + timedelta(days=1)).isoformat()
    ack = {"summary": "s", "message": "m", "promised_by": promise}
    assert agent.post(f"/complaints/{cid}/acknowledge/", ack).status_code == 200
    apology = {"message": "Sorry.", "fault": "shared"}
    assert agent.post(f"/complaints/{cid}/apologize/", apology).status_code == 200

    body = {"message": "Half back.", "root_cause": "Unclear listing"}
    missing = agent.post(f"/complaints/{cid}/remedy/", body)
    assert missing.status_code == 400 and "outcome" in missing.data["fields"]
    no_reason = agent.post(f"/complaints/{cid}/remedy/", {**body, "outcome": "partly_upheld"})
    assert no_reason.status_code == 422, no_reason.data
    assert set(no_reason.data) == {"code", "message", "fields"}
    assert list(no_reason.data["fields"]) == ["outcome_reason"]
    assert Complaint.objects.get(pk=cid).state == "apologized"

    done = agent.post(
        f"/complaints/{cid}/remedy/",
        {**body, "outcome": "partly_upheld", "outcome_reason": "The listing was unclear."},
    )
    assert done.status_code == 200, done.data
    detail = agent.get(f"/complaints/{cid}/").data
    assert detail["view"] == "staff"
    assert (detail["outcome"], detail["outcome_reason"]) == (
        "partly_upheld",
        "The listing was unclear.",
    )
    assert detail["customer_request"] == "refund"
