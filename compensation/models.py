"""Authority rules, compensation requests and the log of rule edits.

Invariants:
- `CompensationRequest.status` is written only by `compensation.services`, in the same
  transaction as the complaint transition it belongs to (remedy, escalate, approve, return).
- Every decided request keeps the rule that decided it twice: a foreign key (for joins) and a
  JSON snapshot of the limits at decision time (rules are editable; history must not change).
- `AuthorityRuleChange` rows are append-only, and a decided `CompensationRequest` is the decision
  log: frozen (on PostgreSQL by trigger) except its `complaint` (a merge moves it) and a logged
  redaction of its text columns (`core.audit.audit_redact`). Requests are never deleted.
This app sits at the top: it may import complaints and escalation, never the other way round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compensation import decision, money
from complaints import notes
from complaints.models import Outcome
from core.audit import AppendOnlyError, AppendOnlyModel, audit_triggers


class Kind(models.TextChoices):
    REFUND = decision.REFUND, _("Refund")
    REPLACEMENT = decision.REPLACEMENT, _("Replacement")
    STORE_CREDIT = decision.STORE_CREDIT, _("Store credit")
    VOUCHER = decision.VOUCHER, _("Voucher")
    GIFT = decision.GIFT, _("Gift")
    SHIPPING_REFUND = decision.SHIPPING_REFUND, _("Shipping refund")


class Nature(models.TextChoices):
    REDRESS = decision.REDRESS, _("Redress")
    GOODWILL = decision.GOODWILL, _("Goodwill")


class RequiredTier(models.TextChoices):
    FRONTLINE = decision.FRONTLINE, _("Frontline")
    TEAM_LEAD = decision.TEAM_LEAD, _("Team lead")
    MANAGER = decision.MANAGER, _("Manager")
    SUPERUSER = decision.SUPERUSER, _("Superuser")


class Status(models.TextChoices):
    GRANTED = "granted", _("Granted on the spot")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# What counts against the limits: everything given or still waiting to be given.
COMMITTED_STATUSES = (Status.GRANTED, Status.APPROVED, Status.PENDING)
GIVEN_STATUSES = (Status.GRANTED, Status.APPROVED)


def _money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=money.MAX_DIGITS, decimal_places=money.DECIMAL_PLACES, **kwargs
    )


class AuthorityRule(models.Model):
    """Holders of `role` (a group name) may grant `kind` up to these limits, in `currency`."""

    role = models.CharField(_("role"), max_length=150, help_text=_("Group name, e.g. frontline."))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    max_per_grant = _money_field(verbose_name=_("max per grant"))
    max_per_complaint = _money_field(verbose_name=_("max per complaint"))
    max_per_customer_30d = _money_field(verbose_name=_("max per customer per 30 days"))
    currency = models.CharField(_("currency"), max_length=3, default=money.DEFAULT_CURRENCY)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["role", "kind"]
        verbose_name = _("authority rule")
        verbose_name_plural = _("authority rules")
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="authority_rule_role_kind")
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.get_kind_display()} ≤ {self.max_per_grant} {self.currency}"

    def as_rule(self) -> decision.Rule:
        return decision.Rule(
            role=self.role,
            kind=self.kind,
            max_per_grant=self.max_per_grant,
            max_per_complaint=self.max_per_complaint,
            max_per_customer_30d=self.max_per_customer_30d,
            currency=self.currency,
            id=self.pk,
        )


RULE_CHANGE_REDACTABLE = ("actor_label",)  # the editor's name


class AuthorityRuleChange(AppendOnlyModel):
    """Append-only (`core.audit`): who changed which authority rule, from what, to what."""

    AUDIT_REDACTABLE = RULE_CHANGE_REDACTABLE

    # PROTECT: deleting a rule would rewrite its history (the trigger refuses that anyway).
    rule = models.ForeignKey(
        AuthorityRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("rule"),
    )
    action = models.CharField(_("action"), max_length=16)  # created / changed
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("authority rule change")
        verbose_name_plural = _("authority rule changes")
        triggers = audit_triggers(redactable=RULE_CHANGE_REDACTABLE)

    def __str__(self) -> str:
        return f"{self.action} rule {self.rule_id} by {self.actor_label}"


# Free text of a request that may carry personal words (what staff wrote about the customer).
REQUEST_REDACTABLE = (
    "note",
    "reason",
    "remedy_message",
    "root_cause",
    "decision_note",
    "decision_note_params",
)


class CompensationRequestQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("Compensation requests are the decision log: never deleted")


class CompensationRequest(models.Model):
    """One item of a remedy. Pending, it waits for a decision; decided, it is the decision log
    (see the module docstring): the PostgreSQL trigger freezes it, the model refuses deletes."""

    AUDIT_REDACTABLE = REQUEST_REDACTABLE

    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        related_name="compensation_requests",
        verbose_name=_("complaint"),
    )
    # Denormalised from the complaint so the 30-day per-customer sum is one indexed query.
    customer = models.ForeignKey(
        "complaints.Customer",
        on_delete=models.PROTECT,
        related_name="compensation_requests",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    amount = _money_field(verbose_name=_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=money.DEFAULT_CURRENCY)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    nature = models.CharField(
        _("redress or goodwill"),
        max_length=16,
        choices=Nature.choices,
        default=Nature.REDRESS,
        help_text=_("Redress puts right what went wrong; goodwill is a gesture beyond that."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    required_tier = models.CharField(
        _("required tier"), max_length=16, choices=RequiredTier.choices
    )
    # The rule that decided (granted it, or stopped it when it went pending; the approver's
    # rule once approved) and its limits at that moment.
    rule = models.ForeignKey(
        AuthorityRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule"),
    )
    rule_snapshot = models.JSONField(_("rule snapshot"), default=dict, blank=True)
    reason = models.CharField(
        _("reason"), max_length=500, blank=True, help_text=_("Why it was decided so.")
    )
    stopped_by = models.JSONField(
        _("stopped by"),
        default=dict,
        blank=True,
        help_text=_("The rule and limit that sent it for approval."),
    )
    # What the requester wanted to tell the customer, sent when the approval comes through.
    remedy_message = models.TextField(_("remedy message"), blank=True)
    root_cause = models.CharField(_("root cause"), max_length=200, blank=True)
    # The outcome the requester recorded with the remedy, applied when the approval comes through.
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("outcome reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # A note the system wrote (compensation withdrawn), as a code and parameters read in the
    # reader's language (`complaints.notes`); `decision_note` keeps its English text.
    decision_note_code = models.CharField(_("decision note code"), max_length=64, blank=True)
    decision_note_params = models.JSONField(_("decision note parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = CompensationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["customer", "kind", "created_at"]),
            models.Index(fields=["complaint", "status"]),
        ]
        verbose_name = _("compensation request")
        verbose_name_plural = _("compensation requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="compensation_amount_not_negative"
            ),
        ]
        triggers = audit_triggers(
            redactable=REQUEST_REDACTABLE,
            movable=("complaint_id",),  # merging duplicates moves requests to the survivor
            open_while="OLD.status = 'pending'",
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.status})"

    @property
    def money(self) -> str:
        return money.format_money(self.amount, self.currency)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Compensation requests are the decision log: never deleted")

    @property
    def decision_note_text(self) -> str:
        """The decision note in the reader's language (one the system wrote), or as typed."""
        return notes.render(self.decision_note_code, self.decision_note_params, self.decision_note)


class PendingApproval(CompensationRequest):
    """Proxy for the admin's approval queue (its own entry on the admin index)."""

    class Meta:
        proxy = True
        verbose_name = _("approval queue")
        verbose_name_plural = _("approval queue")
