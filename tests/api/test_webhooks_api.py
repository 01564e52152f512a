"""Webhook subscriptions over the API and their delivery log: URL rules, unsubscribing, what an
integration may read of its log, and the schema of it all."""

import pytest
import yaml
from django.test import Client

from tests.factories import complaint_new
from tests.receivers import Receiver
from tests.webhooks.test_addresses import INTERNAL
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

MARKER = "RECEIVER-SAID-THIS"


@pytest.fixture
def receiver():
    r = Receiver(statuses=[500], body=MARKER.encode())
    yield r
    r.close()


@pytest.mark.django_db
def test_subscribe_list_log_and_unsubscribe(api_as, integration, frontline, receiver):
    api = api_as(integration)
    created = api.post("/webhooks/", {"url": receiver.url, "events": ["complaint.created"]})
    assert created.status_code == 201, created.data
    assert len(created.data["secret"]) >= 16  # generated, shown once
    sub_id = created.data["id"]
    listed = api.get("/webhooks/").data
    assert [s["id"] for s in listed] == [sub_id] and "secret" not in listed[0]
    assert api_as(frontline).get("/webhooks/").data == []  # only your own

    services.outbox_record_many(
        events=[("complaint.created", {"internal": 1}, {"reference": "C-1"}, [integration.pk])]
    )
    services.webhook_pump()  # the receiver answers 500: one failed attempt, logged
    response = api.get(f"/webhooks/{sub_id}/deliveries/")
    log = response.data["results"]
    assert len(log) == 1
    assert (log[0]["event_type"], log[0]["status"], log[0]["attempts"]) == (
        "complaint.created",
        "pending",
        1,
    )
    (attempt,) = log[0]["attempts_log"]
    assert attempt["status_code"] == 500 and attempt["duration_ms"] >= 0
    # Status and timing, never the receiver's answer (staff read that in the admin).
    assert set(attempt) == {"number", "started_at", "duration_ms", "status_code", "error"}
    assert MARKER not in response.content.decode()
    assert services.WebhookAttempt.objects.get().response_excerpt == MARKER

    assert api_as(frontline).get(f"/webhooks/{sub_id}/deliveries/").status_code == 404
    assert api._send("delete", f"/webhooks/{sub_id}/").status_code == 204
    assert not WebhookSubscription.objects.get(pk=sub_id).is_active
    assert WebhookDelivery.objects.get().status == "cancelled"  # never retried
    assert api.get("/webhooks/").data == []
    assert api.get(f"/webhooks/{sub_id}/deliveries/").status_code == 404
    assert api._send("delete", f"/webhooks/{sub_id}/").status_code == 404


@pytest.mark.django_db
def test_staff_read_their_log_without_the_body_too(api_as, frontline, receiver):
    api = api_as(frontline)
    sub_id = api.post("/webhooks/", {"url": receiver.url, "events": ["complaint.created"]}).data[
        "id"
    ]
    complaint_new()
    services.webhook_pump()
    response = api.get(f"/webhooks/{sub_id}/deliveries/")
    assert response.data["results"][0]["attempts_log"][0]["status_code"] == 500
    assert MARKER not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://x.test/", "events": ["complaint.created"]}, "url"),
        ({"url": "http://127.0.0.1:abc/", "events": ["complaint.created"]}, "url"),
        ({"url": "http://x.test:99999/", "events": ["complaint.created"]}, "url"),
        ({"url": "http://me:pw@x.test/", "events": ["complaint.created"]}, "url"),
        ({"url": "http://bad_host.test/", "events": ["complaint.created"]}, "url"),
        ({"url": "https://x.test/" + "a" * 490, "events": ["complaint.created"]}, "url"),
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
def test_a_malformed_port_is_refused_with_a_clear_sentence(api_as, integration):
    body = {"url": "http://127.0.0.1:abc/", "events": ["complaint.created"]}
    response = api_as(integration).post("/webhooks/", body)
    assert response.status_code == 400
    assert response.data["fields"]["url"] == ["The port must be a number from 1 to 65535."]


@pytest.mark.django_db
@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_at_subscribe_when_not_allowed(
    api_as, integration, url, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    response = api_as(integration).post("/webhooks/", {"url": url, "events": ["complaint.created"]})
    assert response.status_code == 400, url
    (message,) = response.data["fields"]["url"]
    assert "webhooks are only sent to public addresses" in message
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_metadata_is_refused_even_in_development(api_as, integration):
    for url in ("http://169.254.169.254/latest/", "http://metadata.google.internal/"):
        body = {"url": url, "events": ["complaint.created"]}
        assert api_as(integration).post("/webhooks/", body).status_code == 400
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["complaint.created"]}
    assert api_as(integration).post("/webhooks/", body).status_code == 201  # allowed here


@pytest.mark.django_db
def test_strangers_cannot_subscribe(api_as, outsider):
    body = {"url": "https://x.test/", "events": ["complaint.created"]}
    assert api_as(outsider).post("/webhooks/", body).status_code == 403


@pytest.mark.django_db
def test_the_schema_says_the_log_is_a_cursor_page_and_events_an_enum():
    document = yaml.safe_load(Client().get("/api/v1/schema/").content)
    op = document["paths"]["/api/v1/webhooks/{subscription_id}/deliveries/"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert page["type"] == "object" and {"next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["items"]["$ref"] == "#/components/schemas/DeliveryOut"
    assert {p["name"] for p in op["parameters"]} >= {"cursor", "page_size"}
    schemas = document["components"]["schemas"]
    event = {"$ref": "#/components/schemas/WebhookEventEnum"}
    assert schemas["SubscriptionOut"]["properties"]["events"]["items"] == event
    assert schemas["SubscriptionInRequest"]["properties"]["events"]["items"] == event
    assert schemas["DeliveryOut"]["properties"]["event_type"] == event
    assert "response_excerpt" not in schemas["AttemptOut"]["properties"]
    enum = schemas["WebhookEventEnum"]["enum"]
    assert "compensation.rejected" in enum and len(enum) == 8
    status = schemas["DeliveryOut"]["properties"]["status"]["$ref"].rsplit("/", 1)[1]
    assert "cancelled" in schemas[status]["enum"]
