"""Regimes, their clocks, which category falls under which, and the log of every edit.

Invariants:
- A `Regime` is data: its code is stable (seeded: none, uk_fca_disp, eu_psd2, us_cfpb); its
  limits, calendar country, retention and ombudsman are editable by managers in admin, and every
  create, change or delete of a regime, clock or assignment writes one `RegimeChange` row
  (append-only, `core.audit`) in the same transaction (`regimes.services`).
- A `RegimeClock` is one legal limit: `limit` calendar or business days after receipt (business
  days from the regime's holiday country), due at the end of that day in the regime's time zone,
  warned `warn_days` (same unit) before; `stops_on` names the events that meet it. Its deadline
  row's kind is the clock's kind, one clock of a kind per regime. When it lapses the sweep
  breaches it and escalates an open complaint — except a summary window, which just closes.
- A category has at most one `RegimeAssignment`; none means the `none` regime (no clocks).
  A complaint's clocks are decided once, at intake: editing a regime later changes new
  complaints, never the deadlines already running (they are the legal record).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint
from core.audit import AppendOnlyModel, audit_triggers
from escalation.models import DeadlineKind

NONE = "none"
MAX_RETENTION_YEARS = 30


class DayCount(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    BUSINESS = "business", _("Business days")


class ClockKind(models.TextChoices):
    """The deadline kinds a regime's clock may have (a subset of escalation's DeadlineKind)."""

    FINAL_RESPONSE = DeadlineKind.REG_FINAL_RESPONSE.value, _("Final response")
    HOLDING_REPLY = DeadlineKind.REG_HOLDING_REPLY.value, _("Holding reply")
    SUMMARY_WINDOW = DeadlineKind.REG_SUMMARY_WINDOW.value, _("Summary resolution window")


class StopEvent(models.TextChoices):
    """What meets a clock. Letters are sent by the letters work (`regime_clock_stop`); the
    written acceptance is the customer's on the portal; closing is remedied or limits set."""

    FINAL_RESPONSE = "final_response", _("Final response letter sent")
    SUMMARY_RESOLUTION = "summary_resolution", _("Summary resolution letter sent")
    HOLDING_REPLY = "holding_reply", _("Holding reply letter sent")
    WRITTEN_ACCEPTANCE = "written_acceptance", _("Customer's written acceptance")
    CLOSING = "closing", _("Complaint closed")


class Regime(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("calendar country"),
        max_length=8,
        blank=True,
        help_text=_("ISO country code for the public holidays of business days, e.g. GB."),
    )
    subdivision = models.CharField(
        _("calendar subdivision"),
        max_length=8,
        blank=True,
        help_text=_("Optional region code, e.g. ENG."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    retention_years = models.PositiveSmallIntegerField(
        _("retention years"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_YEARS)],
        help_text=_(
            "How many years a closed complaint's records are kept; empty: the general rule."
        ),
    )
    ombudsman_name = models.CharField(_("ombudsman"), max_length=200, blank=True)
    ombudsman_website = models.URLField(_("ombudsman website"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive: new complaints get no clocks from it.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("regime")
        verbose_name_plural = _("regimes")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import available_timezones

        import holidays

        errors: dict[str, list[str]] = {}
        if self.time_zone not in available_timezones():
            errors["time_zone"] = [gettext("Unknown time zone.")]
        if self.country:
            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision or None)
            except NotImplementedError as e:
                errors["country"] = [str(e)]
        if errors:
            raise ValidationError(errors)


class RegimeClock(models.Model):
    regime = models.ForeignKey(
        Regime, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("regime")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ClockKind.choices)
    limit = models.PositiveSmallIntegerField(_("limit"), help_text=_("Days after receipt."))
    days = models.CharField(
        _("counted in"), max_length=16, choices=DayCount.choices, default=DayCount.CALENDAR
    )
    warn_days = models.PositiveSmallIntegerField(
        _("warn days before"), default=1, help_text=_("Warn staff this many days before.")
    )
    stops_on = models.JSONField(
        _("stopped by"), default=list, blank=True, help_text=_("The events that meet the clock.")
    )

    class Meta:
        ordering = ["regime", "limit", "kind"]
        verbose_name = _("regime clock")
        verbose_name_plural = _("regime clocks")
        constraints = [
            models.UniqueConstraint(fields=["regime", "kind"], name="regime_clock_per_kind"),
            models.CheckConstraint(condition=Q(limit__gt=0), name="regime_clock_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.limit} {self.get_days_display().lower()}"

    def clean(self) -> None:
        events = self.stops_on if isinstance(self.stops_on, list) else None
        if events is None or set(events) - set(StopEvent.values):
            raise ValidationError({"stops_on": [gettext("Choose events from the list.")]})
        if self.limit and self.warn_days >= self.limit:
            raise ValidationError(
                {"warn_days": [gettext("The warning must come before the limit.")]}
            )


class RegimeAssignment(models.Model):
    """Which regime a category's complaints fall under (and, once there are products, a
    product's). A category without a row is under the `none` regime."""

    category = models.CharField(_("category"), max_length=32, choices=Category.choices, unique=True)
    regime = models.ForeignKey(
        Regime, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("regime")
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("regime assignment")
        verbose_name_plural = _("regime assignments")

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.regime}"


class ComplaintRegime(models.Model):
    """The regime a complaint fell under at intake (its category's then), and when it was
    received: the start of its legal clocks, what its retention and its return count by."""

    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.CASCADE,
        related_name="regime_record",
        verbose_name=_("complaint"),
    )
    regime = models.ForeignKey(
        Regime, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("regime")
    )
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("complaint's regime")
        verbose_name_plural = _("complaints' regimes")

    def __str__(self) -> str:
        return f"{self.complaint_id} under {self.regime_id}"


CHANGE_REDACTABLE = ("actor_label",)  # the editor's name


class RegimeChange(AppendOnlyModel):
    """Append-only (`core.audit`): who created, changed or deleted which regime, clock or
    assignment, from what, to what. Kept by code and id, so it outlives what it describes."""

    AUDIT_REDACTABLE = CHANGE_REDACTABLE

    regime_code = models.CharField(_("regime"), max_length=32)
    target = models.CharField(_("what"), max_length=16)  # regime / clock / assignment
    target_id = models.PositiveBigIntegerField(_("id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=16)  # created / changed / deleted
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
        verbose_name = _("regime change")
        verbose_name_plural = _("regime changes")
        triggers = audit_triggers(redactable=CHANGE_REDACTABLE)

    def __str__(self) -> str:
        return f"{self.action} {self.target} {self.target_id} ({self.regime_code})"
