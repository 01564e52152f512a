"""Calendars, response policies and deadlines.

A Deadline row is the clock's source of truth: the sweep acts on rows whose `due_at`/`warn_at`
has passed, never on in-memory timers or long Celery ETAs. Only escalation.services writes
deadlines. This module may import complaints, never compensation.
"""

from __future__ import annotations

from datetime import date, time
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, available_timezones

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, Severity
from escalation.businesstime import Schedule


@lru_cache(maxsize=256)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    """Public holidays of one country (and subdivision) in one year, computed once per process.

    Expanding a year with the `holidays` package costs milliseconds; the result depends only on
    the arguments and the installed package, so it is safe to keep for the process lifetime.
    Immutable, so it is also safe to share between threads.
    """
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_hours(value: str) -> tuple[time, time] | None:
    """'09:00-17:00' → (09:00, 17:00); '' → closed; '00:00-24:00' → the whole day."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        opens_s, closes_s = (part.strip() for part in value.split("-"))
        opens = time.fromisoformat(opens_s)
        closes = time(0) if closes_s == "24:00" else time.fromisoformat(closes_s)
    except ValueError:
        raise ValidationError(
            gettext("'%(value)s' is not like 09:00-17:00.") % {"value": value}
        ) from None
    if closes != time(0) and closes <= opens:
        raise ValidationError(
            gettext("'%(value)s': closing time must be after opening time.") % {"value": value}
        )
    return opens, closes


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=8,
        blank=True,
        help_text=_("ISO country code for the `holidays` package, e.g. DE."),
    )
    holiday_subdivision = models.CharField(
        _("holiday subdivision"),
        max_length=8,
        blank=True,
        help_text=_("Optional state/province code, e.g. BE."),
    )
    monday = models.CharField(_("monday"), max_length=11, blank=True, default="09:00-17:00")
    tuesday = models.CharField(_("tuesday"), max_length=11, blank=True, default="09:00-17:00")
    wednesday = models.CharField(_("wednesday"), max_length=11, blank=True, default="09:00-17:00")
    thursday = models.CharField(_("thursday"), max_length=11, blank=True, default="09:00-17:00")
    friday = models.CharField(_("friday"), max_length=11, blank=True, default="09:00-17:00")
    saturday = models.CharField(_("saturday"), max_length=11, blank=True, default="")
    sunday = models.CharField(_("sunday"), max_length=11, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.time_zone not in available_timezones():
            errors["time_zone"] = [gettext("Unknown time zone.")]
        for day in WEEKDAYS:
            try:
                parse_hours(getattr(self, day.lower()))
            except ValidationError as e:
                errors[day.lower()] = e.messages
        if self.holiday_country:
            try:
                holidays.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision or None
                )
            except NotImplementedError as e:
                errors["holiday_country"] = [str(e)]
        if not errors and all(not getattr(self, d.lower()).strip() for d in WEEKDAYS):
            errors["monday"] = [gettext("At least one weekday needs working hours.")]
        if errors:
            raise ValidationError(errors)

    @cached_property
    def schedule(self) -> Schedule:
        """The pure-function view of this calendar (holidays expand lazily by year)."""
        extra = frozenset(self.closed_dates.values_list("date", flat=True)) if self.pk else set()
        country, subdivision = self.holiday_country, self.holiday_subdivision

        def is_closed(day: date) -> bool:
            return day in extra or (
                bool(country) and day in holiday_dates(country, subdivision, day.year)
            )

        return Schedule(
            tz=ZoneInfo(self.time_zone),
            hours=tuple(parse_hours(getattr(self, d.lower())) for d in WEEKDAYS),
            is_closed=is_closed,
        )


class ClosedDate(models.Model):
    """A day the calendar's team does not work, beyond public holidays (e.g. a company event)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="closed_dates",
        verbose_name=_("calendar"),
    )
    date = models.DateField(
        _("date"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="closed_date_once")
        ]

    def __str__(self) -> str:
        reason = self.reason or gettext("closed")
        return f"{self.date} ({reason})"


class ResponsePolicy(models.Model):
    """How soon a complaint of a category and severity must be answered, in business minutes."""

    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("calendar"),
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response minutes"),
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution minutes"),
    )
    approval_minutes = models.PositiveIntegerField(
        _("approval minutes"),
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warn percent"),
        default=75,
        help_text=_("Warn the assignee when this share of the window has passed."),
    )

    class Meta:
        ordering = ["category", "severity"]
        verbose_name = _("response policy")
        verbose_name_plural = _("response policies")
        constraints = [
            models.UniqueConstraint(fields=["category", "severity"], name="policy_per_cell"),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=100), name="warn_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0)
                & Q(resolution_minutes__gt=0)
                & Q(approval_minutes__gt=0),
                name="policy_windows_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.get_severity_display()}"


class DeadlineKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    PROMISE = "promise", _("Promise to the customer")
    RESOLUTION = "resolution", _("Resolution")
    APPROVAL = "approval", _("Approval decision")
    # A regime's legal clocks (regimes app): they never pause, and only the events the regime
    # names stop them; the service clocks above know nothing of them.
    REG_FINAL_RESPONSE = "reg_final_response", _("Final response (regulatory)")
    REG_HOLDING_REPLY = "reg_holding_reply", _("Holding reply (regulatory)")
    REG_SUMMARY_WINDOW = "reg_summary_window", _("Summary resolution window (regulatory)")


REGULATORY_KINDS = (
    DeadlineKind.REG_FINAL_RESPONSE,
    DeadlineKind.REG_HOLDING_REPLY,
    DeadlineKind.REG_SUMMARY_WINDOW,
)
# The service clocks: what pause, resume, remedy and the invariants' "a clock runs" are about.
SERVICE_KINDS = tuple(kind for kind in DeadlineKind if kind not in REGULATORY_KINDS)


class DeadlineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    WARNED = "warned", _("Warned")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.WARNED)


class Deadline(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DeadlineKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeadlineStatus.choices, default=DeadlineStatus.PENDING
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("calendar"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    due_at = models.DateTimeField(
        _("due at"),
    )
    warn_at = models.DateTimeField(
        _("warn at"),
    )
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # While the complaint waits on the customer the clock stops: the business time that was
    # left is kept here and due_at/warn_at are recomputed from it on resume.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(_("remaining seconds"), null=True, blank=True)
    warn_remaining_seconds = models.PositiveIntegerField(
        _("warn remaining seconds"), null=True, blank=True
    )
    # Set in the transaction that records the email in the outbox, so a retried sweep never
    # records it twice.
    warn_notified_at = models.DateTimeField(_("warn notified at"), null=True, blank=True)
    breach_notified_at = models.DateTimeField(_("breach notified at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(fields=["complaint", "status"], name="deadline_complaint_status"),
            models.Index(
                fields=["due_at"],
                name="deadline_due_sweep",
                condition=Q(status__in=["pending", "warned"], paused_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="deadline_warn_sweep",
                condition=Q(status="pending", paused_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="deadline_notify_sweep",
                condition=(Q(warned_at__isnull=False, warn_notified_at__isnull=True))
                | Q(breached_at__isnull=False, breach_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def pausable(self) -> bool:
        """A regulatory clock runs whatever the customer or staff do; only its events stop it."""
        return self.kind not in REGULATORY_KINDS


class SweepRun(models.Model):
    """When the deadline sweep last finished, one row (pk 1) that every sweep overwrites.

    Health (`/health/ready`) and metrics (sweep lag) read it: a sweep that stopped running is
    visible from the database alone, whichever process ran the last one. Not audit: only the
    latest run is kept.
    """

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    duration_seconds = models.FloatField(_("duration in seconds"), default=0.0)
    breached = models.PositiveIntegerField(_("breached"), default=0)
    warned = models.PositiveIntegerField(_("warned"), default=0)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")

    def __str__(self) -> str:
        return f"sweep finished {self.finished_at:%Y-%m-%d %H:%M:%S}"
