"""Complaints, their customers, timeline and audit trail.

The workflow is declared once, here, as django_fsm transitions on `Complaint.state`
(`protected=True`: the field cannot be assigned directly). Only `complaints.services` fires the
transitions; they lock the row, save with `update_fields`, and write a `TransitionLog` row, which
is append-only (`core.audit`). This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from core import roles
from core.audit import AppendOnlyError as AppendOnlyError  # raised on audit rows; re-exported
from core.audit import AppendOnlyModel, audit_triggers


class State(models.TextChoices):
    VENTING = "venting", _("Venting")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    APOLOGIZED = "apologized", _("Apologized")
    REMEDIED = "remedied", _("Remedied")
    ESCALATED = "escalated", _("Escalated")
    LIMIT_SET = "limit_set", _("Limit set")
    # Folded into another complaint of the same customer (`Complaint.merged_into`): closed for
    # good, its timeline, deadlines and compensation live on in the survivor.
    MERGED = "merged", _("Merged")


OPEN_STATES = (State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED, State.ESCALATED)
# States in which nothing more is due (no deadline may run).
CLOSED_STATES = (State.REMEDIED, State.LIMIT_SET, State.MERGED)


class Channel(models.TextChoices):
    API = "api", _("API")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    IN_PERSON = "in_person", _("In person")


class Category(models.TextChoices):
    MISSING_ITEM = "missing_item", _("Missing item")
    DAMAGED = "damaged", _("Damaged or defective")
    DELIVERY = "delivery", _("Delivery")
    BILLING = "billing", _("Billing")
    SERVICE = "service", _("Service")
    PRODUCT = "product", _("Product quality")
    # Financial products, each under a regulatory regime by default (regimes.RegimeAssignment).
    CARD_PAYMENTS = "card_payments", _("Card payments")
    CURRENT_ACCOUNT = "current_account", _("Current account")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Fault(models.TextChoices):
    COMPANY = "company", _("Ours")
    CUSTOMER = "customer", _("Customer's misunderstanding")
    SHARED = "shared", _("Shared")
    UNDETERMINED = "undetermined", _("Not yet known")


class CustomerRequest(models.TextChoices):
    """What the customer asks for at intake (DESIGN §10); blank: not stated."""

    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    REPAIR = "repair", _("Repair")
    EXPLANATION = "explanation", _("Explanation")
    APOLOGY = "apology", _("Apology")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    """What closing decided (DESIGN §10): recorded by remedy (or the approval that remedies) and
    by set_limits; blank while the complaint is open."""

    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")


# The outcomes that need reasons: the customer is owed an explanation of what was refused.
OUTCOMES_WITH_REASONS = (Outcome.PARTLY_UPHELD, Outcome.NOT_UPHELD)
# The reasons the data migration (compensation 0005) wrote for complaints closed before outcomes
# existed: stored in English, shown translated (`Complaint.outcome_reason_display`).
MIGRATED_REASONS = {
    "limit_set": gettext_noop("Recorded before outcomes existed: limits were set."),
    "shared": gettext_noop("Recorded before outcomes existed: the fault was shared."),
    "customer": gettext_noop(
        "Recorded before outcomes existed: a misunderstanding on the customer's side, "
        "nothing put right."
    ),
}


class Tier(models.TextChoices):
    FRONTLINE = roles.FRONTLINE, _("Frontline")
    TEAM_LEAD = roles.TEAM_LEAD, _("Team lead")
    MANAGER = roles.MANAGER, _("Manager")


class Customer(models.Model):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    email = models.EmailField(max_length=254, db_index=True, verbose_name=_("email"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    external_ref = models.CharField(
        max_length=128, blank=True, db_index=True, verbose_name=_("external reference")
    )
    # The integration whose `external_ref` this is: it sees all of this customer's complaints.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    # The language the customer is written to (a code of settings.LANGUAGES); blank: the site's
    # LANGUAGE_CODE. Free text rather than choices, so adding a language needs no migration.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("The language emails to this customer are written in; blank: the default."),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # Set once, by `privacy.services.customer_anonymise`: the personal data is gone for good.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        # One customer per person: intake matches by email case-insensitively (UPPER(email) =
        # UPPER(%s), served by this unique index) and by a non-empty `external_ref`.
        constraints = [
            models.UniqueConstraint(
                Upper("email"),
                name="customer_email_ci_unique",
                violation_error_message=_("A customer with this email address already exists."),
            ),
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~models.Q(external_ref=""),
                name="customer_external_ref_unique",
                violation_error_message=_(
                    "A customer with this external reference already exists."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def _no_abuse_gate(complaint: Complaint) -> bool:
    """Limits are never the first move: refused while venting unless a manager flagged abuse."""
    return complaint.state != State.VENTING or complaint.abuse_flagged


class Complaint(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.API
    )
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, default=Category.OTHER
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(
        help_text=_("The customer's own words, verbatim."), verbose_name=_("description")
    )
    summary = models.TextField(
        blank=True, help_text=_("Key points restated to the customer."), verbose_name=_("summary")
    )
    summary_confirmed = models.BooleanField(default=False, verbose_name=_("summary confirmed"))
    fault = models.CharField(
        max_length=16, choices=Fault.choices, blank=True, verbose_name=_("fault")
    )
    root_cause = models.CharField(max_length=200, blank=True, verbose_name=_("root cause"))
    customer_request = models.CharField(
        _("customer asks for"),
        max_length=16,
        choices=CustomerRequest.choices,
        blank=True,
        help_text=_("What the customer asks for; blank: not stated."),
    )
    customer_request_detail = models.CharField(
        _("customer's request in their words"), max_length=500, blank=True
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=Outcome.choices,
        blank=True,
        help_text=_("Recorded when the complaint is remedied or limits are set."),
    )
    outcome_reason = models.TextField(_("outcome reasons"), blank=True)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.VENTING,
        protected=True,
        db_index=True,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.FRONTLINE)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_from = models.CharField(
        max_length=16, choices=State.choices, blank=True, verbose_name=_("escalated from")
    )
    reopen_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("reopen count"))
    abuse_flagged = models.BooleanField(default=False, verbose_name=_("abuse flagged"))
    promised_by = models.DateTimeField(null=True, blank=True, verbose_name=_("promised by"))
    # The earliest due time of the complaint's running deadlines (open and not paused), for the
    # queue's order. Written only by the escalation app, with a queryset update (no version bump,
    # no transition); null when no deadline is running.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    pause_reason = models.CharField(max_length=500, blank=True, verbose_name=_("pause reason"))
    pause_until = models.DateTimeField(null=True, blank=True, verbose_name=_("pause until"))
    # The filer's own id for it (unique per filer: two shops may both have an "order-1").
    external_id = models.CharField(_("external id"), max_length=128, null=True, blank=True)  # noqa: DJ001 (NULL: no id, never a clash)
    # Who filed it (an integration sees the complaints it filed); null for old rows.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filed_complaints",
        verbose_name=_("filed by"),
    )
    # The complaint this one was merged into (state `merged`); set by the merge transition only.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_complaints",
        verbose_name=_("merged into"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("updated at")
    )
    state_changed_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("state changed at")
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["tier", "state"]),
        ]
        permissions = [("work_complaint", "Can work complaints")]
        constraints = [
            models.UniqueConstraint(
                fields=["filed_by", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="complaint_external_id_per_filer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'new'}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def outcome_reason_display(self) -> str:
        """The outcome's reasons as written, or in the reader's language when the migration
        wrote them."""
        if self.outcome_reason in MIGRATED_REASONS.values():
            return gettext(self.outcome_reason)
        return self.outcome_reason

    # The workflow (DESIGN §2). Bodies are empty on purpose: the services set the data, so that
    # validation, locking and audit live in one place.

    @transition(state, source=State.VENTING, target=State.ACKNOWLEDGED, permission=roles.can_work)
    def acknowledge(self) -> None:
        pass

    @transition(
        state, source=State.ACKNOWLEDGED, target=State.APOLOGIZED, permission=roles.can_work
    )
    def apologize(self) -> None:
        pass

    @transition(
        state,
        source=[State.APOLOGIZED, State.ESCALATED],
        target=State.REMEDIED,
        permission=roles.can_remedy,
    )
    def remedy(self) -> None:
        pass

    @transition(
        state,
        source=[State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED],
        target=State.ESCALATED,
        permission=roles.can_work,
    )
    def escalate(self) -> None:
        pass

    @transition(state, source=State.ESCALATED, target=State.REMEDIED, permission=roles.can_approve)
    def approve(self) -> None:
        pass

    @transition(
        state,
        source=State.ESCALATED,
        target=RETURN_VALUE(State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED),
        permission=roles.can_return,
    )
    def return_(self) -> str:
        return self.escalated_from or State.APOLOGIZED

    @transition(
        state,
        source=[State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED, State.ESCALATED],
        target=State.LIMIT_SET,
        conditions=[_no_abuse_gate],
        permission=roles.can_set_limits,
    )
    def set_limits(self) -> None:
        pass

    @transition(
        state,
        source=[State.REMEDIED, State.LIMIT_SET],
        target=State.VENTING,
        permission=roles.can_reopen,
    )
    def reopen(self) -> None:
        pass

    @transition(state, source=list(OPEN_STATES), target=State.MERGED, permission=roles.can_work)
    def merge(self) -> None:
        pass


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal note")


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class Message(models.Model):
    """One timeline entry. Internal notes never reach the customer."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="messages", verbose_name=_("complaint")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_label = models.CharField(max_length=200, blank=True, verbose_name=_("author label"))
    kind = models.CharField(
        max_length=16,
        choices=MessageKind.choices,
        default=MessageKind.STAFF,
        verbose_name=_("kind"),
    )
    visibility = models.CharField(
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        verbose_name=_("visibility"),
    )
    body = models.TextField(verbose_name=_("body"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.visibility}) at {self.created_at:%Y-%m-%d %H:%M}"


def attachment_storage():
    """The "attachments" storage (settings.STORAGES): the filesystem, or S3 in production."""
    from django.core.files.storage import storages

    return storages["attachments"]


class AttachmentKind(models.TextChoices):
    FILE = "file", _("File")
    # The whole mail a customer message came from, kept as evidence: staff only (its headers
    # name our relays, and it still holds any file that was refused).
    ORIGINAL = "original", _("Original email")


class Attachment(models.Model):
    """A file of a message, written in the message's transaction by
    `complaints.services.attachments`, after its bytes were judged (`complaints.inspection`).
    Stored under its sha256 (`attachments/ab/abcdef…`): the stored name says nothing about the
    sender's filename, and a rolled-back write leaves at most an orphan that the same bytes reuse."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.FILE
    )
    file = models.FileField(_("file"), storage=attachment_storage, max_length=255)
    thumbnail = models.FileField(
        _("thumbnail"), storage=attachment_storage, max_length=255, blank=True
    )
    filename = models.CharField(_("filename"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)


# What of a log row may hold personal text: the actor's name, the reason, the step's payload.
LOG_REDACTABLE = ("actor_label", "reason", "payload")


class TransitionLog(AppendOnlyModel):
    """Append-only audit of every workflow step (and pause/resume, level raises).

    Refused by the model guard and, on PostgreSQL, by triggers (`core.audit`): any change or
    delete, except a logged redaction (`core.audit.audit_redact`) of the text columns below.
    """

    AUDIT_REDACTABLE = LOG_REDACTABLE

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="transition_logs",
        verbose_name=_("complaint"),
    )
    transition = models.CharField(max_length=32, verbose_name=_("transition"))
    from_state = models.CharField(
        max_length=16, choices=State.choices, verbose_name=_("from state")
    )
    to_state = models.CharField(max_length=16, choices=State.choices, verbose_name=_("to state"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(max_length=200, verbose_name=_("actor label"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("transition log")
        verbose_name_plural = _("transition logs")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]
        triggers = audit_triggers(redactable=LOG_REDACTABLE)

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state} by {self.actor_label}"


class CannedKind(models.TextChoices):
    EMPATHY = "empathy", _("Empathy")
    APOLOGY = "apology", _("Apology")
    REMEDY = "remedy", _("Remedy")
    LIMIT_SETTING = "limit_setting", _("Limit setting")


class ReplyLanguage(models.TextChoices):
    """The languages staff write replies in (DESIGN §6), each named in itself, as Django's
    language menu does; the codes are Django's and those of the tone rules files."""

    EN = "en", "English"
    ZH_HANS = "zh-hans", "简体中文"
    ZH_HANT = "zh-hant", "繁體中文"
    TH = "th", "ไทย"
    BG = "bg", "Български"


class CannedText(models.Model):
    """A ready phrase an agent inserts into a reply and then makes their own.

    Managers edit these in admin (see complaints.admin.CannedTextAdmin); defaults are seeded by
    data migrations, in each reply language. The reply box lists the user's language first.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=CannedKind.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=ReplyLanguage.choices, default=ReplyLanguage.EN
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["kind", "position", "title"]
        verbose_name = _("canned text")
        verbose_name_plural = _("canned texts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


def _language_choices() -> list[tuple[str, str]]:
    # A callable, so adding a language to settings.LANGUAGES needs no migration.
    return list(settings.LANGUAGES)


class StaffProfile(models.Model):
    """What a staff user chose for themselves: the language of their screens (blank: the
    browser's). Read once per session (`complaints.middleware`), never per request."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=_language_choices,
        help_text=_("Blank: the language your browser asks for."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
