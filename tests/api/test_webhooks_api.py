"""Webhook subscriptions over the API and their delivery log."""

import pytest

from tests.factories import complaint_new
from webhooks import services
from webhooks.models import WebhookSubscription


@pytest.mark.django_db
def test_subscribe_list_log_and_unsubscribe(api_as, integration, frontline):
    api = api_as(integration)
    created = api.post(
        "/webhooks/",
        {"url": "http://127.0.0.1:9/hooks", "events": ["complaint.created"]},
    )
    assert created.status_code == 201, created.data
    assert len(created.data["secret"]) >= 16  # generated, shown once
    sub_id = created.data["id"]
    listed = api.get("/webhooks/").data
    assert [s["id"] for s in listed] == [sub_id] and "secret" not in listed[0]
    assert api_as(frontline).get("/webhooks/").data == []  # only your own

    complaint_new()
    services.webhook_pump()  # the receiver is unreachable: one failed attempt, logged
    log = api.get(f"/webhooks/{sub_id}/deliveries/").data["results"]
    assert len(log) == 1
    assert (log[0]["event_type"], log[0]["status"], log[0]["attempts"]) == (
        "complaint.created",
        "pending",
        1,
    )
    assert log[0]["attempts_log"][0]["error"]

    assert api_as(frontline).get(f"/webhooks/{sub_id}/deliveries/").status_code == 404
    assert api._send("delete", f"/webhooks/{sub_id}/").status_code == 204
    assert not WebhookSubscription.objects.get(pk=sub_id).is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://x.test/", "events": ["complaint.created"]}, "url"),
        ({"url": "https://x.test/", "events": []}, "events"),
        ({"url": "https://x.test/", "events": ["complaint.exploded"]}, "events"),
        ({"url": "https://x.test/", "events": ["complaint.created"], "secret": "short"}, "secret"),
        ({"events": ["complaint.created"]}, "url"),
    ],
)
def test_bad_subscriptions_are_400_and_write_nothing(api_as, integration, body, field):
    response = api_as(integration).post("/webhooks/", body)
    assert response.status_code == 400
    assert any(key.split(".")[0] == field for key in response.data["fields"])
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_strangers_cannot_subscribe(api_as, outsider):
    body = {"url": "https://x.test/", "events": ["complaint.created"]}
    assert api_as(outsider).post("/webhooks/", body).status_code == 403
