"""Admin for calendars and response policies (managers edit, all staff read) and deadlines
(read-only: only the services and the sweep write them), the dashboard panel on breaches
and warnings this week (`deadline_week_panel`, figures from `selectors.deadline_week`), and the
complaint page's deadlines panel (`complaint_deadlines_panel`: what is due and by when), which
`EscalationConfig.ready()` registers with `complaints.extensions`.

Registers only this app's models; the complaint admin is complaints' own and is never replaced.
"""

from datetime import timedelta

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.charts import svg_bars
from complaints.models import Complaint
from complaints.urgency import urgency
from core import roles
from escalation import selectors
from escalation.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    ClosedDate,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ResponsePolicy,
)

# Deadline kinds as the dashboard names them, in the user's language.
KIND_LABELS = {
    DeadlineKind.FIRST_RESPONSE: _("First response"),
    DeadlineKind.PROMISE: _("Promise to the customer"),
    DeadlineKind.RESOLUTION: _("Resolution"),
    DeadlineKind.APPROVAL: _("Approval decision"),
    DeadlineKind.REG_FINAL_RESPONSE: _("Final response (regulatory)"),
    DeadlineKind.REG_HOLDING_REPLY: _("Holding reply (regulatory)"),
    DeadlineKind.REG_SUMMARY_WINDOW: _("Summary resolution window (regulatory)"),
}


def deadline_week_panel(request: HttpRequest) -> str:
    """The dashboard block: breaches and warnings this week, by deadline kind."""
    week = selectors.deadline_week()
    label = lambda kind: str(KIND_LABELS.get(kind, kind))  # noqa: E731
    return render_to_string(
        "admin/escalation/dashboard_deadlines.html",
        {
            "week": week,
            "breaches_chart": svg_bars(
                [(label(kind), b) for kind, _w, b in week.by_kind],
                title=_("Breaches this week"),
                color="#ba2121",
            ),
            "warnings_chart": svg_bars(
                [(label(kind), w) for kind, w, _b in week.by_kind],
                title=_("Warnings this week"),
                color="#c77f2a",
            ),
        },
        request=request,
    )


def deadline_week_figure(request: HttpRequest) -> tuple[list, list]:
    """The dashboard's breaches and warnings this week, as a CSV table."""
    week = selectors.deadline_week()
    header = [_("Deadline kind"), _("Warnings this week"), _("Breaches this week")]
    return header, [(str(KIND_LABELS.get(kind, kind)), w, b) for kind, w, b in week.by_kind]


def complaint_deadlines_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page block: each running deadline (kind, due time in the agent's time
    zone, time left coloured by urgency, paused or not), then those met, breached or cancelled.
    A closed complaint counts nothing down: a deadline still open on it is shown without time
    left (the invariant check reports it) — unless it is a regulatory clock, which runs until
    the event its regime names. One query."""
    now = timezone.now()
    running, done = [], []
    for d in selectors.deadline_list(complaint_id=complaint.pk):
        row = {"deadline": d, "kind": KIND_LABELS.get(d.kind, d.kind)}
        # A regulatory clock counts down on a closed complaint too, until its event comes.
        if d.status in OPEN_STATUSES and (complaint.is_open or not d.pausable):
            if d.paused_at is not None:
                # A stopped clock keeps the business time it had left, not a due time.
                row["left"] = urgency(None, now, paused=True)
                row["remaining"] = urgency(
                    now + timedelta(seconds=d.remaining_seconds or 0), now
                ).label
            else:
                row["left"] = urgency(d.due_at, now)
            running.append(row)
        else:
            row["at"] = {
                DeadlineStatus.MET: d.met_at,
                DeadlineStatus.BREACHED: d.breached_at,
                DeadlineStatus.CANCELLED: d.cancelled_at,
            }.get(d.status)
            done.append(row)
    running.sort(key=lambda r: (r["deadline"].paused_at is not None, r["deadline"].due_at))
    return render_to_string(
        "admin/escalation/complaint_deadlines.html",
        {"complaint": complaint, "running": running, "done": done},
        request=request,
    )


class ManagersEditMixin:
    """Any agent may look; only a manager (or superuser) may change the rules."""

    def has_module_permission(self, request):
        return roles.is_agent(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_agent(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)


class ClosedDateInline(ManagersEditMixin, admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ManagersEditMixin, admin.ModelAdmin):
    list_display = ["name", "time_zone", "holiday_country", "holiday_subdivision", "monday"]
    inlines = [ClosedDateInline]
    fieldsets = [
        (None, {"fields": ["name", "time_zone", "holiday_country", "holiday_subdivision"]}),
        (
            _("Working hours (e.g. 09:00-17:00; empty = closed)"),
            {
                "fields": [
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                ]
            },
        ),
    ]


@admin.register(ResponsePolicy)
class ResponsePolicyAdmin(ManagersEditMixin, admin.ModelAdmin):
    list_display = [
        "category",
        "severity",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "approval_minutes",
        "warn_percent",
    ]
    list_editable = [
        "first_response_minutes",
        "resolution_minutes",
        "approval_minutes",
        "warn_percent",
    ]
    list_filter = ["category", "severity"]
    list_select_related = ["calendar"]


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["complaint", "kind", "status", "due_at", "warn_at", "paused_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["complaint"]
    search_fields = ["complaint__reference"]
    date_hierarchy = "due_at"

    def has_module_permission(self, request):
        return roles.is_agent(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_agent(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
