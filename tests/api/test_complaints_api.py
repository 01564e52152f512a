"""Every complaints endpoint: success and each refusal (401/403/404/409/422), idempotency."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import IdempotencyRecord
from complaints import services
from complaints.models import Complaint, Message, TransitionLog
from tests import factories
from tests.api.conftest import INTAKE, Api


def later(days: float = 1) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def counts():
    return (
        Complaint.objects.count(),
        Message.objects.count(),
        TransitionLog.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def state_of(complaint_id: int) -> str:
    return Complaint.objects.get(pk=complaint_id).state


# --- intake ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intake_files_the_complaint(api_as, integration):
    response = api_as(integration).post("/complaints/", INTAKE)
    assert response.status_code == 201
    body = response.data
    assert body["state"] == "venting" and body["reference"].startswith("CMP-")
    assert body["customer"]["email"] == "cora@example.com"
    assert body["description"] == INTAKE["description"]
    assert body["available_transitions"] == []  # an integration cannot acknowledge
    complaint = Complaint.objects.get(pk=body["id"])
    assert complaint.description == INTAKE["description"]


@pytest.mark.django_db
def test_intake_defaults_and_verbatim_description(api_as, frontline):
    words = "  Still   angry!\n\n"
    body = {
        "customer": {"name": "A", "email": "a@example.com"},
        "subject": "S",
        "description": words,
    }
    response = api_as(frontline).post("/complaints/", body)
    assert response.status_code == 201
    assert response.data["channel"] == "api" and response.data["category"] == "other"
    assert Complaint.objects.get(pk=response.data["id"]).description == words


@pytest.mark.django_db
def test_idempotency_key_replays_first_response(api_as, integration):
    api = api_as(integration)
    first = api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "order-5521-1"})
    before = counts()
    again = api.post(
        "/complaints/",
        {**INTAKE, "customer": dict(reversed(INTAKE["customer"].items()))},  # same JSON, new order
        headers={"Idempotency-Key": "order-5521-1"},
    )
    assert again.status_code == first.status_code == 201
    assert again.data == first.data
    assert again["Idempotent-Replayed"] == "true"
    assert counts() == before


@pytest.mark.django_db
def test_idempotency_key_with_other_body_is_422(api_as, integration):
    api = api_as(integration)
    api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k1"})
    before = counts()
    response = api.post(
        "/complaints/", {**INTAKE, "subject": "Something else"}, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422
    assert response.data["code"] == "rule_violated"
    assert "Idempotency-Key" in response.data["fields"]
    assert counts() == before


@pytest.mark.django_db
def test_idempotency_key_on_another_endpoint_is_422(api_as, integration):
    api = api_as(integration)
    filed = api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k2"})
    response = api.post(
        f"/complaints/{filed.data['id']}/messages/",
        {"body": "Hi"},
        headers={"Idempotency-Key": "k2"},
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_idempotency_keys_are_per_caller(api_as, integration, frontline):
    a = api_as(integration).post("/complaints/", INTAKE, headers={"Idempotency-Key": "same"})
    b = api_as(frontline).post("/complaints/", INTAKE, headers={"Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201
    assert a.data["id"] != b.data["id"]


@pytest.mark.django_db
def test_failed_call_stores_no_key_so_a_retry_can_succeed(api_as, integration):
    api = api_as(integration)
    bad = api.post("/complaints/", {**INTAKE, "subject": ""}, headers={"Idempotency-Key": "k3"})
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    good = api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k3"})
    assert good.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_bad_idempotency_key_is_400(api_as, integration, key):
    response = api_as(integration).post("/complaints/", INTAKE, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.data["fields"]
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_an_external_ref_of_another_customer_is_a_409_that_files_nothing(api_as, integration):
    """One customer per person through the API: the shop's reference of Cora, sent with another
    email address, is refused with a sentence saying what to do, and without Cora's data."""
    owned = {**INTAKE, "customer": {**INTAKE["customer"], "external_ref": "shop-cust-1"}}
    assert api_as(integration).post("/complaints/", owned).status_code == 201
    other = factories.UserFactory(username="shop2", groups=["integration"], is_staff=False)
    before = counts()
    for body in (
        {**owned, "customer": {**owned["customer"], "email": "mallory@example.com"}},
        owned,  # the right email, but the reference is the first integration's
    ):
        response = api_as(other).post("/complaints/", body, headers={"Idempotency-Key": "m-1"})
        assert response.status_code == 409, response.data
        assert response.data["code"] == "conflict"
        message = response.data["message"]
        assert message.endswith(".") and "external_ref" in message
        assert list(response.data["fields"]) == ["customer.external_ref"]
        assert "cora@example.com" not in str(response.data) and "1234" not in str(response.data)
    assert counts() == before  # no complaint, no message, no idempotency record


@pytest.mark.django_db
def test_external_id_never_duplicates(api_as, integration):
    api = api_as(integration)
    first = api.post("/complaints/", {**INTAKE, "external_id": "shop-77"})
    second = api.post("/complaints/", {**INTAKE, "external_id": "shop-77", "subject": "Retry"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data["id"] == second.data["id"]
    assert Complaint.objects.filter(external_id="shop-77").count() == 1


@pytest.mark.django_db
def test_an_external_id_is_the_filers_own(api_as, integration):
    """Two shops may both have an "order-1": the second shop gets its own complaint, not the
    first shop's (which it must never see)."""
    other = factories.UserFactory(username="other-shop", groups=["integration"], is_staff=False)
    first = api_as(integration).post("/complaints/", {**INTAKE, "external_id": "order-1"})
    theirs = api_as(other).post(
        "/complaints/",
        {
            **INTAKE,
            "customer": {"name": "Olli", "email": "olli@example.com"},
            "external_id": "order-1",
        },
    )
    again = api_as(other).post("/complaints/", {**INTAKE, "external_id": "order-1"})
    assert (first.status_code, theirs.status_code, again.status_code) == (201, 201, 200)
    assert theirs.data["id"] != first.data["id"]
    assert again.data["id"] == theirs.data["id"]
    assert Complaint.objects.filter(external_id="order-1").count() == 2


@pytest.mark.django_db
def test_outsider_cannot_file(api_as, outsider):
    response = api_as(outsider).post("/complaints/", INTAKE)
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


# --- list --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters(api_as, frontline, lead):
    venting = factories.complaint_new(category="billing")
    acked = factories.complaint_in("acknowledged")
    escalated = factories.complaint_in("escalated")
    services.complaint_assign(complaint_id=acked.pk, actor=frontline, assignee=frontline)
    late = factories.complaint_in("acknowledged", subject="Late parcel here")
    Complaint.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timedelta(hours=1))
    api = api_as(frontline)

    def ids(**query):
        response = api.get("/complaints/", **query)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids() == {venting.pk, acked.pk, escalated.pk, late.pk}
    assert ids(state="escalated") == {escalated.pk}
    assert ids(category="billing") == {venting.pk}
    assert ids(assignee="me") == {acked.pk}
    assert ids(assignee=str(frontline.pk)) == {acked.pk}
    assert ids(assignee=str(lead.pk)) == set()
    # `late` was acknowledged by an agent, who took it then; `escalated` waits for its tier.
    assert ids(assignee="none") == {venting.pk, escalated.pk}
    assert ids(overdue="true") == {late.pk}
    assert late.pk not in ids(overdue="false")
    assert ids(search="late parcel") == {late.pk}
    assert ids(search=venting.reference) == {venting.pk}
    future = (timezone.now() + timedelta(minutes=5)).isoformat()
    assert ids(updated_since=future) == set()
    rows = api.get("/complaints/", overdue="true").data["results"]
    assert rows[0]["overdue"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"state": "closed"},
        {"category": "nope"},
        {"overdue": "maybe"},
        {"overdue": ""},
        {"overdue": "null"},
        {"assignee": "bob"},
        {"assignee": "9" * 30},
        {"updated_since": "yesterday"},
        {"search": "x" * 201},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "ten"},
        {"cursor": "garbage"},
        {"cursor": "cD1hYmM="},  # base64 of p=abc: a position that is not an id
    ],
)
def test_list_bad_query_is_400(api_as, frontline, query):
    response = api_as(frontline).get("/complaints/", **query)
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"


@pytest.mark.django_db
def test_cursor_pagination_walks_everything_once(api_as, frontline):
    filed = {factories.complaint_new().pk for _ in range(25)}
    api = api_as(frontline)
    seen, url = [], "/complaints/?page_size=10"
    pages = 0
    while url:
        response = api.get(url.replace("http://testserver", ""))
        assert response.status_code == 200
        seen += [row["id"] for row in response.data["results"]]
        url = response.data["next"]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25 and set(seen) == filed
    assert seen == sorted(seen, reverse=True)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_page_size(api_as, frontline):
    for i in range(110):
        c = factories.complaint_new()
        if i % 2:
            services.complaint_assign(complaint_id=c.pk, actor=frontline, assignee=frontline)
    api = api_as(frontline)
    api.get("/complaints/")  # warm up: token last_used_at write, caches

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/complaints/", page_size=str(page_size))
        assert response.status_code == 200
        assert len(response.data["results"]) == page_size
        return len(ctx.captured_queries)

    small, large = queries(10), queries(100)
    print("queries per list page:", small, large)
    assert small == large
    assert small <= 4  # token+user, roles, the page


@pytest.mark.django_db
def test_the_integrations_list_query_count_does_not_grow_with_page_size(api_as, integration):
    for _ in range(110):
        factories.complaint_new(actor=integration)
    api = api_as(integration)
    api.get("/complaints/")

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/complaints/", page_size=str(page_size))
        assert len(response.data["results"]) == page_size
        assert {row["view"] for row in response.data["results"]} == {"customer"}
        return len(ctx.captured_queries)

    small, large = queries(10), queries(100)
    assert small == large <= 4


# --- detail ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_and_404(api_as, frontline):
    complaint = factories.complaint_in("acknowledged")
    api = api_as(frontline)
    response = api.get(f"/complaints/{complaint.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{complaint.version}"'
    assert response.data["available_transitions"] == [
        "apologize",
        "escalate",
        "set_limits",
        "merge",  # into another open complaint of the customer's; the call names which
        "pause",
    ]
    missing = api.get("/complaints/999999/")
    assert missing.status_code == 404 and missing.data["code"] == "not_found"
    assert api.get("/complaints/99999999999999999999999/").status_code == 404
    assert api.get("/complaints/abc/").data["code"] == "not_found"
    assert api.get("/nowhere").data["code"] == "not_found"


@pytest.mark.django_db
def test_integrations_never_see_internal_notes(api_as, frontline, integration):
    complaint = factories.complaint_in(
        "escalated", actor=integration
    )  # writes an internal "Escalated: ..." entry
    services.message_add(
        complaint_id=complaint.pk, actor=frontline, body="Customer is rude", visibility="internal"
    )
    services.message_add(complaint_id=complaint.pk, actor=frontline, body="We are on it")
    staff = api_as(frontline).get(f"/complaints/{complaint.pk}/").data["timeline"]
    shop = api_as(integration).get(f"/complaints/{complaint.pk}/").data["timeline"]
    assert any(e["body"] == "Customer is rude" for e in staff)
    assert any(e["kind"] == "step" for e in staff)
    assert "visibility" not in shop[0]  # the customer view has only public entries
    messages = [e for e in shop if e["kind"] == "message"]
    assert [e["body"] for e in messages] == [complaint.description, "We are on it"]
    assert [(e["from_state"], e["to_state"], e["body"]) for e in shop if e["kind"] == "step"] == [
        ("venting", "escalated", "")
    ]
    # The replay of a stored staff answer is never shown to an integration either: keys are per user.


# --- transitions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coconut_walk_to_remedied_and_reopen(api_as, frontline, integration):
    shop, agent = api_as(integration), api_as(frontline)
    cid = shop.post("/complaints/", INTAKE).data["id"]
    steps = [
        (
            "acknowledge",
            {"summary": "Opener missing", "message": "I understand.", "promised_by": later()},
        ),
        ("apologize", {"message": "We are sorry, the packer forgot it.", "fault": "company"}),
        (
            "remedy",
            {
                "message": "Opener by express.",
                "root_cause": "Packing",
                "outcome": "upheld",
                "compensations": [],
            },
        ),
    ]
    for name, body in steps:
        response = agent.post(f"/complaints/{cid}/{name}/", body)
        assert response.status_code == 200, response.data
    assert response.data["state"] == "remedied"
    assert response.data["fault"] == "company" and response.data["root_cause"] == "Packing"
    assert shop.get(f"/complaints/{cid}/").data["available_transitions"] == ["reopen"]
    reopened = shop.post(f"/complaints/{cid}/reopen/", {"message": "Opener broke at once."})
    assert reopened.status_code == 200 and reopened.data["state"] == "venting"
    assert reopened.data["view"] == "customer" and "reopen_count" not in reopened.data
    assert Complaint.objects.get(pk=cid).reopen_count == 1


@pytest.mark.django_db
def test_escalate_and_return(api_as, frontline, lead):
    complaint = factories.complaint_in("apologized")
    escalated = api_as(frontline).post(f"/complaints/{complaint.pk}/escalate/", {"reason": "Big"})
    assert escalated.status_code == 200 and escalated.data["state"] == "escalated"
    assert escalated.data["tier"] == "team_lead"
    refused = api_as(frontline).post(f"/complaints/{complaint.pk}/return/", {"note": "x"})
    assert refused.status_code == 403 and refused.data["code"] == "not_permitted"
    returned = api_as(lead).post(f"/complaints/{complaint.pk}/return/", {"note": "Do it"})
    assert returned.status_code == 200 and returned.data["state"] == "apologized"


@pytest.mark.django_db
def test_set_limits_rules(api_as, frontline, manager):
    venting = factories.complaint_new()
    before = counts()
    assert (
        api_as(frontline)
        .post(
            f"/complaints/{venting.pk}/set_limits/",
            {
                "reason": "r",
                "message": "m",
                "outcome": "not_upheld",
                "outcome_reason": "Limits set.",
            },
        )
        .status_code
        == 403
    )
    no_flag = api_as(manager).post(
        f"/complaints/{venting.pk}/set_limits/",
        {"reason": "r", "message": "m", "outcome": "not_upheld", "outcome_reason": "Limits set."},
    )
    assert no_flag.status_code == 422 and "abuse" in no_flag.data["fields"]
    assert counts() == before
    done = api_as(manager).post(
        f"/complaints/{venting.pk}/set_limits/",
        {
            "reason": "Threats",
            "message": "Bye",
            "outcome": "not_upheld",
            "outcome_reason": "Limits set.",
            "abuse": True,
        },
    )
    assert done.status_code == 200 and done.data["state"] == "limit_set"


@pytest.mark.django_db
def test_pause_and_resume(api_as, frontline, integration):
    complaint = factories.complaint_in("acknowledged")
    api = api_as(frontline)
    url = f"/complaints/{complaint.pk}/"
    assert api_as(integration).post(url + "pause/", {"reason": "x"}).status_code == 403
    paused = api.post(url + "pause/", {"reason": "Waiting for photos", "until": later(2)})
    assert paused.status_code == 200 and paused.data["paused"] is True
    assert "resume" in paused.data["available_transitions"]
    twice = api.post(url + "pause/", {"reason": "again"})
    assert twice.status_code == 409 and twice.data["code"] == "invalid_transition"
    resumed = api.post(url + "resume/")
    assert resumed.status_code == 200 and resumed.data["paused"] is False
    assert api.post(url + "resume/", {}).status_code == 409


@pytest.mark.django_db
def test_wrong_state_is_409_and_writes_nothing(api_as, frontline):
    complaint = factories.complaint_new()
    before = counts()
    response = api_as(frontline).post(
        f"/complaints/{complaint.pk}/apologize/", {"message": "Sorry", "fault": "company"}
    )
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert counts() == before


@pytest.mark.django_db
def test_integration_may_not_work_complaints(api_as, integration):
    complaint = factories.complaint_new()
    response = api_as(integration).post(
        f"/complaints/{complaint.pk}/acknowledge/",
        {"summary": "s", "message": "m", "promised_by": later()},
    )
    assert response.status_code == 403
    assert state_of(complaint.pk) == "venting"


@pytest.mark.django_db
def test_promise_in_the_past_is_400(api_as, frontline):
    complaint = factories.complaint_new()
    response = api_as(frontline).post(
        f"/complaints/{complaint.pk}/acknowledge/",
        {"summary": "s", "message": "m", "promised_by": "2001-01-01T00:00:00Z"},
    )
    # A promise in the past is refused by the service's input check: 400 with the field named.
    assert response.status_code == 400 and "promised_by" in response.data["fields"]
    assert state_of(complaint.pk) == "venting"


@pytest.mark.django_db
def test_transition_on_missing_complaint_is_404(api_as, frontline):
    response = api_as(frontline).post("/complaints/424242/escalate/", {"reason": "x"})
    assert response.status_code == 404 and response.data["code"] == "not_found"


@pytest.mark.django_db
def test_stale_version_is_409(api_as, frontline):
    complaint = factories.complaint_new()
    api = api_as(frontline)
    stale = complaint.version
    api.post(f"/complaints/{complaint.pk}/pause/", {"reason": "wait"})
    before = counts()
    by_header = api.post(
        f"/complaints/{complaint.pk}/escalate/", {"reason": "x"}, headers={"If-Match": f'"{stale}"'}
    )
    by_field = api.post(
        f"/complaints/{complaint.pk}/escalate/", {"reason": "x", "expected_version": stale}
    )
    assert by_header.status_code == by_field.status_code == 409
    assert by_header.data["code"] == "conflict"
    assert counts() == before
    fresh = api.get(f"/complaints/{complaint.pk}/")["ETag"]
    ok = api.post(
        f"/complaints/{complaint.pk}/escalate/", {"reason": "x"}, headers={"If-Match": fresh}
    )
    assert ok.status_code == 200
    bad = api.post(f"/complaints/{complaint.pk}/resume/", {}, headers={"If-Match": "yesterday"})
    assert bad.status_code == 400 and "If-Match" in bad.data["fields"]


@pytest.mark.django_db
def test_transition_retry_with_key_is_safe(api_as, frontline):
    complaint = factories.complaint_new()
    api = api_as(frontline)
    body = {"reason": "Needs a lead"}
    first = api.post(
        f"/complaints/{complaint.pk}/escalate/", body, headers={"Idempotency-Key": "e1"}
    )
    again = api.post(
        f"/complaints/{complaint.pk}/escalate/", body, headers={"Idempotency-Key": "e1"}
    )
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert TransitionLog.objects.filter(complaint=complaint, transition="escalate").count() == 1


# --- messages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_messages(api_as, frontline, integration):
    complaint = factories.complaint_new(actor=integration)
    url = f"/complaints/{complaint.pk}/messages/"
    note = api_as(frontline).post(url, {"body": "Rude again", "visibility": "internal"})
    assert note.status_code == 201 and note.data["visibility"] == "internal"
    reply = api_as(integration).post(url, {"body": "Any news?"})
    assert reply.status_code == 201
    assert reply.data["kind"] == "customer" and reply.data["author"] == complaint.customer.name
    before = counts()
    refused = api_as(integration).post(url, {"body": "psst", "visibility": "internal"})
    assert refused.status_code == 403
    assert api_as(frontline).post("/complaints/999999/messages/", {"body": "x"}).status_code == 404
    assert counts() == before


@pytest.mark.django_db
def test_message_retry_with_key_is_not_duplicated(api_as, integration):
    complaint = factories.complaint_new(actor=integration)
    api = api_as(integration)
    url = f"/complaints/{complaint.pk}/messages/"
    first = api.post(url, {"body": "Hello?"}, headers={"Idempotency-Key": "m1"})
    again = api.post(url, {"body": "Hello?"}, headers={"Idempotency-Key": "m1"})
    assert first.data == again.data and again.status_code == 201
    assert Message.objects.filter(complaint=complaint, body="Hello?").count() == 1


@pytest.mark.django_db
def test_unauthenticated_transition_is_401(complaint):
    response = Api().post(f"/complaints/{complaint.pk}/escalate/", {"reason": "x"})
    assert response.status_code == 401


@pytest.mark.django_db
def test_higher_apps_add_detail_sections_without_complaints_importing_them(api_as, frontline):
    from complaints import extensions

    complaint = factories.complaint_new()
    fake = lambda c, user: [{"kind": "first_response", "id": c.pk}]  # noqa: E731
    with extensions.override(detail_sections={"deadlines": fake}):  # restored afterwards
        body = api_as(frontline).get(f"/complaints/{complaint.pk}/").data
    assert body["deadlines"] == [{"kind": "first_response", "id": complaint.pk}]
    assert body["compensation_requests"] == []


ENDPOINTS = [
    "acknowledge",
    "apologize",
    "remedy",
    "escalate",
    "return",
    "set_limits",
    "reopen",
    "pause",
    "resume",
    "messages",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_post_endpoint_refuses_strangers_and_missing_complaints(
    name, api_as, manager, outsider
):
    complaint = factories.complaint_new()
    before = counts()
    anonymous = Api().post(f"/complaints/{complaint.pk}/{name}/", {})
    assert anonymous.status_code == 401 and anonymous.data["code"] == "not_authenticated"
    stranger = api_as(outsider).post(f"/complaints/{complaint.pk}/{name}/", {})
    assert stranger.status_code == 403 and stranger.data["code"] == "not_permitted"
    missing = api_as(manager).post(f"/complaints/987654/{name}/", VALID_BODIES[name])
    assert missing.status_code == 404 and missing.data["code"] == "not_found"
    assert counts() == before


VALID_BODIES = {
    "acknowledge": {"summary": "s", "message": "m", "promised_by": "2099-01-01T00:00:00Z"},
    "apologize": {"message": "m", "fault": "company"},
    "remedy": {"message": "m", "root_cause": "r", "outcome": "upheld"},
    "escalate": {"reason": "r"},
    "return": {"note": "n"},
    "set_limits": {
        "reason": "r",
        "message": "m",
        "outcome": "not_upheld",
        "outcome_reason": "Limits set.",
    },
    "reopen": {"message": "m"},
    "pause": {"reason": "r"},
    "resume": {},
    "messages": {"body": "b"},
}


@pytest.mark.django_db
def test_remedy_hands_compensations_to_the_handler_a_higher_app_registers(api_as, frontline):
    from decimal import Decimal

    from complaints import extensions

    seen = {}

    def remedy_with_compensation(*, items, **kwargs):
        seen.update(items=items, **kwargs)
        return services.complaint_remedy(**kwargs)

    complaint = factories.complaint_in("apologized")
    item = {"kind": "gift", "amount": "3.50", "currency": "EUR", "quantity": 1, "note": "coconut"}
    with extensions.override(remedy_handler=remedy_with_compensation):
        response = api_as(frontline).post(
            f"/complaints/{complaint.pk}/remedy/",
            {
                "message": "Opener and a coconut",
                "root_cause": "Packing",
                "outcome": "upheld",
                "compensations": [item],
            },
        )
    assert response.status_code == 200 and response.data["state"] == "remedied"
    assert seen["items"] == [{**item, "amount": Decimal("3.50")}]
    assert seen["actor"] == frontline and seen["complaint_id"] == complaint.pk


@pytest.mark.django_db
def test_detail_lists_the_deadlines(api_as, frontline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # deadlines follow after commit
        complaint = factories.complaint_in("acknowledged")
    deadlines = api_as(frontline).get(f"/complaints/{complaint.pk}/").data["deadlines"]
    by_kind = {d["kind"]: d for d in deadlines}
    assert by_kind["first_response"]["status"] == "met"
    assert by_kind["promise"]["status"] == "pending" and by_kind["promise"]["due_at"]
    assert by_kind["promise"]["paused"] is False
