"""Customer mail: recorded with the message it carries, sent after commit, at most once.

Guarantees:
- `mail_record_for_messages` (the engine's `public_messages` reaction) writes one `OutboundMail`
  per public staff or system message, in the change's transaction: a rolled-back change leaves no
  mail; a message gets at most one mail (unique on the message). No row when the customer has no
  address or the complaint's filer mails its customers itself (`IntegrationMailSetting`).
  Message-ID, In-Reply-To and References are fixed here: the thread is the complaint's earlier
  mails, ours and the customer's (`InboundMail`), in the order they were written under the
  complaint's row lock.
- After commit a task is enqueued per mail (`transaction.on_commit`, robust: a broker that is
  down loses no mail), and the beat sweep `mail_send_due` picks up anything due that no task sent.
- `mail_send` claims the row with a lease in one conditional UPDATE, so two workers never both
  send it, and marks the outcome only if its claim still holds (attempt count unchanged): a
  re-delivered task, a concurrent sweep, a second run send nothing more. A send cannot outlast
  the lease (`EMAIL_TIMEOUT` < `MAIL_LEASE`); a crash between the send and the mark repeats that
  one mail once the lease ends.
- No mail is sent to a `BouncingAddress` (a delivery report said it fails): the attempt fails
  at once and staff are told. A delivery report about a mail we sent (`mail_fail_bounced`, from
  inbound ingest) fails that mail the same way.
- The beat sweep sends its batch through one SMTP session, opened again after any failure (so
  a broken session costs no other mail its attempt); a task sends its one mail on its own.
- Every attempt is logged (`MailAttempt`). A refusal of the address or the message (SMTP 5xx on
  RCPT or DATA) fails the mail at once; anything else is retried with exponential backoff
  (`MAIL_RETRY_BASE_SECONDS` doubling, capped at `MAIL_RETRY_MAX_SECONDS`) until
  `MAIL_CUSTOMER_MAX_ATTEMPTS`. A failed mail writes an internal note on the complaint through
  `complaints.services.message_add`, in the transaction that marks it failed.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints import notes
from complaints import services as complaint_services
from complaints.models import AttachmentKind, Complaint, Message, MessageKind, Visibility
from core.retry import backoff_delay
from mail.models import (
    AttemptOutcome,
    BouncingAddress,
    InboundMail,
    MailAttempt,
    MailKind,
    MailStatus,
    OutboundMail,
)
from mail.rendering import mail_language, mail_render
from portal import selectors as portal_selectors
from portal import services as portal_services

log = logging.getLogger(__name__)

MAIL_LEASE = timedelta(seconds=120)
# The step whose public message a mail carries decides its kind; any other step is a reply.
KIND_OF_STEP = {
    "acknowledge": MailKind.ACKNOWLEDGEMENT,
    "apologize": MailKind.APOLOGY,
    "remedy": MailKind.REMEDY,
    "approve": MailKind.REMEDY,
    "set_limits": MailKind.LIMIT_SET,
}
MAILED_KINDS = (MessageKind.STAFF, MessageKind.SYSTEM)
MAX_REFERENCES = 20  # RFC 5322 §3.6.4 lets a long thread drop its middle: keep root and newest


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- recording, in the change's transaction ----------------------------------------------------


def mail_record_for_messages(*, step: str, messages: Sequence[Message]) -> list[OutboundMail]:
    """Write the outbound mails of the public messages a change wrote (one query to read the
    complaints and their thread, one insert); enqueue their sending after commit."""
    mailed = [m for m in messages if m.kind in MAILED_KINDS and m.visibility == Visibility.PUBLIC]
    if not mailed:
        return []
    last_out = OutboundMail.objects.filter(complaint=OuterRef("pk")).order_by("-created_at", "-pk")
    last_in = InboundMail.objects.filter(complaint=OuterRef("pk")).order_by("-received_at", "-pk")
    complaints = {
        row["pk"]: row
        for row in Complaint.objects.filter(pk__in={m.complaint_id for m in mailed})
        .annotate(
            out_id=Subquery(last_out.values("msgid")[:1]),
            out_refs=Subquery(last_out.values("references")[:1]),
            out_at=Subquery(last_out.values("created_at")[:1]),
            in_id=Subquery(last_in.values("msgid")[:1]),
            in_at=Subquery(last_in.values("received_at")[:1]),
            has_link=portal_selectors.customer_link_exists(),
        )
        .values(
            "pk",
            "reference",
            "customer__email",
            "customer__language",
            "filed_by__mail_setting__mail_customers",
            "out_id",
            "out_refs",
            "out_at",
            "in_id",
            "in_at",
            "has_link",
        )
    }
    rows = []
    for message in mailed:
        row = complaints[message.complaint_id]
        if row["filed_by__mail_setting__mail_customers"] is False or not row["customer__email"]:
            continue
        thread = _thread(row)
        message_id = mail_msgid(reference=row["reference"])
        rows.append(
            OutboundMail(
                complaint_id=message.complaint_id,
                message=message,
                kind=KIND_OF_STEP.get(step, MailKind.REPLY),
                to=row["customer__email"],
                language=mail_language(row["customer__language"]),
                automatic=message.author_id is None,
                msgid=message_id,
                in_reply_to=thread[-1] if thread else "",
                references=" ".join(_trimmed(thread)),
                next_attempt_at=message.created_at,
                created_at=message.created_at,
            )
        )
        # The next message of the same complaint in this call threads onto this one.
        row.update(out_id=message_id, out_refs=" ".join(thread), out_at=message.created_at)
    written = OutboundMail.objects.bulk_create(rows)
    # Every customer mail carries the customer's link: issued here, in the change's
    # transaction, when the complaint has none yet (rendering only reads it).
    portal_services.customer_links_create(
        complaint_ids={
            mail.complaint_id for mail in written if not complaints[mail.complaint_id]["has_link"]
        }
    )
    ids = [mail.pk for mail in written]
    if ids:
        transaction.on_commit(_enqueue_after_commit(ids), robust=True)
    return written


def mail_msgid(*, reference: str) -> str:
    """A new Message-ID, short enough never to be folded: `<CMP-2026-000123.<64 random bits>@domain>`."""
    return f"<{reference}.{secrets.token_hex(8)}@{settings.MAIL_MESSAGE_ID_DOMAIN}>"


def _trimmed(thread: list[str]) -> list[str]:
    if len(thread) <= MAX_REFERENCES:
        return thread
    return [thread[0], *thread[-(MAX_REFERENCES - 1) :]]


def _thread(row: dict) -> list[str]:
    """The Message-IDs this mail answers, oldest first: the newest mail of the thread (ours or
    the customer's) last."""
    ours = row["out_refs"].split() + [row["out_id"]] if row["out_id"] else []
    if row["in_id"] and (row["out_at"] is None or row["in_at"] >= row["out_at"]):
        return [i for i in ours if i != row["in_id"]] + [row["in_id"]]
    return ours


def _enqueue_after_commit(ids: list[int]) -> Callable[[], None]:
    """The after-commit callback: one task per mail. It only enqueues (nothing is written), so
    tests that forbid deferred writes recognise it by name."""

    def enqueue_mail_tasks() -> None:
        from mail import tasks  # the task module imports this one

        for pk in ids:
            tasks.mail_send.delay(pk)

    return enqueue_mail_tasks


# --- sending, after commit ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    outcome: str
    smtp_code: int | None = None
    error: str = ""
    bouncing: bool = False


def mail_send(
    *, mail_id: int, now: datetime | None = None, connection: SmtpBackend | None = None
) -> str:
    """Send one mail if it is due and nobody else holds it; returns what happened
    ("sent", "retry", "failed", or "skipped" when there was nothing to do). `connection`: an
    SMTP session the caller keeps open across a batch (`mail_send_due`); else one of its own."""
    now = now or timezone.now()
    claimed = (
        OutboundMail.objects.filter(pk=mail_id, status=MailStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + MAIL_LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    mail = OutboundMail.objects.select_related("message", "complaint__customer").get(pk=mail_id)
    result, subject = _attempt(mail, connection=connection)
    _record(mail=mail, result=result, subject=subject, claimed_at=now)
    return result.outcome


def _attempt(mail: OutboundMail, *, connection: SmtpBackend | None = None) -> tuple[Outcome, str]:
    subject = mail.subject
    bouncing = BouncingAddress.objects.filter(email=mail.to.lower()).first()
    if bouncing is not None:
        return (
            Outcome(
                outcome=AttemptOutcome.FAILED,
                error=f"Address bouncing since {bouncing.since.isoformat()}: {bouncing.reason}"[
                    :500
                ],
                bouncing=True,
            ),
            subject,
        )
    try:
        rendered = mail_render(mail=mail)
        subject = rendered.subject
        headers = {
            "Message-ID": mail.msgid,
            "X-Redress-Reference": mail.complaint.reference,
        }
        if mail.in_reply_to:
            headers["In-Reply-To"] = mail.in_reply_to
        if mail.references:
            headers["References"] = mail.references
        if mail.automatic:
            headers["Auto-Submitted"] = "auto-replied"
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.MAIL_FROM,
            to=[mail.to],
            reply_to=[settings.MAIL_REPLY_TO] if settings.MAIL_REPLY_TO else None,
            headers=headers,
        )
        message.attach_alternative(rendered.html, "text/html")
        # The message's own files go with it (a letter's PDF, a photo staff sent); the original
        # mail of a customer's message never does (only staff and system messages are mailed).
        for attachment in mail.message.attachments.filter(kind=AttachmentKind.FILE):
            with attachment.file.open("rb") as stored:
                message.attach(attachment.filename, stored.read(), attachment.content_type)
        if connection is not None:
            connection.open()  # a no-op while the session is open; reconnects after a failure
            connection.send_messages([message])
        else:
            get_connection(fail_silently=False).send_messages([message])
    except Exception as exc:  # the mail server is the edge of the world: log and decide
        if connection is not None:
            connection.close()  # the session may be broken: the next mail starts a new one
        code = _smtp_code(exc)
        permanent = code is not None and 500 <= code < 600
        final = permanent or mail.attempts >= _setting("MAIL_CUSTOMER_MAX_ATTEMPTS", 8)
        log.warning("Customer mail %s not sent (attempt %s): %s", mail.pk, mail.attempts, exc)
        return (
            Outcome(
                outcome=AttemptOutcome.FAILED if final else AttemptOutcome.RETRY,
                smtp_code=code,
                error=f"{type(exc).__name__}: {exc}"[:500],
            ),
            subject,
        )
    return Outcome(outcome=AttemptOutcome.SENT), subject


def _smtp_code(exc: Exception) -> int | None:
    """The SMTP reply code of a refusal of the address or the message, else None (transient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code
    # Refused sender, greeting, login: our own setup's fault, not this customer's; retried.
    return None


def mail_backoff(attempts: int) -> timedelta:
    return backoff_delay(
        attempts=attempts,
        base_seconds=_setting("MAIL_RETRY_BASE_SECONDS", 60),
        cap_seconds=_setting("MAIL_RETRY_MAX_SECONDS", 6 * 3600),
    )


def _record(*, mail: OutboundMail, result: Outcome, subject: str, claimed_at: datetime) -> None:
    """Log the attempt and its outcome, only while our claim holds; a failure notes it for staff.
    The next attempt is counted from the claim (the sweep's clock), not from the slow send."""
    now = max(timezone.now(), claimed_at)
    changes: dict[str, Any] = {"claimed_until": None, "subject": subject[:255]}
    if result.outcome == AttemptOutcome.SENT:
        changes.update(status=MailStatus.SENT, sent_at=now, last_error="")
    elif result.outcome == AttemptOutcome.RETRY:
        changes.update(
            last_error=result.error, next_attempt_at=claimed_at + mail_backoff(mail.attempts)
        )
    else:
        changes.update(status=MailStatus.FAILED, failed_at=now, last_error=result.error)
    with transaction.atomic():
        held = OutboundMail.objects.filter(
            pk=mail.pk, status=MailStatus.PENDING, attempts=mail.attempts
        ).update(**changes)
        if not held:  # our lease ended and another worker took over: its log is the one kept
            return
        MailAttempt.objects.create(
            mail=mail,
            number=mail.attempts,
            outcome=result.outcome,
            smtp_code=result.smtp_code,
            error=result.error,
            at=now,
        )
        if result.outcome == AttemptOutcome.FAILED:
            complaint_services.message_add(
                complaint_id=mail.complaint_id,
                actor=None,
                visibility=Visibility.INTERNAL,
                note=_failure_note(mail=mail, result=result),
            )


def _kind_label(value: str) -> str:
    return str(MailKind(value).label)


BOUNCED = notes.define(
    "mail_bounced",
    gettext_lazy(
        "The customer did not get our email (%(kind)s): %(to)s bounces (the "
        "customer's mail server reported a failed delivery: %(error)s). Check the "
        "address, and reach the customer another way."
    ),
    kind=_kind_label,
)
REFUSED = notes.define(
    "mail_refused",
    gettext_lazy(
        "The customer did not get our email (%(kind)s): the mail server refused it "
        "for %(to)s (%(error)s). Check the address, and reach the customer another "
        "way."
    ),
    kind=_kind_label,
)
GAVE_UP = notes.define(
    "mail_gave_up",
    gettext_lazy(
        "The customer did not get our email (%(kind)s) to %(to)s: it could not be sent "
        "after %(attempts)s attempts (last error: %(error)s). Reach the customer "
        "another way."
    ),
    kind=_kind_label,
)


def _failure_note(*, mail: OutboundMail, result: Outcome) -> notes.Note:
    """The staff's internal note on a mail that did not reach the customer, read in each
    reader's language (`complaints.notes`)."""
    values = {"kind": mail.kind, "to": mail.to, "attempts": mail.attempts, "error": result.error}
    if result.bouncing:
        return notes.Note(BOUNCED, values)
    if result.smtp_code is not None and 500 <= result.smtp_code < 600:
        return notes.Note(REFUSED, values)
    return notes.Note(GAVE_UP, values)


def mail_fail_bounced(
    *, msgids: Sequence[str], recipients: Sequence[str], reason: str
) -> list[OutboundMail]:
    """A delivery report says our mail `msgids` to `recipients` failed: mark each such mail
    failed (sent or still pending) and note it for staff, in the caller's transaction. A report
    that names none of our mails changes no mail (the address is marked by the caller)."""
    if not msgids:
        return []
    wanted = OutboundMail.objects.filter(
        msgid__in=list(msgids)[:50], status__in=[MailStatus.SENT, MailStatus.PENDING]
    )
    if recipients:
        wanted = wanted.filter(to__in=[r.lower() for r in recipients] + list(recipients))
    mails = list(wanted.select_for_update())
    now = timezone.now()
    error = f"Bounced: {reason}"[:500]
    for mail in mails:
        OutboundMail.objects.filter(pk=mail.pk).update(
            status=MailStatus.FAILED, failed_at=now, last_error=error, claimed_until=None
        )
        complaint_services.message_add(
            complaint_id=mail.complaint_id,
            actor=None,
            visibility=Visibility.INTERNAL,
            note=_failure_note(
                mail=mail,
                result=Outcome(outcome=AttemptOutcome.FAILED, error=reason, bouncing=True),
            ),
        )
    return mails


def mail_send_due(*, batch_size: int = 200, now: datetime | None = None) -> dict[str, int]:
    """The beat sweep: send every due mail no task sent (a lost enqueue, a retry whose time has
    come, a lease that ended). Each mail is claimed on its own, so sweeps may run at once; they
    go through one SMTP session (a new one after a failure), not a connection per mail."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    ids = list(
        OutboundMail.objects.filter(status=MailStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    connection = _batch_connection() if ids else None
    try:
        for pk in ids:
            outcome = mail_send(mail_id=pk, now=now, connection=connection)
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        if connection is not None:
            connection.close()
    return counts


def _batch_connection() -> SmtpBackend | None:
    """The SMTP backend, to keep one session open across a batch; None for any other backend
    (the file backend would write a whole batch into one file)."""
    backend = get_connection(fail_silently=False)
    return backend if isinstance(backend, SmtpBackend) else None


def outbound_mail_mark_historic(*, complaint_ids: list[int]) -> int:
    """Mark the pending mails of these complaints sent when they were written: for a history
    loaded into the past (the demo), which went out back then. Returns how many."""
    return OutboundMail.objects.filter(
        complaint_id__in=complaint_ids, status=MailStatus.PENDING
    ).update(status=MailStatus.SENT, sent_at=F("created_at"), attempts=1)


def mail_merge(*, changes: Sequence[Any]) -> int:
    """The `merge` step: a merged complaint's outgoing and incoming mails move to the survivor
    (`payload["into"]`), so the customer's replies to them thread there. Returns rows moved."""
    moved = 0
    for change in changes:
        into = change.payload["into"]
        for model in (OutboundMail, InboundMail):
            moved += model.objects.filter(complaint_id=change.complaint_id).update(
                complaint_id=into
            )
    return moved
