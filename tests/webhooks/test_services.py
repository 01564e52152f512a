"""Webhooks end to end against real local HTTP receivers: signed, retried, logged, once; never
redirected, never held past the time limit, never to a refused address; in parallel; for staff
the full payload, for an integration only the public view of the events that concern it."""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services as complaint_services
from core.errors import InvalidDataError, NotFoundError
from tests.factories import UserFactory, complaint_new
from tests.receivers import Receiver
from webhooks import services, transport
from webhooks.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

SECRET = "s3cret-s3cret-s3cret"


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
    owner = UserFactory(username="hooks", groups=["frontline"])  # staff: every event
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


# --- helpers for the tests below ----------------------------------------------------------------


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def subscribe(owner, url: str, events=("complaint.created",)) -> WebhookSubscription:
    return services.webhook_subscription_create(
        owner=owner, url=url, events=list(events), secret=SECRET
    )


def record(kind="complaint.created", payload=None, public=None, audience=()) -> None:
    services.outbox_record_many(events=[(kind, payload or {"n": 1}, public, audience)])


def attempts_of(sub: WebhookSubscription) -> list[WebhookAttempt]:
    return list(WebhookAttempt.objects.filter(delivery__subscription=sub).order_by("number"))


# --- never redirected, never held past the limit, every attempt logged ------------------------


@pytest.mark.django_db
def test_a_redirect_is_not_followed_and_is_a_logged_failure(receivers, frontline):
    target = receivers()
    redirecting = receivers(statuses=[302], headers={"Location": target.url})
    sub = subscribe(frontline, redirecting.url)
    record()
    services.webhook_pump()
    assert len(redirecting.requests) == 1 and target.requests == []
    (attempt,) = attempts_of(sub)
    assert attempt.status_code == 302 and "redirects are not followed" in attempt.error
    assert WebhookDelivery.objects.get().status == "pending"  # retried later, never followed


@pytest.mark.django_db
def test_a_trickling_receiver_is_cut_at_the_total_time_limit(receivers, frontline, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.5
    slow = receivers(trickle=1.0)  # its answer, one byte a second
    sub = subscribe(frontline, slow.url)
    record()
    clock = time.monotonic()
    services.webhook_pump()
    assert time.monotonic() - clock < 3.0
    (attempt,) = attempts_of(sub)
    assert attempt.status_code is None and "1.5 s" in attempt.error
    assert 1400 <= attempt.duration_ms < 2500


@pytest.mark.django_db
def test_one_slow_subscriber_does_not_delay_the_others(receivers, frontline, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    slow_sub = subscribe(frontline, receivers(trickle=1.0).url)
    fast = receivers()
    fast_sub = subscribe(frontline, fast.url)
    record()
    clock = time.monotonic()
    services.webhook_pump()
    (request,) = fast.requests
    assert request["at"] - clock < 1.0  # the fast one was posted at once
    (fast_attempt,) = attempts_of(fast_sub)
    (slow_attempt,) = attempts_of(slow_sub)
    assert fast_attempt.status_code == 200 and fast_attempt.duration_ms < 1000
    assert fast_attempt.pk < slow_attempt.pk  # logged as soon as it ended, not after the slow one
    assert "time limit" in slow_attempt.error


@pytest.mark.django_db
def test_a_bad_url_row_is_a_logged_failed_attempt_and_the_batch_goes_on(receiver, frontline):
    bad = WebhookSubscription.objects.create(
        owner=frontline, url="http://127.0.0.1:abc/", events=["complaint.created"], secret=SECRET
    )
    good = subscribe(frontline, receiver.url)
    record()
    services.webhook_pump()
    (attempt,) = attempts_of(bad)
    assert attempt.status_code is None and "port" in attempt.error
    failed = WebhookDelivery.objects.get(subscription=bad)
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert failed.next_attempt_at - timezone.now() > timedelta(seconds=20)  # backoff, not lease
    assert WebhookDelivery.objects.get(subscription=good).status == "succeeded"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_an_exception_inside_an_attempt_is_logged_and_the_batch_goes_on(
    receiver, frontline, monkeypatch
):
    broken = subscribe(frontline, receiver.url.replace("/hooks", "/broken"))
    good = subscribe(frontline, receiver.url)
    real_post = transport.post

    def post(*, url, **kwargs):
        if url.endswith("/broken"):
            raise RuntimeError("a bug of ours")
        return real_post(url=url, **kwargs)

    monkeypatch.setattr(transport, "post", post)
    record()
    services.webhook_pump()
    (attempt,) = attempts_of(broken)
    assert "RuntimeError" in attempt.error and attempt.response_excerpt == "a bug of ours"
    assert WebhookDelivery.objects.get(subscription=good).status == "succeeded"


@pytest.mark.django_db
def test_a_repeated_attempt_is_never_logged_twice(receiver, frontline):
    sub = subscribe(frontline, receiver.url)
    record()
    services.outbox_fan_out()
    delivery = WebhookDelivery.objects.get()
    outcome = transport.Outcome(status_code=200)
    now = timezone.now()
    first = services._record(delivery=delivery, started=now, duration_ms=1, outcome=outcome)
    again = services._record(delivery=delivery, started=now, duration_ms=1, outcome=outcome)
    assert first is not None and again is None  # claimed with attempts=0; the second finds 1
    assert [a.number for a in attempts_of(sub)] == [1]


# --- addresses at delivery ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_host_name_resolving_to_loopback_is_refused_when_nothing_is_allowed(
    receiver, frontline, settings
):
    sub = subscribe(frontline, f"http://localhost:{receiver.port}/hooks")  # allowed in development
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    record()
    services.webhook_pump()
    assert receiver.requests == []
    (attempt,) = attempts_of(sub)
    assert "loopback" in attempt.error


class FakeDns:
    """The edge of the world: a resolver answering `names` (first answer, then the rest), and
    the real one for anything else."""

    def __init__(self, monkeypatch, names: dict[str, list[str]]):
        self.calls: list[str] = []
        self.names = names
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.names:
                return real(host, port, *args, **kwargs)
            self.calls.append(host)
            answers = self.names[host]
            if not answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            address = answers[0] if len(self.calls) == 1 else answers[-1]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.django_db
def test_a_name_resolving_to_an_internal_address_is_refused(
    receiver, frontline, settings, monkeypatch
):
    dns = FakeDns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    sub = subscribe(frontline, f"http://hooks.example.test:{receiver.port}/hooks")
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    record()
    services.webhook_pump()
    assert receiver.requests == [] and dns.calls == ["hooks.example.test"]
    (attempt,) = attempts_of(sub)
    assert attempt.error == transport.UNRESOLVED  # the same words as for a name that is not found
    assert attempt.response_excerpt == (  # the reason, for staff in the admin
        "hooks.example.test resolves to 127.0.0.1, a loopback address."
    )


@pytest.mark.django_db
def test_a_name_that_does_not_resolve_reads_the_same_as_a_refused_one(frontline, monkeypatch):
    FakeDns(monkeypatch, {"nothing.example.test": []})
    sub = subscribe(frontline, "http://nothing.example.test/hooks")
    record()
    services.webhook_pump()
    (attempt,) = attempts_of(sub)
    assert attempt.error == transport.UNRESOLVED
    assert "Name or service not known" in attempt.response_excerpt


@pytest.mark.django_db
def test_the_connection_goes_to_the_checked_address_dns_rebinding_cannot_move_it(
    receiver, frontline, monkeypatch
):
    """The first answer passes the check; every later one would be the metadata service. The
    POST reaches the checked address with the URL's host as Host, after exactly one lookup."""
    dns = FakeDns(monkeypatch, {"hooks.example.test": ["127.0.0.1", "169.254.169.254"]})
    subscribe(frontline, f"http://hooks.example.test:{receiver.port}/hooks")
    record()
    services.webhook_pump()
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.test:{receiver.port}"
    assert dns.calls == ["hooks.example.test"]
    assert WebhookDelivery.objects.get().status == "succeeded"


class TlsReceiver:
    """A local HTTPS receiver with a certificate for `localhost` from a throwaway CA (`ca`);
    it records the SNI name each handshake asked for and each request's Host header."""

    def __init__(self, tmp_path):
        import ssl
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.ca = tmp_path / "ca.pem"
        key, csr, cert = (tmp_path / n for n in ("key.pem", "leaf.csr", "leaf.pem"))
        ca_key, ext = tmp_path / "ca-key.pem", tmp_path / "ext.cnf"
        ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        new_key = ["-newkey", "rsa:2048", "-nodes"]
        openssl("req", "-x509", *new_key, "-days", "1", "-subj", "/CN=Test CA", "-keyout", ca_key,
                "-out", self.ca)  # fmt: skip
        openssl("req", *new_key, "-subj", "/CN=localhost", "-keyout", key, "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key, "-CAcreateserial",
                "-days", "1", "-extfile", ext, "-out", cert)  # fmt: skip
        self.sni: list[str | None] = []
        self.hosts: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda sock, name, ctx: outer.sni.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def openssl(*args) -> None:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test certificates")
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture
def tls_receiver(tmp_path):
    r = TlsReceiver(tmp_path)
    yield r
    r.close()


@pytest.mark.django_db
def test_https_refuses_a_certificate_it_cannot_verify(tls_receiver, frontline):
    sub = subscribe(frontline, f"https://localhost:{tls_receiver.port}/hooks")
    record()
    services.webhook_pump()
    (attempt,) = attempts_of(sub)
    assert attempt.error == "The receiver's TLS certificate could not be verified."
    assert attempt.response_excerpt and tls_receiver.hosts == []


@pytest.mark.django_db
def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tls_receiver, frontline, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_receiver.ca))  # trust the test CA only
    sub = subscribe(frontline, f"https://localhost:{tls_receiver.port}/hooks")
    record()
    services.webhook_pump()
    (attempt,) = attempts_of(sub)
    assert (attempt.status_code, attempt.error) == (200, "")
    assert tls_receiver.sni == ["localhost"]  # the certificate was checked for the URL's host
    assert tls_receiver.hosts == [f"localhost:{tls_receiver.port}"]


# --- the lease ---------------------------------------------------------------------------------


def test_the_lease_outlives_every_attempt_of_the_batch(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 10
    settings.WEBHOOK_CONCURRENCY = 8
    # 50 claimed, 8 at a time: the last starts within 6 rounds and ends within 7 × 10 s.
    assert services.delivery_lease(batch_size=50) == timedelta(seconds=7 * 10 + 30)
    settings.WEBHOOK_CONCURRENCY = 1
    assert services.delivery_lease(batch_size=50) == timedelta(seconds=50 * 10 + 30)
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.5
    settings.WEBHOOK_CONCURRENCY = 50
    assert services.delivery_lease(batch_size=50) == timedelta(seconds=2.5 + 30)


@pytest.mark.django_db
def test_a_claim_is_not_taken_again_before_its_lease_ends(receiver, frontline):
    subscribe(frontline, receiver.url)
    record()
    services.outbox_fan_out()
    now = timezone.now()
    lease = services.delivery_lease(batch_size=50)
    (claimed,) = services._claim(now=now, batch_size=50, lease=lease)
    assert WebhookDelivery.objects.get().next_attempt_at == now + lease
    almost = now + lease - timedelta(seconds=1)
    assert services._claim(now=almost, batch_size=50, lease=lease) == []
    assert services._claim(now=now + lease, batch_size=50, lease=lease) == [claimed]


@pytest.mark.django_db
def test_queued_attempts_end_within_the_lease(receivers, frontline, settings):
    """One worker, three receivers that never answer in time: the attempts run one after another
    and the last still ends within ⌈B/C⌉·T of the claim, inside the lease."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.6
    settings.WEBHOOK_CONCURRENCY = 1
    subs = [subscribe(frontline, receivers(trickle=1.0).url) for _ in range(3)]
    record()
    services.outbox_fan_out()
    claimed_at = timezone.now()
    assert services.webhook_deliver_due(batch_size=3) == 3
    lease = services.delivery_lease(batch_size=3)
    assert lease == timedelta(seconds=3 * 0.6 + 30)
    for sub in subs:
        (attempt,) = attempts_of(sub)
        ended = attempt.started_at + timedelta(milliseconds=attempt.duration_ms)
        assert ended - claimed_at < timedelta(seconds=3 * 0.6 + 0.5) < lease
        assert "time limit" in attempt.error


def test_an_attempt_that_could_not_end_within_the_lease_is_not_started(receiver):
    started = services._attempt(
        url=receiver.url, body=b"{}", headers={}, start_by=time.monotonic() - 0.001
    )
    assert started is None and receiver.requests == []


# --- unsubscribing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_unsubscribing_cancels_pending_deliveries_so_nothing_retries(receivers, frontline):
    gone_rx, kept_rx = receivers(statuses=[500]), receivers(statuses=[500])
    sub = subscribe(frontline, gone_rx.url)
    kept = subscribe(frontline, kept_rx.url)
    record()
    services.webhook_pump()
    assert WebhookDelivery.objects.filter(status="pending", attempts=1).count() == 2
    assert services.webhook_subscription_deactivate(subscription_id=sub.pk, actor=frontline) == 1
    assert WebhookDelivery.objects.get(subscription=sub).status == "cancelled"
    assert services.webhook_deliver_due(now=timezone.now() + timedelta(days=1)) == 1  # kept's
    assert (len(gone_rx.requests), len(kept_rx.requests)) == (1, 2)
    assert WebhookDelivery.objects.get(subscription=kept).status == "succeeded"
    assert len(attempts_of(sub)) == 1  # the log is kept
    with pytest.raises(NotFoundError):
        services.webhook_subscription_deactivate(subscription_id=sub.pk, actor=frontline)
    with pytest.raises(NotFoundError):
        services.webhook_subscription_deactivate(subscription_id=kept.pk, actor=UserFactory())


@pytest.mark.django_db
def test_a_delivery_of_a_cancelled_subscription_made_in_a_race_is_cancelled_unsent(
    receiver, frontline
):
    sub = subscribe(frontline, receiver.url)
    record()
    services.outbox_fan_out()
    WebhookSubscription.objects.filter(pk=sub.pk).update(is_active=False)  # after fan-out read it
    services.webhook_deliver_due()
    assert receiver.requests == [] and WebhookDelivery.objects.get().status == "cancelled"
    assert attempts_of(sub) == []


# --- audience ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_get_every_event_in_full_and_integrations_only_their_public_view(
    receivers, frontline, integration
):
    other = UserFactory(username="other-shop", groups=["integration"])
    staff_rx, shop_rx, other_rx = receivers(), receivers(), receivers()
    for owner, rx in ((frontline, staff_rx), (integration, shop_rx), (other, other_rx)):
        subscribe(owner, rx.url, events=["complaint.created", "complaint.transitioned"])
    record(payload={"n": 1, "note": "INTERNAL"}, public={"n": 1}, audience=[integration.pk])
    record(payload={"n": 2, "note": "INTERNAL"})  # staff only
    record(payload={"n": 3, "note": "INTERNAL"}, public={"n": 3}, audience=[other.pk])
    record(
        kind="complaint.transitioned",
        payload={"n": 4, "note": "INTERNAL"},
        public={"n": 4},
        audience=[integration.pk, other.pk],
    )
    services.webhook_pump()

    def data(rx):
        return sorted((verify(r)["data"] for r in rx.requests), key=lambda d: d["n"])

    assert [d["n"] for d in data(staff_rx)] == [1, 2, 3, 4]
    assert all(d["note"] == "INTERNAL" for d in data(staff_rx))
    assert data(shop_rx) == [{"n": 1}, {"n": 4}]
    assert data(other_rx) == [{"n": 3}, {"n": 4}]


@pytest.mark.django_db
def test_an_owner_who_may_no_longer_see_an_event_is_not_sent_it(receiver, integration):
    sub = subscribe(integration, receiver.url)
    record(public={"n": 1}, audience=[integration.pk])
    services.outbox_fan_out()
    OutboxEvent.objects.update(public=None)  # say the view was withdrawn before delivery
    services.webhook_deliver_due()
    assert receiver.requests == [] and WebhookDelivery.objects.get().status == "cancelled"
    assert attempts_of(sub) == []


@pytest.mark.django_db
def test_a_deactivated_account_is_sent_nothing(receiver, frontline):
    sub = subscribe(frontline, receiver.url)
    record()
    services.outbox_fan_out()
    frontline.is_active = False
    frontline.save(update_fields=["is_active"])
    record()
    services.webhook_pump()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == "cancelled"  # the one fanned out before
    assert attempts_of(sub) == []


# --- queries -----------------------------------------------------------------------------------


def pump_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.webhook_pump()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_fan_out_reads_subscriptions_and_roles_once_per_batch(frontline, integration, receiver):
    subscribe(frontline, receiver.url, events=["complaint.transitioned"])
    subscribe(integration, receiver.url, events=["complaint.transitioned"])
    record(kind="complaint.created")
    with CaptureQueriesContext(connection) as small:
        services.outbox_fan_out()
    for n in range(20):
        record(kind="complaint.created", public={"n": n}, audience=[integration.pk])
    UserFactory(username="third", groups=["manager"]).webhook_subscriptions.create(
        url=receiver.url, events=["complaint.transitioned"], secret=SECRET
    )
    with CaptureQueriesContext(connection) as big:
        services.outbox_fan_out()
    assert len(big.captured_queries) == len(small.captured_queries)


@pytest.mark.django_db
def test_the_pump_costs_a_fixed_number_of_queries_plus_two_writes_per_delivery(
    receivers, frontline
):
    rx = receivers()
    subscribe(frontline, rx.url)
    record()
    one = pump_queries()
    for _ in range(4):
        subscribe(frontline, rx.url)
    record()
    five = pump_queries()
    # Per delivery: the conditional mark and the attempt row (inside a savepoint in a test).
    assert (five - one) / 4 == 4
    # Fan-out 7 (subscriptions, their roles, then events, deliveries, dispatched, in a savepoint),
    # claim 4, deliveries and their owners' roles 2, one record 4, the mail outbox 3.
    assert one == 20
