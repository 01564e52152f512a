"""Complaints, their customers, timeline and audit trail.

The workflow is declared once, here, as django_fsm transitions on `Complaint.state`
(`protected=True`: the field cannot be assigned directly). Only `complaints.services` fires the
transitions; they lock the row, save with `update_fields`, and write a `TransitionLog` row, which
is append-only. This module must not import the escalation or compensation apps.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from complaints import notes
from core import roles


class State(models.TextChoices):
    VENTING = "venting", _("Venting")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    APOLOGIZED = "apologized", _("Apologized")
    REMEDIED = "remedied", _("Remedied")
    ESCALATED = "escalated", _("Escalated")
    LIMIT_SET = "limit_set", _("Limit set")


OPEN_STATES = (State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED, State.ESCALATED)


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
    # A system note's code and parameters (`complaints.notes`): shown in the reader's language;
    # `body` keeps its English text. Blank for what a person wrote.
    note_code = models.CharField(max_length=64, blank=True, verbose_name=_("note code"))
    note_params = models.JSONField(default=dict, blank=True, verbose_name=_("note parameters"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.visibility}) at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The body in the reader's language (a system note), or as written."""
        return notes.render(self.note_code, self.note_params, self.body)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class TransitionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("TransitionLog rows cannot be changed")

    def delete(self):
        raise AppendOnlyError("TransitionLog rows cannot be deleted")


class TransitionLog(models.Model):
    """Append-only audit of every workflow step (and pause/resume, level raises)."""

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
    # A reason the system wrote, as a code and parameters (`complaints.notes`); `reason` keeps
    # its English text. Blank for a reason a person gave.
    reason_code = models.CharField(max_length=64, blank=True, verbose_name=_("reason code"))
    reason_params = models.JSONField(default=dict, blank=True, verbose_name=_("reason parameters"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = TransitionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition log")
        verbose_name_plural = _("transition logs")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state} by {self.actor_label}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("TransitionLog rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("TransitionLog rows cannot be deleted")

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (one the system wrote), or as given."""
        return notes.render(self.reason_code, self.reason_params, self.reason)


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


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The zones staff may pick (read from the zoneinfo database once per process)."""
    return frozenset(available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    # A callable: the zoneinfo database may gain zones without a migration.
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


def _site_time_zone() -> str:
    return settings.TIME_ZONE


class StaffProfile(models.Model):
    """What a staff user chose for themselves: the language of their screens (blank: the
    browser's) and the time zone they read times in (the site's until they pick one). Read once
    per session (`complaints.middleware`), never per request."""

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
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=_site_time_zone,
        help_text=_("Due times, dates and date inputs are shown in it."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
