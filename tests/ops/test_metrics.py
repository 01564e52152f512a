"""/metrics: off unless configured (404), token or address required, and Redress' gauges say
what the rows say — computed at scrape time with a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation.models import Deadline
from escalation.services import complaint_next_due_refresh, deadline_sweep
from mail.models import MailStatus, OutboundMail
from tests import factories
from webhooks.models import (
    DeliveryStatus,
    OutboxEvent,
    OutboxMail,
    WebhookDelivery,
    WebhookSubscription,
)

TOKEN = "s3cret-scrape-token"


def gauges(response) -> dict[str, float]:
    """`name{labels}` → value for the redress_* samples of an exposition."""
    assert response.status_code == 200, response.status_code
    out = {}
    for line in response.content.decode().splitlines():
        if line.startswith("redress_"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


@pytest.fixture
def scrape(client, settings):
    settings.REDRESS_METRICS_TOKEN = TOKEN

    def get():
        return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    return get


def test_metrics_do_not_exist_unless_configured(client, db, settings):
    settings.REDRESS_METRICS_TOKEN = ""
    settings.REDRESS_METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(client, db, settings):
    settings.REDRESS_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403


def test_an_allowed_address_needs_no_token(client, db, settings):
    settings.REDRESS_METRICS_TOKEN = ""
    settings.REDRESS_METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403


def test_django_prometheus_metrics_are_there_too(scrape, db):
    body = scrape().content.decode()
    assert "django_http_requests_before_middlewares_total" in body
    assert "# TYPE redress_outbox_backlog gauge" in body


def test_gauges_follow_the_rows(scrape, db):
    before = gauges(scrape())
    assert before['redress_deadlines{when="overdue"}'] == 0
    assert before["redress_sweep_lag_seconds"] == float("inf")
    assert before["redress_sweep_last_finished_timestamp_seconds"] == 0

    now = timezone.now()
    late, soon, later = (factories.complaint_in("venting") for _ in range(3))
    Deadline.objects.filter(complaint=late).update(due_at=now - timedelta(minutes=5))
    Deadline.objects.filter(complaint=soon).update(due_at=now + timedelta(minutes=20))
    Deadline.objects.filter(complaint=later).update(due_at=now + timedelta(hours=5))
    complaint_next_due_refresh(complaint_ids=[late.pk, soon.pk, later.pk])
    OutboxMail.objects.create(to=["lead@x.test"], subject="s", body="b")
    OutboxMail.objects.create(to=["lead@x.test"], subject="s", body="b", failed_at=now)
    sub = WebhookSubscription.objects.create(
        owner=factories.UserFactory(username="hooks"), url="https://h.test/", secret="x"
    )
    event = OutboxEvent.objects.create(type="complaint.created", dispatched_at=now)
    WebhookDelivery.objects.create(event=event, subscription=sub, status=DeliveryStatus.FAILED)
    OutboundMail.objects.filter(complaint=late).update(status=MailStatus.FAILED)

    per_complaint = Deadline.objects.filter(complaint=late).count()  # first response, resolution
    assert per_complaint >= 1

    after = gauges(scrape())
    assert after['redress_deadlines{when="overdue"}'] == per_complaint
    assert after['redress_deadlines{when="due_soon"}'] == per_complaint
    assert after['redress_outbox_backlog{outbox="staff_mail"}'] == 1
    assert after['redress_delivery_failures{channel="staff_mail"}'] == 1
    assert after['redress_delivery_failures{channel="webhook"}'] == 1
    # The intakes' complaint.created events wait for the pump.
    assert (
        after['redress_outbox_backlog{outbox="webhook_events"}']
        == OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
        > 0
    )
    assert after['redress_outbox_oldest_age_seconds{outbox="staff_mail"}'] >= 0
    assert after['redress_delivery_failures{channel="customer_mail"}'] == (
        OutboundMail.objects.filter(status=MailStatus.FAILED).count()
    )

    deadline_sweep(batch_size=100)  # breaches the late one and records the run
    swept = gauges(scrape())
    assert swept['redress_deadlines{when="overdue"}'] == 0
    assert 0 <= swept["redress_sweep_lag_seconds"] < 5
    assert swept["redress_sweep_last_finished_timestamp_seconds"] == pytest.approx(
        timezone.now().timestamp(), abs=5
    )


def test_a_scrape_costs_the_same_queries_however_many_rows(scrape, db):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            scrape()
        return len(ctx.captured_queries)

    factories.complaint_in("venting")
    few = queries()
    for _ in range(5):
        factories.complaint_in("acknowledged")
        OutboxMail.objects.create(to=["a@x.test"], subject="s", body="b")
    assert queries() == few
