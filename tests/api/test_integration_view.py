"""What an integration sees: after a full walk of its complaint by staff — internal notes, reasons,
compensation notes and decision notes all carrying a marker — no API answer it gets and no event
meant for it carries the marker or a staff username. Plus: integrations see only their own
complaints, tokens are refused (403, naming the scope) what their scopes do not cover, and a
staff token acts as its staff user.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api.services import api_token_issue
from complaints.models import Complaint, Customer, TransitionLog
from escalation.services.sweep import deadline_sweep
from tests import factories
from tests.api.conftest import INTAKE, Api
from webhooks.models import EVENT_TYPES, OutboxEvent
from webhooks.services import outbox_fan_out

pytestmark = pytest.mark.django_db

MARK = "ZZSECRET"


def later(days: float = 2) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def key_of(user, **kw) -> str:
    return api_token_issue(user=user, **kw)[1]


def leaks(data, usernames) -> list[str]:
    """What of the marker and the usernames appears anywhere in `data`."""
    text = json.dumps(data, default=str)
    return [w for w in (MARK, *usernames) if w in text]


@pytest.fixture
def staff():
    """Staff whose usernames are easy to spot; only the agent has a display name."""
    agent = factories.UserFactory(username="agent_kowalski", groups=["frontline"])
    agent.first_name, agent.last_name = "Anna", "Kowalski"
    agent.save()
    lead = factories.UserFactory(username="lead_nakamura", groups=["team_lead"])
    boss = factories.UserFactory(username="boss_okafor", groups=["manager"])
    return agent, lead, boss


def ok(response, status=200):
    assert response.status_code == status, response.data
    return response


def test_a_full_walk_leaves_nothing_internal_for_the_integration(staff, integration):
    agent, lead, boss = staff
    usernames = [u.username for u in staff]
    shop = Api(key_of(integration))
    a, lt, mg = (Api(key_of(u)) for u in staff)
    seen = []  # every answer the integration got

    def got(response):
        seen.append((response.request["PATH_INFO"], response.status_code, response.data))
        return response

    hook = ok(
        got(shop.post("/webhooks/", {"url": "http://hooks.example/x", "events": EVENT_TYPES})),
        201,
    )
    intake = {**INTAKE, "customer": {**INTAKE["customer"], "external_ref": "shop-cora"}}
    filed = ok(got(shop.post("/complaints/", intake, headers={"Idempotency-Key": "k1"})), 201)
    cid = filed.data["id"]
    url = f"/complaints/{cid}/"

    # The walk, by staff, every internal text carrying the marker.
    ok(a.post(url + "messages/", {"body": f"{MARK} note", "visibility": "internal"}), 201)
    ok(
        a.post(
            url + "acknowledge/",
            {"summary": "No opener", "message": "I understand.", "promised_by": later()},
        )
    )
    granted = a.post(
        url + "compensations/",
        {"kind": "voucher", "amount": "5.00", "currency": "EUR", "note": f"{MARK} voucher"},
    )
    assert ok(granted, 201).data["status"] == "granted"
    ok(a.post(url + "pause/", {"reason": f"{MARK} pause"}))
    ok(a.post(url + "resume/", {}))
    ok(a.post(url + "apologize/", {"message": "We are sorry.", "fault": "company"}))
    ok(a.post(url + "escalate/", {"reason": f"{MARK} escalate"}))
    ok(lt.post(url + "return/", {"note": f"{MARK} return"}))
    big = {
        "message": "A refund.",
        "root_cause": "Packing",
        "outcome": "upheld",
        "compensations": [
            {"kind": "refund", "amount": "300.00", "currency": "EUR", "note": f"{MARK} big"}
        ],
    }
    assert ok(a.post(url + "remedy/", big)).data["state"] == "escalated"  # waits for a manager
    pending = mg.get("/compensations/").data["results"]
    ok(mg.post(f"/compensations/{pending[0]['id']}/reject/", {"note": f"{MARK} rejected"}))
    ok(a.post(url + "remedy/", big))
    pending = mg.get("/compensations/").data["results"]
    ok(mg.post(f"/compensations/{pending[0]['id']}/approve/", {"note": f"{MARK} decision"}))
    assert Complaint.objects.get(pk=cid).state == "remedied"

    # The customer reopens; the sweep escalates it (the bulk path); a manager sets limits.
    reopened = ok(got(shop.post(url + "reopen/", {"message": "It broke again."})))
    assert reopened.data["view"] == "customer" and reopened.data["state"] == "venting"
    ok(got(shop.post(url + "messages/", {"body": "Hello?"})), 201)
    deadline_sweep(now=timezone.now() + timedelta(days=30))
    assert Complaint.objects.get(pk=cid).state == "escalated"
    ok(
        mg.post(
            url + "set_limits/",
            {
                "reason": f"{MARK} limits",
                "message": "We stop here.",
                "outcome": "not_upheld",
                "outcome_reason": "Limits set.",
            },
        )
    )

    # Staff see the marker and the usernames (so the check below can fail).
    staff_detail = ok(mg.get(url)).data
    assert staff_detail["view"] == "staff"
    assert MARK in json.dumps(staff_detail) and "agent_kowalski" in json.dumps(staff_detail)

    # Every endpoint, as the integration.
    detail = ok(got(shop.get(url))).data
    got(shop.get("/complaints/"))
    got(shop.get("/complaints/", search="Coconut"))
    replay = got(shop.post("/complaints/", intake, headers={"Idempotency-Key": "k1"}))
    assert replay["Idempotent-Replayed"] == "true"
    got(shop.post("/complaints/", {**intake, "external_id": "ext-1"}))
    for name in ("acknowledge", "apologize", "remedy", "escalate", "return", "set_limits"):
        assert got(shop.post(url + f"{name}/", {})).status_code == 403
    assert got(shop.post(url + "pause/", {"reason": "x"})).status_code == 403
    assert got(shop.post(url + "reopen/", {"message": "again"})).status_code == 403  # limit_set
    assert got(shop.post(url + "compensations/", {})).status_code == 403
    assert got(shop.get("/compensations/")).status_code == 403
    assert got(shop.post(f"/compensations/{pending[0]['id']}/approve/", {})).status_code == 403
    outbox_fan_out()
    got(shop.get("/webhooks/"))
    deliveries = ok(got(shop.get(f"/webhooks/{hook.data['id']}/deliveries/"))).data
    assert deliveries["results"]

    for path, status, data in seen:
        assert not leaks(data, usernames), (path, status, leaks(data, usernames), data)

    # The customer view holds what the customer may see, and only that.
    assert detail["view"] == "customer" and detail["state"] == "limit_set"
    assert {c["kind"] for c in detail["compensation"]} == {"voucher", "refund"}
    assert detail["compensation"][1] == {
        "kind": "refund",
        "amount": "300.00",
        "currency": "EUR",
        "quantity": 1,
    }
    authors = {e["author"] for e in detail["timeline"] if e["source"] == "staff"}
    assert authors == {"Anna", "Customer care"}
    assert {e["author"] for e in detail["timeline"] if e["source"] == "customer"} == {"Cora Nutley"}
    steps = [(e["from_state"], e["to_state"]) for e in detail["timeline"] if e["kind"] == "step"]
    assert ("remedied", "venting") in steps and ("escalated", "limit_set") in steps
    assert all(e["body"] == "" for e in detail["timeline"] if e["kind"] == "step")
    assert detail["available_transitions"] == []  # only a manager reopens a limit_set one

    # Every event meant for the integration: its public view carries nothing internal.
    events = list(OutboxEvent.objects.order_by("occurred_at", "id"))
    mine = [e for e in events if integration.pk in e.audience]
    assert {e.type for e in mine} >= {
        "complaint.created",
        "complaint.transitioned",
        "compensation.approved",
        "compensation.requested",
    }
    for event in mine:
        assert event.public is not None, event.type
        assert not leaks(event.public, usernames), (event.type, event.public)
    transitioned = [e for e in events if e.type == "complaint.transitioned"]
    assert all(integration.pk in e.audience for e in transitioned)  # the sweep's too
    assert any(e.payload["actor"] == "system: deadline sweep" for e in transitioned)
    staff_only = [
        e
        for e in events
        if e.type in ("deadline.warned", "deadline.breached", "compensation.rejected")
        or (e.type == "compensation.requested" and e.payload["request"]["status"] == "pending")
    ]
    assert staff_only and all(e.public is None and e.audience == [] for e in staff_only)
    approved = next(e for e in events if e.type == "compensation.approved")
    assert approved.public["granted"] == [detail["compensation"][1]]
    assert any(MARK in json.dumps(e.payload) for e in events)  # staff payloads keep the reasons


def test_another_integration_sees_none_of_the_first_ones_complaints(integration, frontline):
    other = factories.UserFactory(username="othershop", groups=["integration"], is_staff=False)
    shop, them = Api(key_of(integration)), Api(key_of(other))
    filed = shop.post("/complaints/", INTAKE).data["id"]
    # Filed by staff for a customer the shop owns: the shop sees it too.
    owned = factories.complaint_in("remedied", customer_email="own@example.com")
    Customer.objects.filter(pk=owned.customer_id).update(owner=integration)
    staff_only = factories.complaint_in("remedied")

    listed = {row["id"] for row in shop.get("/complaints/").data["results"]}
    assert listed == {filed, owned.pk}
    assert shop.get(f"/complaints/{staff_only.pk}/").status_code == 404
    assert them.get("/complaints/").data["results"] == []
    before = (TransitionLog.objects.count(), Complaint.objects.get(pk=owned.pk).version)
    for cid in (filed, owned.pk):
        for response in (
            them.get(f"/complaints/{cid}/"),
            them.post(f"/complaints/{cid}/messages/", {"body": "hi"}),
            them.post(f"/complaints/{cid}/reopen/", {"message": "again"}),
        ):
            assert response.status_code == 404, response.data
            assert response.data["code"] == "not_found"
    assert (TransitionLog.objects.count(), Complaint.objects.get(pk=owned.pk).version) == before
    assert them.post(f"/complaints/{filed}/compensations/", {}).status_code == 403
    # An external_id is its filer's own: the same id from another system files that system's
    # own complaint and shows nothing of the first.
    first = shop.post("/complaints/", {**INTAKE, "external_id": "order-1"})
    clash = them.post("/complaints/", {**INTAKE, "external_id": "order-1"})
    assert (first.status_code, clash.status_code) == (201, 201)
    assert clash.data["id"] != first.data["id"]
    assert first.data["reference"] not in json.dumps(clash.data)
    # The owner may reopen what staff filed for its customer.
    assert shop.post(f"/complaints/{owned.pk}/reopen/", {"message": "No."}).status_code == 200


@pytest.mark.parametrize(
    ("scopes", "method", "path", "body", "needs"),
    [
        (["complaints:read"], "post", "/complaints/", INTAKE, ["complaints:file"]),
        (["complaints:file"], "get", "/complaints/", None, ["complaints:read"]),
        (["complaints:read"], "get", "/webhooks/", None, ["webhooks:manage"]),
        (["complaints:read"], "post", "/complaints/{id}/reopen/", {"message": "x"}, None),
        (["complaints:read"], "post", "/complaints/{id}/messages/", {"body": "x"}, None),
    ],
)
def test_a_missing_scope_is_a_403_naming_it(integration, scopes, method, path, body, needs):
    complaint = factories.complaint_in("remedied", actor=integration)
    api = Api(key_of(integration, scopes=scopes))
    path = path.format(id=complaint.pk)
    response = api.get(path) if method == "get" else api.post(path, body)
    assert response.status_code == 403, response.data
    wanted = needs or ["customer:act", "staff"]
    assert response.data["code"] == "not_permitted"
    assert response.data["fields"]["scope"] == wanted
    assert all(f"`{s}`" in response.data["message"] for s in wanted)
    assert Complaint.objects.get(pk=complaint.pk).state == "remedied"


def test_a_staff_token_acts_as_its_staff_user_and_without_staff_reads_the_customer_view(
    frontline,
):
    complaint = factories.complaint_in("venting")
    url = f"/complaints/{complaint.pk}/"
    reader = Api(key_of(frontline, name="reader", scopes=["complaints:read"]))
    view = reader.get(url)
    assert view.status_code == 200 and view.data["view"] == "customer"
    refused = reader.post(
        url + "acknowledge/", {"summary": "s", "message": "m", "promised_by": later()}
    )
    assert refused.status_code == 403 and refused.data["fields"]["scope"] == ["staff"]
    note = Api(key_of(frontline, name="talker", scopes=["customer:act"])).post(
        url + "messages/", {"body": "psst", "visibility": "internal"}
    )
    assert note.status_code == 403 and note.data["fields"]["scope"] == ["staff"]

    worker = Api(key_of(frontline, name="worker"))  # default: every scope the role allows
    done = worker.post(
        url + "acknowledge/", {"summary": "s", "message": "m", "promised_by": later()}
    )
    assert done.status_code == 200 and done.data["view"] == "staff"
    log = TransitionLog.objects.filter(complaint=complaint, transition="acknowledge").get()
    assert log.actor == frontline


def test_a_session_has_every_scope_of_its_role(frontline):
    from django.test import Client

    complaint = factories.complaint_in("venting")
    client = Client()
    client.force_login(frontline)
    response = client.get(f"/api/v1/complaints/{complaint.pk}/")
    assert response.status_code == 200 and response.json()["view"] == "staff"
