"""The outbox: webhook events and staff mail recorded in the writer's transaction, delivered after
commit.

Guarantees:
- `outbox_record_many` only writes rows in the caller's transaction: an event exists iff its change
  committed. No task is enqueued per event; the beat-driven `webhook_pump` picks rows up.
- Fan-out creates at most one delivery per (event, subscription) (a unique constraint), so a
  re-run or a concurrent pump never duplicates.
- A delivery is claimed with a lease before the HTTP call, outside any transaction, so several
  workers may pump at once and a crashed worker's claim expires and is retried.
- Every HTTP attempt is logged; retries back off exponentially up to `WEBHOOK_MAX_ATTEMPTS`.
- Staff mail (`mail_record_many`) is a row written in the caller's transaction; `mail_send_due`
  sends it after commit, never while the writer holds row locks. Each message is claimed with a
  lease, sent, then marked sent in its own statement: a crash between the send and the mark
  repeats that one message once the lease ends, and no other. A send cannot outlast the lease
  (`EMAIL_TIMEOUT`, 30 s, against a 120 s lease), so a slow mail server causes no second send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import Json, rows_insert
from core.errors import InvalidDataError, NotPermittedError
from webhooks.models import (
    EVENT_TYPES,
    DeliveryStatus,
    OutboxEvent,
    OutboxMail,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def outbox_record_many(*, events: list[tuple]) -> int:
    """Record events in the caller's transaction, in one go (COPY on PostgreSQL): the engine's
    single changes and the sweep's thousands take the same door.

    Each event is `(type, payload)` (staff subscriptions only) or
    `(type, payload, public, audience)`: `public` is the customer-safe view an integration may
    receive, `audience` the ids of the integration users the event concerns."""
    if not events:
        return 0
    unknown = {e[0] for e in events} - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types {sorted(unknown)!r}")
    encode = DjangoJSONEncoder().encode  # one encoder for the batch, each payload once
    occurred = timezone.now()
    rows = []
    for pk, event in zip(_uuid7(len(events)), events, strict=True):
        kind, payload, public, audience = (*event, None, ())[:4] if len(event) == 2 else event
        rows.append(
            {
                "id": pk,
                "type": kind,
                "payload": Json(encode(payload)),
                "public": None if public is None else Json(encode(public)),
                "audience": Json(encode(sorted(set(audience)))),
                "occurred_at": occurred,
            }
        )
    rows_insert(OutboxEvent, rows)
    return len(rows)


def _uuid7(count: int) -> list[uuid.UUID]:
    """Time-ordered UUIDs (RFC 9562 version 7): new outbox rows land at the right edge of the
    primary-key index instead of on random pages of it."""
    ms = time.time_ns() // 1_000_000
    head = (ms << 80) | (0x7 << 76) | (0b10 << 62)
    noise = os.urandom(10 * count)
    ids = []
    for i in range(count):
        r = int.from_bytes(noise[10 * i : 10 * i + 10], "big")
        ids.append(uuid.UUID(int=head | ((r >> 62) & 0xFFF) << 64 | (r & 0x3FFF_FFFF_FFFF_FFFF)))
    return ids


# --- staff mail --------------------------------------------------------------------------------


def mail_record_many(*, mails: list[dict]) -> int:
    """Record staff emails ({"to": [...], "subject", "body"}) in the caller's transaction; they
    are sent after commit by `mail_send_due` (beat, and the sweep's task right after it)."""
    now = timezone.now()
    rows = [
        {
            "to": sorted(set(m["to"])),
            "subject": m["subject"][:255],
            "body": m["body"],
            "created_at": now,
            "attempts": 0,
            "last_error": "",
        }
        for m in mails
        if m["to"]
    ]
    rows_insert(OutboxMail, rows)
    return len(rows)


def _claim_mail(*, now: datetime, batch_size: int) -> list[int]:
    with transaction.atomic():
        qs = OutboxMail.objects.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:batch_size])
        OutboxMail.objects.filter(pk__in=ids).update(
            claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
    return ids


def mail_send_due(*, batch_size: int = 200) -> int:
    """Send recorded staff mail, outside any transaction; returns how many went out.

    A message whose send fails is retried on a later run (its lease ends), up to
    `MAIL_MAX_ATTEMPTS`, then marked failed; the error is kept on the row.
    """
    sent = 0
    connection_ = get_connection()
    while ids := _claim_mail(now=timezone.now(), batch_size=batch_size):
        for mail in OutboxMail.objects.filter(pk__in=ids).order_by("pk"):
            message = EmailMessage(subject=mail.subject, body=mail.body, to=mail.to)
            try:
                connection_.send_messages([message])
            except Exception as exc:  # the mail server is the edge of the world: keep going
                log.warning("Mail %s not sent: %s", mail.pk, exc)
                failed = mail.attempts >= _setting("MAIL_MAX_ATTEMPTS", 8)
                OutboxMail.objects.filter(pk=mail.pk).update(
                    last_error=str(exc)[:500], failed_at=timezone.now() if failed else None
                )
                continue
            OutboxMail.objects.filter(pk=mail.pk, sent_at__isnull=True).update(
                sent_at=timezone.now()
            )
            sent += 1
        if len(ids) < batch_size:
            break
    return sent


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Redress-Signature` header value: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- subscriptions ---------------------------------------------------------------------------


def webhook_subscription_create(
    *, owner: Any, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    errors: dict[str, list[str]] = {}
    if not isinstance(url, str) or len(url) > 500:
        errors["url"] = ["A URL of at most 500 characters is required."]
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = ["Must be an absolute http(s) URL."]
    if not isinstance(events, list) or not events:
        errors["events"] = [f"A non-empty list drawn from: {', '.join(EVENT_TYPES)}."]
    else:
        unknown = [e for e in events if e not in EVENT_TYPES]
        if unknown:
            errors["events"] = [f"Unknown events: {', '.join(map(str, unknown))}."]
    if not isinstance(secret, str) or (secret and not 16 <= len(secret) <= 128):
        errors["secret"] = ["Between 16 and 128 characters (or empty to have one generated)."]
    if errors:
        raise InvalidDataError(fields=errors)
    if not getattr(owner, "is_authenticated", False):
        raise NotPermittedError(
            _("Only a signed-in user can subscribe to webhooks: send your API token with it.")
        )
    return WebhookSubscription.objects.create(
        owner=owner,
        url=url,
        events=sorted(set(events)),
        secret=secret or secrets.token_urlsafe(32),
    )


def webhook_subscription_deactivate(*, subscription_id: int, actor: Any) -> None:
    updated = WebhookSubscription.objects.filter(pk=subscription_id, owner=actor).update(
        is_active=False
    )
    if not updated:
        raise NotPermittedError(
            _(
                "This webhook subscription is not yours, or does not exist: list your "
                "subscriptions to find its id."
            )
        )


# --- fan-out and delivery --------------------------------------------------------------------


def outbox_fan_out(*, batch_size: int = 500) -> int:
    """Turn undispatched events into one delivery per matching active subscription."""
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    with transaction.atomic():
        qs = OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("occurred_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        events = list(qs[:batch_size])
        if not events:
            return 0
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(event=e, subscription=s, next_attempt_at=timezone.now())
                for e in events
                for s in subscriptions
                if e.type in s.events and s.created_at <= e.occurred_at
            ],
            ignore_conflicts=True,
        )
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            dispatched_at=timezone.now()
        )
    return len(events)


def _claim(*, now: datetime, batch_size: int) -> list[int]:
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:batch_size])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def webhook_deliver_due(*, now: datetime | None = None, batch_size: int = 50) -> int:
    """Attempt every due delivery once; returns how many were attempted."""
    ids = _claim(now=now or timezone.now(), batch_size=batch_size)
    for delivery_id in ids:
        webhook_attempt(delivery_id=delivery_id)
    return len(ids)


def webhook_pump() -> dict[str, int]:
    """What the beat task runs: fan out new events, deliver what is due, send staff mail."""
    fanned = outbox_fan_out()
    delivered = webhook_deliver_due()
    mailed = mail_send_due()
    return {"fanned_out": fanned, "attempted": delivered, "mailed": mailed}


def _backoff(attempts: int) -> timedelta:
    base = _setting("WEBHOOK_RETRY_BASE_SECONDS", 30)
    cap = _setting("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
    return timedelta(seconds=min(base * 2 ** (attempts - 1), cap))


def webhook_attempt(*, delivery_id: int) -> WebhookAttempt | None:
    """One signed POST of a claimed delivery, logged; schedules the retry or gives up."""
    delivery = (
        WebhookDelivery.objects.select_related("event", "subscription")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:
        return None  # already delivered or given up: a re-delivered task does nothing
    event, sub = delivery.event, delivery.subscription
    body = json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.payload,
        },
        separators=(",", ":"),
    ).encode()
    stamp = int(time.time())
    request = urllib.request.Request(
        sub.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Redress-Webhooks/1",
            "X-Redress-Event": event.type,
            "X-Redress-Event-Id": str(event.id),
            "X-Redress-Delivery": str(delivery.pk),
            "X-Redress-Signature": sign(secret=sub.secret, timestamp=stamp, body=body),
        },
    )
    started = timezone.now()
    clock = time.monotonic()
    status_code, error, excerpt = None, "", ""
    try:
        with urllib.request.urlopen(request, timeout=_setting("WEBHOOK_TIMEOUT_SECONDS", 10)) as r:
            status_code = r.status
            excerpt = r.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status_code = exc.code
        excerpt = exc.read(500).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    duration = int((time.monotonic() - clock) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.PENDING:
            return None
        locked.attempts += 1
        attempt = WebhookAttempt.objects.create(
            delivery=locked,
            number=locked.attempts,
            started_at=started,
            duration_ms=duration,
            status_code=status_code,
            error=error,
            response_excerpt=excerpt[:500],
        )
        locked.last_status_code = status_code
        now = timezone.now()
        if ok:
            locked.status, locked.delivered_at = DeliveryStatus.SUCCEEDED, now
        elif locked.attempts >= _setting("WEBHOOK_MAX_ATTEMPTS", 8):
            locked.status = DeliveryStatus.FAILED
        else:
            locked.next_attempt_at = now + _backoff(locked.attempts)
        locked.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    return attempt
