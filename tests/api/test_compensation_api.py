"""Compensation over the API: request, the approval queue, approve/reject, remedy with items."""

import pytest

from compensation.models import CompensationRequest
from complaints.models import Complaint, TransitionLog
from tests.factories import complaint_in


@pytest.mark.django_db
def test_outside_system_story_refund_beyond_frontline_is_approved_by_manager(
    api_as, frontline, manager, lead
):
    """The issue's story over HTTP: frontline asks 400 EUR, manager's token approves it."""
    c = complaint_in("apologized")
    agent, boss = api_as(frontline), api_as(manager)
    asked = agent.post(
        f"/complaints/{c.pk}/compensations/",
        {"kind": "refund", "amount": "400.00", "currency": "EUR", "quantity": 1, "note": "x"},
    )
    assert asked.status_code == 201, asked.data
    assert (asked.data["status"], asked.data["required_tier"]) == ("pending", "manager")
    assert asked.data["rule"]["role"] == "frontline"  # the rule that stopped it
    assert Complaint.objects.get(pk=c.pk).state == "escalated"

    assert api_as(lead).get("/compensations/", status="pending").data["results"] == []
    assert agent.get("/compensations/").data["results"] == []  # never your own to decide
    queue = boss.get("/compensations/", status="pending")
    assert [r["id"] for r in queue.data["results"]] == [asked.data["id"]]

    refused = api_as(lead).post(f"/compensations/{asked.data['id']}/approve/", {"note": "ok"})
    assert refused.status_code == 403 and refused.data["code"] == "not_permitted"
    # A request made without a remedy proposes no outcome: approving it (which remedies the
    # complaint) needs the approver's, and nothing is written without it.
    unsaid = boss.post(f"/compensations/{asked.data['id']}/approve/", {"note": "Goodwill"})
    assert unsaid.status_code == 422 and list(unsaid.data["fields"]) == ["outcome"]
    assert Complaint.objects.get(pk=c.pk).state == "escalated"
    approved = boss.post(
        f"/compensations/{asked.data['id']}/approve/",
        {"note": "Goodwill", "outcome": "partly_upheld", "outcome_reason": "Half was ours."},
    )
    assert approved.status_code == 200, approved.data
    remedied = Complaint.objects.get(pk=c.pk)
    assert (remedied.outcome, remedied.outcome_reason) == ("partly_upheld", "Half was ours.")
    assert (approved.data["status"], approved.data["decided_by"]) == ("approved", "mgr")
    assert approved.data["rule"]["role"] == "manager"
    assert Complaint.objects.get(pk=c.pk).state == "remedied"
    again = boss.post(f"/compensations/{asked.data['id']}/approve/", {"note": "twice"})
    assert again.status_code == 409

    detail = agent.get(f"/complaints/{c.pk}/").data
    assert detail["compensation_requests"][0]["status"] == "approved"


@pytest.mark.django_db
def test_remedy_with_items_within_authority_is_granted_on_the_spot(api_as, frontline):
    c = complaint_in("apologized")
    response = api_as(frontline).post(
        f"/complaints/{c.pk}/remedy/",
        {
            "message": "Opener by express and a coconut on us.",
            "root_cause": "Packer forgot the opener",
            "outcome": "upheld",
            "compensations": [
                {"kind": "shipping_refund", "amount": "14.90", "currency": "EUR", "quantity": 1},
                {
                    "kind": "gift",
                    "amount": "3.50",
                    "currency": "EUR",
                    "quantity": 1,
                    "note": "one young coconut",
                },
            ],
        },
    )
    assert response.status_code == 200, response.data
    assert response.data["state"] == "remedied"
    assert [r["status"] for r in response.data["compensation_requests"]] == ["granted", "granted"]


@pytest.mark.django_db
def test_reject_returns_the_complaint_and_return_rejects_pending(api_as, frontline, manager):
    c = complaint_in("apologized")
    asked = api_as(frontline).post(
        f"/complaints/{c.pk}/compensations/",
        {"kind": "refund", "amount": "400.00", "currency": "EUR"},
    )
    no_note = api_as(manager).post(f"/compensations/{asked.data['id']}/reject/", {})
    assert no_note.status_code == 400 and "note" in no_note.data["fields"]
    rejected = api_as(manager).post(
        f"/compensations/{asked.data['id']}/reject/", {"note": "Offer a voucher instead"}
    )
    assert rejected.status_code == 200 and rejected.data["status"] == "rejected"
    assert Complaint.objects.get(pk=c.pk).state == "apologized"

    c2 = complaint_in("apologized")
    asked2 = api_as(frontline).post(
        f"/complaints/{c2.pk}/compensations/",
        {"kind": "refund", "amount": "400.00", "currency": "EUR"},
    )
    back = api_as(manager).post(f"/complaints/{c2.pk}/return/", {"note": "Try a voucher"})
    assert back.status_code == 200 and back.data["state"] == "apologized"
    req = CompensationRequest.objects.get(pk=asked2.data["id"])
    assert (req.status, req.decided_by_id) == ("rejected", manager.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"kind": "refund", "amount": "-5.00", "currency": "EUR"}, 400, "amount"),
        ({"kind": "refund", "amount": 5.0, "currency": "EUR"}, 400, "amount"),
        ({"kind": "refund", "amount": "5.001", "currency": "EUR"}, 400, "amount"),
        ({"kind": "bribe", "amount": "5.00", "currency": "EUR"}, 400, "kind"),
        ({"kind": "refund", "amount": "5.00", "currency": "eur"}, 400, "currency"),
        ({"kind": "refund", "amount": "0", "currency": "EUR"}, 400, "amount"),
        ({"kind": "refund", "amount": "5.00", "currency": "USD"}, 422, None),
    ],
)
def test_bad_compensation_input_writes_nothing(api_as, frontline, body, status, field):
    c = complaint_in("apologized")
    logs = TransitionLog.objects.count()
    response = api_as(frontline).post(f"/complaints/{c.pk}/compensations/", body)
    assert response.status_code == status, response.data
    assert set(response.data) == {"code", "message", "fields"}
    if field:
        assert field in response.data["fields"]
    assert CompensationRequest.objects.count() == 0
    assert TransitionLog.objects.count() == logs


@pytest.mark.django_db
def test_compensation_endpoints_refuse_strangers(api_as, outsider, frontline):
    c = complaint_in("apologized")
    body = {"kind": "refund", "amount": "5.00", "currency": "EUR"}
    assert api_as(outsider).post(f"/complaints/{c.pk}/compensations/", body).status_code == 403
    assert api_as(frontline).post("/complaints/999999/compensations/", body).status_code == 404
    assert api_as(frontline).post("/compensations/999999/approve/", {}).status_code == 404
    assert api_as(frontline).get("/compensations/", status="granted").status_code == 400


@pytest.mark.django_db
def test_remedy_item_errors_name_the_api_fields(api_as, frontline):
    c = complaint_in("apologized")
    response = api_as(frontline).post(
        f"/complaints/{c.pk}/remedy/",
        {
            "message": "m",
            "root_cause": "r",
            "outcome": "upheld",
            "compensations": [
                {"kind": "gift", "amount": "1.00", "currency": "EUR"},
                {"kind": "refund", "amount": "0", "currency": "EUR"},
            ],
        },
    )
    assert response.status_code == 400
    assert list(response.data["fields"]) == ["compensations.1.amount"]
    assert Complaint.objects.get(pk=c.pk).state == "apologized"
