"""Webhooks end to end against a real local HTTP receiver: signed, retried, logged, once."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from core.errors import InvalidDataError
from tests.factories import complaint_new
from webhooks import services
from webhooks.models import OutboxEvent, WebhookAttempt, WebhookDelivery

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    """A real HTTP server on a free port; answers with the queued status codes, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"nope")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verify(request) -> dict:
    header = request["headers"]["X-Redress-Signature"]
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(
        SECRET.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return json.loads(request["body"])


@pytest.mark.django_db
def test_transition_is_delivered_signed_with_event_id(receiver, frontline):
    services.webhook_subscription_create(
        owner=frontline, url=receiver.url, events=["complaint.transitioned"], secret=SECRET
    )
    c = complaint_new()
    complaint_services.complaint_escalate(complaint_id=c.pk, actor=frontline, reason="big")
    services.webhook_pump()
    assert len(receiver.requests) == 1  # complaint.created is not subscribed
    body = verify(receiver.requests[0])
    assert body["type"] == "complaint.transitioned"
    assert body["data"]["transition"] == "escalate"
    assert body["data"]["reference"] == c.reference
    assert receiver.requests[0]["headers"]["X-Redress-Event-Id"] == body["id"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    # Pumping again (a re-delivered beat task) sends nothing twice.
    services.webhook_pump()
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_failures_are_retried_with_backoff_and_logged(receiver, frontline, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    receiver.statuses = [500, 503]
    services.webhook_subscription_create(
        owner=frontline, url=receiver.url, events=["complaint.created"], secret=SECRET
    )
    complaint_new()
    services.webhook_pump()
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, 500)
    first_retry = d.next_attempt_at
    assert timedelta(seconds=9) < first_retry - timezone.now() <= timedelta(seconds=10)
    assert services.webhook_deliver_due() == 0  # not due yet
    services.webhook_deliver_due(now=first_retry)
    d.refresh_from_db()
    assert (d.attempts, d.last_status_code) == (2, 503)
    assert timedelta(seconds=19) < d.next_attempt_at - timezone.now() <= timedelta(seconds=20)
    services.webhook_deliver_due(now=d.next_attempt_at)
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("succeeded", 3)
    log = list(WebhookAttempt.objects.filter(delivery=d).values_list("number", "status_code"))
    assert log == [(1, 500), (2, 503), (3, 200)]
    ids = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert len(ids) == 1  # the same event id on every retry


@pytest.mark.django_db
def test_unreachable_receiver_gives_up_after_max_attempts(frontline, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    services.webhook_subscription_create(
        owner=frontline, url="http://127.0.0.1:9/nothing", events=["complaint.created"]
    )
    complaint_new()
    services.webhook_pump()
    d = WebhookDelivery.objects.get()
    services.webhook_deliver_due(now=d.next_attempt_at)
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("failed", 2, None)
    assert all(a.error for a in WebhookAttempt.objects.filter(delivery=d))


@pytest.mark.django_db
def test_event_written_only_if_the_change_commits(frontline):
    c = complaint_new()
    before = OutboxEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        complaint_services.complaint_apologize(
            complaint_id=c.pk, actor=frontline, message="Sorry", fault="company"
        )
    assert OutboxEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,events,secret,field",
    [
        ("ftp://example.com/x", ["complaint.created"], "", "url"),
        ("not a url", ["complaint.created"], "", "url"),
        ("https://example.com/x", [], "", "events"),
        ("https://example.com/x", ["complaint.exploded"], "", "events"),
        ("https://example.com/x", ["complaint.created"], "short", "secret"),
    ],
)
def test_subscription_bad_input(url, events, secret, field, frontline):
    with pytest.raises(InvalidDataError) as err:
        services.webhook_subscription_create(owner=frontline, url=url, events=events, secret=secret)
    assert field in err.value.fields


@pytest.mark.django_db
def test_subscription_created_later_gets_no_old_events(receiver, frontline):
    complaint_new()
    services.webhook_subscription_create(
        owner=frontline, url=receiver.url, events=["complaint.created"], secret=SECRET
    )
    services.webhook_pump()
    assert receiver.requests == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_pumps_deliver_each_event_once(receiver):
    from django.db import connection

    from tests.factories import UserFactory

    owner = UserFactory(username="hooks", groups=["integration"])
    services.webhook_subscription_create(
        owner=owner, url=receiver.url, events=["complaint.created"], secret=SECRET
    )
    for _ in range(20):
        complaint_new()
    barrier = threading.Barrier(3)

    def pump():
        barrier.wait()
        try:
            for _ in range(3):
                services.webhook_pump()
        finally:
            connection.close()

    threads = [threading.Thread(target=pump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ids = [json.loads(r["body"])["id"] for r in receiver.requests]
    assert len(ids) == 20 and len(set(ids)) == 20
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 20
