"""Inbound mail: one service turns a raw RFC 5322 message into work on a complaint, or into
nothing, and keeps the original either way (DESIGN §9).

Guarantees:
- `mail_ingest` runs in ONE transaction. Its first write is the `InboundMail` row, unique on the
  Message-ID: the same mail twice (a retrying MTA, two pollers, a re-dropped file) is ingested
  once; a concurrent second insert waits on the unique index and is answered "duplicate".
- The original bytes are stored through Django's default storage (`mail/inbound/<sha256>.eml`,
  so S3 works by configuration) before the row; a rollback may leave the file, never lose it.
- A reply — by In-Reply-To/References to one of our mails or an earlier mail of the customer,
  else by `[CMP-YYYY-NNNNNN]` in the subject when it comes from that complaint's customer's own
  address — is the customer's message on that complaint (`message_add`), or reopens it
  (`complaint_reopen`) when it was remedied within `MAIL_REOPEN_WINDOW_DAYS`. Anything else is a
  new complaint in venting (`complaint_intake`, channel email, the customer's whole text
  verbatim). A reply's message is its visible part (our quoted history and the signature
  stripped); the original is kept.
- No loops, no junk: automatic mail (auto-replies, lists, robots, our own mail coming back) is
  recorded as ignored and creates nothing; a delivery report marks the failed address as
  bouncing (`BouncingAddress`) and fails the mail it reports on, with a note to staff. Too big,
  too many from one sender in an hour, unreadable, or refused by the complaint services: kept as
  quarantined with the reason. Nothing a sender can put in a mail makes this raise.
- The mail's files become attachments of the customer message it became, through the complaints'
  attachment service in the same transaction; the whole original goes with them as a
  `message/rfc822` attachment (staff only). A file the service refuses (a program, an archive
  of programs, too big) is not stored, and an internal note on the complaint names it and says
  why. `InboundMail.raw` stays: it keeps the original of every mail, also those that became no
  message (ignored, quarantined, bounces), in the default storage.
- O(1) queries per mail, whatever the thread's length (and per file it carries).
This module imports complaints' services and models, and the mail app's own modules.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.models import AttachmentKind, Channel, Complaint, Message, State, Visibility
from core.errors import DomainError, InvalidTransitionError
from mail import services as mail_services
from mail.models import BouncingAddress, InboundMail, InboundOutcome, OutboundMail
from mail.parsing import ParsedMail, ParseError, header_msgid, mail_parse, visible_reply

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"\[(CMP-\d{4}-\d{6,})\]")
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # an InboundOutcome value, or "duplicate"
    msgid: str
    inbound_id: int | None = None
    complaint_id: int | None = None
    reference: str = ""
    reason: str = ""

    @property
    def kind(self) -> str:
        """What an MTA pipe or a poller reports: ingested, duplicate, ignored or quarantined."""
        if self.outcome in (InboundOutcome.IGNORED, InboundOutcome.QUARANTINED, DUPLICATE):
            return str(self.outcome)
        return "ingested"

    def line(self) -> str:
        parts = [self.kind, self.outcome, self.msgid]
        if self.reference:
            parts.append(self.reference)
        if self.reason:
            parts.append(self.reason)
        return " ".join(str(p) for p in parts)


def _setting(name: str, default):
    return getattr(settings, name, default)


def _store_raw(raw: bytes) -> str:
    """The original bytes in the default storage, named by their hash (stored once)."""
    name = f"mail/inbound/{hashlib.sha256(raw).hexdigest()}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name


def _our_address() -> str:
    return parseaddr(settings.MAIL_FROM)[1].lower()


def mail_ingest(*, raw: bytes, source: str) -> IngestResult:
    """Ingest one raw message (see the module's guarantees). Raises only when the database or
    the storage fails (a local failure: the caller retries); never for what the mail contains."""
    now = timezone.now()
    limit = _setting("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
    parsed: ParsedMail | None = None
    quarantine = ""
    if len(raw) > limit:
        msgid = header_msgid(raw)
        quarantine = _("Too big: %(size)s bytes, the limit is %(limit)s.") % {
            "size": len(raw),
            "limit": limit,
        }
    else:
        try:
            parsed = mail_parse(raw)
            msgid = parsed.msgid
        except ParseError as exc:
            msgid, quarantine = header_msgid(raw), str(exc)
        except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not crash
            log.exception("Inbound mail could not be parsed")
            msgid = header_msgid(raw)
            quarantine = _("The message could not be read: %(error)s") % {"error": repr(exc)}
    raw_name = _store_raw(raw)
    with transaction.atomic():
        row = InboundMail(
            msgid=msgid,
            received_at=now,
            source=source[:32],
            raw=raw_name,
            size=len(raw),
            sender=parsed.sender[:254] if parsed else "",
            subject=parsed.subject if parsed else "",
        )
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return IngestResult(outcome=DUPLICATE, msgid=msgid)
        if parsed is not None and not quarantine:
            outcome, reason, complaint = _decide(row=row, parsed=parsed, raw=raw, now=now)
        else:
            outcome, reason, complaint = InboundOutcome.QUARANTINED, quarantine, None
        row.outcome, row.reason = outcome, reason[:500]
        row.complaint = complaint
        row.save(update_fields=["outcome", "reason", "complaint", "message"])
    if outcome == InboundOutcome.QUARANTINED:
        log.warning("Inbound mail %s quarantined: %s", msgid, reason)
    return IngestResult(
        outcome=outcome,
        msgid=msgid,
        inbound_id=row.pk,
        complaint_id=complaint.pk if complaint else None,
        reference=(complaint.reference or "") if complaint else "",
        reason=reason,
    )


def _decide(
    *, row: InboundMail, parsed: ParsedMail, raw: bytes, now
) -> tuple[str, str, Complaint | None]:
    if parsed.bounce is not None:
        return _bounced(parsed=parsed, now=now)
    if parsed.automatic:
        return InboundOutcome.IGNORED, parsed.automatic, None
    if parsed.sender == _our_address():
        return InboundOutcome.IGNORED, _("Our own mail came back (a mail loop)."), None
    per_hour = _setting("MAIL_INBOUND_PER_SENDER_PER_HOUR", 20)
    recent = (
        InboundMail.objects.filter(sender=parsed.sender, received_at__gte=now - timedelta(hours=1))
        .exclude(pk=row.pk)
        .count()
    )
    if recent >= per_hour:
        return (
            InboundOutcome.QUARANTINED,
            _("Rate limit: %(count)s mails from %(sender)s in the last hour (at most %(limit)s).")
            % {"count": recent, "sender": parsed.sender, "limit": per_hour},
            None,
        )
    words = visible_reply(parsed.text) if parsed.text.strip() else ""
    try:
        with transaction.atomic():  # a refusal below undoes only its own writes
            outcome, reason, complaint = _deliver(row=row, parsed=parsed, words=words, now=now)
            if complaint is not None and row.message is not None:
                _attach(message=row.message, complaint=complaint, parsed=parsed, raw=raw, row=row)
            return outcome, reason, complaint
    except DomainError as exc:
        refusal = _("Refused by the complaint rules: %(error)s %(fields)s") % {
            "error": exc.message,
            "fields": exc.fields or "",
        }
        return InboundOutcome.QUARANTINED, refusal.strip(), None


def _thread_complaint(parsed: ParsedMail) -> Complaint | None:
    """The complaint this mail answers: by its threading headers (one query over our mails and
    the customer's earlier ones), else by the reference in the subject from the customer."""
    if parsed.reply_ids:
        ids = parsed.reply_ids[:50]
        known = list(
            OutboundMail.objects.filter(msgid__in=ids)
            .order_by()  # a compound statement takes no ORDER BY in its parts (SQLite)
            .values_list("msgid", "complaint_id")
            .union(
                InboundMail.objects.filter(msgid__in=ids, complaint__isnull=False)
                .order_by()
                .values_list("msgid", "complaint_id")
            )
        )
        by_id = dict(known)
        for msgid in ids:  # In-Reply-To first, then the newest reference
            if msgid in by_id:
                return Complaint.objects.select_related("customer").filter(pk=by_id[msgid]).first()
    match = REFERENCE.search(parsed.subject)
    if match:
        return (
            Complaint.objects.select_related("customer")
            .filter(reference=match.group(1), customer__email__iexact=parsed.sender)
            .first()
        )
    return None


def _deliver(
    *, row: InboundMail, parsed: ParsedMail, words: str, now
) -> tuple[str, str, Complaint | None]:
    complaint = _thread_complaint(parsed)
    for _hop in range(10):  # a merged complaint lives on in the one it was merged into
        if complaint is None or complaint.merged_into_id is None:
            break
        complaint = Complaint.objects.select_related("customer").get(pk=complaint.merged_into_id)
    name = parsed.sender_name or parsed.sender.partition("@")[0]
    if complaint is None:
        created, _new = complaint_services.complaint_intake(
            customer_name=name[:200],
            customer_email=parsed.sender,
            subject=parsed.subject.strip() or _("(no subject)"),
            # A new complaint keeps the whole text: a forward or a quote of someone else's mail
            # is the customer's evidence, not our own history.
            description=parsed.text.strip("\n").rstrip() or parsed.subject,
            channel=Channel.EMAIL,
            actor=None,
        )
        row.message = created.messages.filter(kind="customer").order_by("pk").first()
        return InboundOutcome.COMPLAINT, "", created
    label = complaint.customer.name or name
    body = words or parsed.subject
    window = timedelta(days=_setting("MAIL_REOPEN_WINDOW_DAYS", 30))
    if complaint.state == State.REMEDIED and complaint.state_changed_at >= now - window:
        try:
            with transaction.atomic():
                complaint_services.complaint_reopen(
                    complaint_id=complaint.pk, actor=None, message=body, customer_label=label
                )
        except InvalidTransitionError:
            pass  # changed meanwhile: the words still land as a message below
        else:
            row.message = complaint.messages.filter(kind="customer").order_by("-pk").first()
            return InboundOutcome.REOPENED, "", complaint
    row.message = complaint_services.message_add(
        complaint_id=complaint.pk, actor=None, body=body, customer_label=label
    )
    return InboundOutcome.MESSAGE, "", complaint


def _attach(
    *, message: Message, complaint: Complaint, parsed: ParsedMail, raw: bytes, row: InboundMail
) -> None:
    """The mail's files and its original on `message`; refused files noted for staff."""
    uploads = [
        complaint_services.Upload(filename=f.filename, size=len(f.content), content=f.content)
        for f in parsed.files
    ]
    uploads.append(
        complaint_services.Upload(
            filename=f"mail-{row.received_at:%Y%m%d-%H%M%S}.eml",
            size=len(raw),
            content=raw,
            kind=AttachmentKind.ORIGINAL,
            content_type="message/rfc822",
        )
    )
    _stored, refused = complaint_services.attachment_add(
        message=message, uploads=uploads, partial=True
    )
    if not refused:
        return
    lines = complaint_services.attachments_refused_lines(refused)
    note = _(
        "The customer's email of %(at)s came with files we did not keep:\n%(files)s\n"
        "They are still in the original email (staff only); ask the customer for another "
        "format if you need them."
    ) % {"at": row.received_at.strftime("%Y-%m-%d %H:%M"), "files": "\n".join(lines)}
    complaint_services.message_add(
        complaint_id=complaint.pk, actor=None, body=note, visibility=Visibility.INTERNAL
    )


def _bounced(*, parsed: ParsedMail, now) -> tuple[str, str, Complaint | None]:
    """Mark the failed addresses as bouncing and fail the mails the report is about."""
    bounce = parsed.bounce
    assert bounce is not None
    reason = bounce.diagnostic or _("Delivery failed.")
    for address in bounce.recipients:
        BouncingAddress.objects.update_or_create(
            email=address[:254],
            defaults={"last_report_at": now, "reason": reason[:500]},
            create_defaults={"since": now, "last_report_at": now, "reason": reason[:500]},
        )
    failed = mail_services.mail_fail_bounced(
        msgids=bounce.original_ids, recipients=bounce.recipients, reason=reason
    )
    summary = _("Delivery failed for %(recipients)s: %(reason)s") % {
        "recipients": ", ".join(bounce.recipients) or "?",
        "reason": reason,
    }
    return InboundOutcome.BOUNCE, summary, failed[0].complaint if failed else None
