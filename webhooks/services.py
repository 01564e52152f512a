"""The outbox: webhook events and staff mail recorded in the writer's transaction, delivered after
commit.

Guarantees:
- `outbox_record_many` only writes rows in the caller's transaction: an event exists iff its change
  committed. No task is enqueued per event; the beat-driven `webhook_pump` picks rows up.
- Fan-out creates at most one delivery per (event, subscription) (a unique constraint), so a
  re-run or a concurrent pump never duplicates. A staff owner's subscription gets every matching
  event with its full `payload`; anyone else's (an integration's) only events with a `public`
  view whose `audience` names the owner, and its POST carries that `public` view as `data`.
  Fan-out reads the subscriptions and their owners' roles once per batch.
- Subscribing refuses a malformed URL and a URL naming an internal address (`webhooks.addresses`);
  every delivery resolves the host again, refuses internal addresses outside
  `WEBHOOK_ALLOWED_NETWORKS` (metadata addresses always), connects to the address it checked,
  never follows a redirect and ends within `WEBHOOK_TIMEOUT_SECONDS` in total
  (`webhooks.transport`).
- Deliveries are attempted in parallel, at most `WEBHOOK_CONCURRENCY` at once, so one slow or
  failing subscriber delays no other. A batch is claimed with a lease that outlives every attempt
  in it (`delivery_lease` states the inequality), so no second pump posts a delivery while it is
  in flight; a crashed worker's claim expires and is retried.
- Every attempt is logged (`WebhookAttempt`), whatever went wrong, an exception of ours included,
  and never stops the batch; the log is written only if the delivery is still pending with the
  attempt count it was claimed with, so nothing is logged twice. (Should the database fail while
  recording, the claim's lease ends and the delivery is attempted again.) Retries back off
  exponentially up to `WEBHOOK_MAX_ATTEMPTS`.
- Unsubscribing cancels the subscription's pending deliveries in the same transaction; a delivery
  whose subscription was cancelled meanwhile, whose owner was deactivated or may no longer see
  the event is cancelled when claimed, without a POST.
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
import math
import os
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roles
from core.db import Json, rows_insert
from core.errors import InvalidDataError, NotFoundError, NotPermittedError
from core.retry import backoff_delay
from webhooks import addresses, transport
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
MAIL_LEASE = timedelta(seconds=120)


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
            claimed_until=now + MAIL_LEASE, attempts=F("attempts") + 1
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
    """Subscribe `owner` to `events` at `url`. The URL must follow `webhooks.addresses`' rules
    and must not name an internal address (literal, `localhost` or a metadata host) outside
    `WEBHOOK_ALLOWED_NETWORKS`; names are checked again, as resolved, at every delivery."""
    errors: dict[str, list[str]] = {}
    refusal = addresses.url_refusal(url)
    if refusal:
        errors["url"] = [refusal]
    if not isinstance(events, list) or not events:
        errors["events"] = [
            _("A non-empty list drawn from: %(events)s.") % {"events": ", ".join(EVENT_TYPES)}
        ]
    else:
        unknown = [e for e in events if e not in EVENT_TYPES]
        if unknown:
            errors["events"] = [
                _("Unknown events: %(events)s.") % {"events": ", ".join(map(str, unknown))}
            ]
    if not isinstance(secret, str) or (secret and not 16 <= len(secret) <= 128):
        errors["secret"] = [_("Between 16 and 128 characters (or empty to have one generated).")]
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


def webhook_subscription_deactivate(*, subscription_id: int, actor: Any) -> int:
    """Unsubscribe: the subscription leaves every list and its pending deliveries are cancelled
    in the same transaction, so nothing is retried. Returns how many were cancelled."""
    with transaction.atomic():
        updated = WebhookSubscription.objects.filter(
            pk=subscription_id, owner=actor, is_active=True
        ).update(is_active=False)
        if not updated:
            raise NotFoundError(
                _(
                    "This webhook subscription is not yours, or does not exist: list your "
                    "subscriptions to find its id."
                )
            )
        return WebhookDelivery.objects.filter(
            subscription_id=subscription_id, status=DeliveryStatus.PENDING
        ).update(status=DeliveryStatus.CANCELLED)


# --- fan-out and delivery --------------------------------------------------------------------


def _roles_prime(users: list[Any]) -> None:
    """Read the groups of all `users` in one query and leave them where `core.roles` looks
    (its per-instance cache), so role checks over a batch add no query per user."""
    todo: dict[int, list[Any]] = {}
    for user in users:
        if getattr(user, "_redress_roles", None) is None:
            todo.setdefault(user.pk, []).append(user)
    if not todo:
        return
    names: dict[int, set[str]] = {pk: set() for pk in todo}
    through = type(users[0]).groups.through
    for user_id, name in through.objects.filter(user_id__in=list(todo)).values_list(
        "user_id", "group__name"
    ):
        names[user_id].add(name)
    for pk, same in todo.items():
        for user in same:
            user._redress_roles = frozenset(names[pk])  # core.roles.user_roles' cache


def _view(event: OutboxEvent, owner: Any) -> dict | None:
    """What `owner`'s subscription receives of `event`: staff the full payload; anyone else
    (an integration) the customer-safe `public` view, and only if the event concerns them;
    a deactivated account nothing."""
    if not owner.is_active:
        return None
    if roles.is_agent(owner):
        return event.payload
    if event.public is not None and owner.pk in (event.audience or ()):
        return event.public
    return None


def outbox_fan_out(*, batch_size: int = 500) -> int:
    """Turn undispatched events into one delivery per matching active subscription: a staff
    owner's for every matching event, an integration's only for public events that concern it.
    Subscriptions and their owners' roles are read once per batch, whatever its size."""
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True).select_related("owner"))
    _roles_prime([s.owner for s in subscriptions])
    staff = {s.pk for s in subscriptions if roles.is_agent(s.owner)}
    with transaction.atomic():
        qs = OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("occurred_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        events = list(qs[:batch_size])
        if not events:
            return 0
        now = timezone.now()
        deliveries = []
        for e in events:
            audience = set(e.audience or ()) if e.public is not None else set()
            for s in subscriptions:
                if e.type not in s.events or s.created_at > e.occurred_at:
                    continue
                if s.owner.is_active and (s.pk in staff or s.owner_id in audience):
                    deliveries.append(WebhookDelivery(event=e, subscription=s, next_attempt_at=now))
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
    return len(events)


LEASE_MARGIN = timedelta(seconds=30)
RECORD_RESERVE = timedelta(seconds=5)  # of the margin, kept for writing the last result


def _timeout() -> float:
    return float(_setting("WEBHOOK_TIMEOUT_SECONDS", 10))


def _concurrency() -> int:
    return max(1, int(_setting("WEBHOOK_CONCURRENCY", 8)))


def delivery_lease(*, batch_size: int) -> timedelta:
    """How long a claim on a batch of deliveries lasts.

    At most `C = WEBHOOK_CONCURRENCY` attempts run at once and each ends within
    `T = WEBHOOK_TIMEOUT_SECONDS`, so of `B` claimed deliveries the last one starts within
    `(⌈B/C⌉ − 1)·T` and ends within `⌈B/C⌉·T` of the claim. The lease is that plus a margin for
    overheads and writing the results:

        lease = ⌈B/C⌉·T + 30 s  >  ⌈B/C⌉·T  ≥  the end of every attempt in the batch

    Should a worker be starved all the same, an attempt that could not end by `lease − 5 s` is
    not started (it is left to a pump after the lease). So a claim never expires under a running
    attempt and no other pump can post the same delivery meanwhile.
    """
    rounds = math.ceil(max(batch_size, 1) / _concurrency())
    return timedelta(seconds=rounds * _timeout()) + LEASE_MARGIN


def _claim(*, now: datetime, batch_size: int, lease: timedelta) -> list[int]:
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:batch_size])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + lease)
    return ids


def _request(delivery: WebhookDelivery, data: dict) -> tuple[bytes, dict[str, str]]:
    event, sub = delivery.event, delivery.subscription
    body = json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Redress-Webhooks/1",
        "X-Redress-Event": event.type,
        "X-Redress-Event-Id": str(event.id),
        "X-Redress-Delivery": str(delivery.pk),
        "X-Redress-Signature": sign(secret=sub.secret, timestamp=int(time.time()), body=body),
    }
    return body, headers


def _attempt(
    *, url: str, body: bytes, headers: dict[str, str], start_by: float
) -> tuple[datetime, int, transport.Outcome] | None:
    """One POST in a pool thread (no database here); None if it started too late to end
    within the claim's lease. Anything that goes wrong becomes a failed outcome."""
    if time.monotonic() > start_by:
        return None
    started, clock = timezone.now(), time.monotonic()
    try:
        outcome = transport.post(url=url, body=body, headers=headers, timeout=_timeout())
    except Exception as exc:  # a bug of ours must still be a logged attempt, not a lost batch
        log.exception("Webhook attempt to %s raised", url)
        outcome = transport.Outcome(
            error=f"The attempt failed inside Redress ({type(exc).__name__}).", detail=str(exc)
        )
    return started, int((time.monotonic() - clock) * 1000), outcome


def _record(
    *, delivery: WebhookDelivery, started: datetime, duration_ms: int, outcome: transport.Outcome
) -> WebhookAttempt | None:
    """Log the attempt and schedule the retry (or give up), conditionally: only if the delivery
    is still pending with the attempt count it was claimed with, so an attempt repeated by a
    second pump is never logged twice and a cancelled delivery stays cancelled."""
    number = delivery.attempts + 1
    now = timezone.now()
    if outcome.ok:
        status = DeliveryStatus.SUCCEEDED
    elif number >= _setting("WEBHOOK_MAX_ATTEMPTS", 8):
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
    with transaction.atomic():
        marked = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        ).update(
            attempts=number,
            status=status,
            last_status_code=outcome.status_code,
            delivered_at=now if outcome.ok else None,
            next_attempt_at=now + _backoff(number)
            if status == DeliveryStatus.PENDING
            else F("next_attempt_at"),
        )
        if not marked:
            return None
        return WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            number=number,
            started_at=started,
            duration_ms=duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:500],
            response_excerpt=outcome.detail[:500],
        )


def webhook_deliver_due(*, now: datetime | None = None, batch_size: int = 50) -> int:
    """Attempt every due delivery once, up to `WEBHOOK_CONCURRENCY` at a time; returns how many
    were claimed.

    The HTTP attempts run in a bounded thread pool and touch no database; this thread writes
    each result as soon as it arrives, so a slow or failing subscriber delays no other. Every
    attempt is logged, an exception included; a delivery whose subscription was cancelled or
    whose event its owner may no longer see is cancelled without a POST.
    """
    lease = delivery_lease(batch_size=batch_size)
    claimed_at = time.monotonic()
    ids = _claim(now=now or timezone.now(), batch_size=batch_size, lease=lease)
    if not ids:
        return 0
    start_by = claimed_at + (lease - RECORD_RESERVE).total_seconds() - _timeout()
    deliveries = list(
        WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING)
        .select_related("event", "subscription__owner")
        .order_by("next_attempt_at", "pk")
    )
    _roles_prime([d.subscription.owner for d in deliveries])
    jobs: list[tuple[WebhookDelivery, str, bytes, dict[str, str]]] = []
    cancelled: list[int] = []
    for delivery in deliveries:
        try:
            data = _view(delivery.event, delivery.subscription.owner)
            if not delivery.subscription.is_active or data is None:
                cancelled.append(delivery.pk)
                continue
            jobs.append((delivery, delivery.subscription.url, *_request(delivery, data)))
        except Exception as exc:
            log.exception("Webhook delivery %s could not be prepared", delivery.pk)
            _record(
                delivery=delivery,
                started=timezone.now(),
                duration_ms=0,
                outcome=transport.Outcome(
                    error=f"The attempt failed inside Redress ({type(exc).__name__}).",
                    detail=str(exc),
                ),
            )
    if cancelled:
        WebhookDelivery.objects.filter(pk__in=cancelled, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED
        )
    if not jobs:
        return len(ids)
    with ThreadPoolExecutor(
        max_workers=min(_concurrency(), len(jobs)), thread_name_prefix="webhook"
    ) as pool:
        futures = {
            pool.submit(_attempt, url=url, body=body, headers=headers, start_by=start_by): d
            for d, url, body, headers in jobs
        }
        for future in as_completed(futures):
            delivery = futures[future]
            try:
                result = future.result()
                if result is not None:
                    started, duration_ms, outcome = result
                    _record(
                        delivery=delivery,
                        started=started,
                        duration_ms=duration_ms,
                        outcome=outcome,
                    )
            except Exception:  # the database failed us: the lease ends and it is tried again
                log.exception("Webhook delivery %s: the attempt could not be recorded", delivery.pk)
    return len(ids)


def webhook_pump() -> dict[str, int]:
    """What the beat task runs: fan out new events, deliver what is due, send staff mail."""
    fanned = outbox_fan_out()
    delivered = webhook_deliver_due()
    mailed = mail_send_due()
    return {"fanned_out": fanned, "attempted": delivered, "mailed": mailed}


def _backoff(attempts: int) -> timedelta:
    return backoff_delay(
        attempts=attempts,
        base_seconds=_setting("WEBHOOK_RETRY_BASE_SECONDS", 30),
        cap_seconds=_setting("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600),
    )
