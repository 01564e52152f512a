"""Outbound customer mail: one row per public message (the outbox), its attempts, the texts
managers may override, and which integrations mail their customers themselves.

- `OutboundMail` is written in the transaction of the message it carries (a unique constraint:
  at most one mail per message) and sent after commit. Its `msgid` (Message-ID), `in_reply_to` and
  `references` are fixed when it is written, so a retry sends the very same headers.
- `MailAttempt` is append-only: one row per try, whatever happened.
- `InboundMail` is every mail that came in (`mail.inbound.mail_ingest`), keyed by its
  Message-ID, with the original bytes and the outcome; outbound threading reads the customer's
  Message-IDs from it. `BouncingAddress` is an address a delivery report said fails.
This module imports complaints' models only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Message


class MailKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement with its promise")
    APOLOGY = "apology", _("Apology")
    REMEDY = "remedy", _("Remedy")
    LIMIT_SET = "limit_set", _("Final message (limits set)")
    REPLY = "reply", _("Reply")


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMail(models.Model):
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="outbound_mails",
        verbose_name=_("complaint"),
    )
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="outbound_mail", verbose_name=_("message")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MailKind.choices)
    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=16)
    # Automatic mails (written without a person acting) carry `Auto-Submitted: auto-replied`.
    automatic = models.BooleanField(_("automatic"), default=False)
    msgid = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)  # as sent
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("customer email")
        verbose_name_plural = _("customer emails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_mail_due",
                condition=models.Q(status="pending"),
            ),
            # /metrics counts failed customer mail on every scrape (ops.selectors).
            models.Index(
                fields=["id"], name="outbound_mail_failed", condition=models.Q(status="failed")
            ),
            models.Index(fields=["complaint", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed for good")


class MailAttempt(models.Model):
    mail = models.ForeignKey(
        OutboundMail, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("mail")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=AttemptOutcome.choices)
    smtp_code = models.PositiveSmallIntegerField(_("SMTP code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("email attempt")
        verbose_name_plural = _("email attempts")
        constraints = [models.UniqueConstraint(fields=["mail", "number"], name="mail_attempt_once")]

    def __str__(self) -> str:
        return f"#{self.number} {self.outcome}"


class MailTemplate(models.Model):
    """A manager's text for one kind of mail in one language; it wins over the file templates
    (`templates/mail/<kind>.txt`). Django template syntax, with the same context."""

    kind = models.CharField(_("kind"), max_length=24, choices=MailKind.choices)
    # A code of settings.LANGUAGES (the admin offers them); not `choices`, so adding a language
    # needs no migration.
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        blank=True,
        help_text=_("Blank: the complaint's subject. The reference is always put in front."),
    )
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_(
            "Blank: the standard text. Variables: {{ customer_name }}, {{ reference }}, "
            "{{ message }}, {{ summary }}, {{ promised_by }}, {{ signature }}."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("email text")
        verbose_name_plural = _("email texts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="mail_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class IntegrationMailSetting(models.Model):
    """An integration that mails its customers itself: no customer mail for the complaints it
    files (`mail_customers=False`). Without a row, customers are mailed."""

    integration = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_setting",
        verbose_name=_("integration"),
    )
    mail_customers = models.BooleanField(
        _("mail its customers"),
        default=True,
        help_text=_("Off: the integration mails its customers itself; Redress sends nothing."),
    )

    class Meta:
        verbose_name = _("integration mail setting")
        verbose_name_plural = _("integration mail settings")

    def __str__(self) -> str:
        return f"{self.integration}: {'mail' if self.mail_customers else 'no mail'}"


class InboundOutcome(models.TextChoices):
    MESSAGE = "message", _("Customer message on its complaint")
    REOPENED = "reopened", _("Reopened its complaint")
    COMPLAINT = "complaint", _("New complaint")
    BOUNCE = "bounce", _("Delivery failure report")
    IGNORED = "ignored", _("Ignored (automatic mail)")
    QUARANTINED = "quarantined", _("Quarantined")


def inbound_raw_path(instance: InboundMail, filename: str) -> str:
    return f"mail/inbound/{filename}"


class InboundMail(models.Model):
    """A mail that came in, by Message-ID (unique: the same mail twice is ingested once), with
    its original bytes in Django's default storage and what ingest made of it. A mail without a
    Message-ID is keyed by the SHA-256 of its bytes (`<sha256@no-message-id.invalid>`)."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="inbound_mails",
        null=True,
        blank=True,
        verbose_name=_("complaint"),
    )
    message = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mail",
        verbose_name=_("message"),
    )
    msgid = models.CharField(_("Message-ID"), max_length=255, unique=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    sender = models.CharField(_("from"), max_length=254, blank=True)  # lower-cased address
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)  # stdin, maildir, ...
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=InboundOutcome.choices,
        default=InboundOutcome.MESSAGE,
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    raw = models.FileField(_("original message"), upload_to=inbound_raw_path, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        indexes = [
            models.Index(fields=["complaint", "received_at"]),
            models.Index(fields=["sender", "received_at"], name="inbound_mail_sender_rate"),
        ]

    def __str__(self) -> str:
        return self.msgid


class BouncingAddress(models.Model):
    """An address a delivery-status notification said failed: no customer mail is sent to it
    (the mail fails at once with a note to staff) until staff delete the row."""

    email = models.CharField(_("email address"), max_length=254, unique=True)  # lower-cased
    since = models.DateTimeField(_("bouncing since"), default=timezone.now)
    last_report_at = models.DateTimeField(_("last report"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-last_report_at"]
        verbose_name = _("bouncing email address")
        verbose_name_plural = _("bouncing email addresses")

    def __str__(self) -> str:
        return self.email


class PollLease(models.Model):
    """Who polls a mailbox now: one row per mailbox, claimed by a conditional UPDATE until
    `held_until` (`mail.imap`), so two beats or two hosts never poll one mailbox at once, and a
    poller that died frees it when its lease ends."""

    name = models.CharField(_("mailbox"), max_length=200, unique=True)
    holder = models.CharField(_("held by"), max_length=64, blank=True)
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox poll lease")
        verbose_name_plural = _("mailbox poll leases")

    def __str__(self) -> str:
        return self.name
