"""The frontline queue: the complaint changelist.

The list fits a laptop (1280–1440 px) without scrolling sideways: the filters are a row of
dropdowns above it (`complaints/static/complaints/queue.js`), category and severity share a
column, and `tests/browser/test_screens_fit.py` measures it. By default mine and my team's open
complaints (`QueueFilter`), nearest running deadline first by
`Complaint.next_due_at` (which the escalation app keeps); a search looks everywhere. No
full-table count (`CappedCountPaginator`), and the escalation-level filter has fixed choices
instead of a SELECT DISTINCT: 100,000 complaints must stay quick. Rows come from
`selectors.complaint_queue`, which owns the joins. Bulk assignment calls
`services.complaint_assign` once per complaint. `export.csv` streams the queue as filtered. `ComplaintQueueAdmin` is not registered:
`complaints.admin.complaint.ComplaintAdmin` extends it and is the one registered. Nothing here
decides a rule; imports only complaints, `core` and Django, never escalation or compensation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import extensions, forms, selectors, services
from complaints.admin.base import _RoleGatedAdmin
from complaints.models import Complaint
from complaints.pagination import CappedCountPaginator
from complaints.urgency import short_span, urgency
from core import roles
from core.csvexport import csv_response
from core.errors import DomainError

# Column headers of the CSV export, in the user's language.
EXPORT_HEADERS = {
    "reference": _("Reference"),
    "state": _("State"),
    "category": _("Category"),
    "severity": _("Severity"),
    "subject": _("Subject"),
    "customer__name": _("Customer"),
    "customer__email": _("Customer email"),
    "assignee__username": _("Assignee"),
    "tier": _("Tier"),
    "escalation_level": _("Escalation level"),
    "next_due_at": _("Next deadline"),
    "created_at": _("Filed at"),
}


def in_language(language: str, rows: Iterator[tuple]) -> Iterator[tuple]:
    """A streamed body is written after the view returned: keep its labels in the request's
    language, whatever the thread does meanwhile."""
    with translation.override(language):
        yield from rows


class QueueFilter(admin.SimpleListFilter):
    """The frontline queue: by default my open complaints and my team's (DESIGN §6).

    A search looks everywhere unless a queue is chosen; filtering by state keeps closed ones.
    """

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            (selectors.QUEUE_OPEN, _("All open complaints")),
            (selectors.QUEUE_ALL, _("Everything")),
        ]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.searching = bool(request.GET.get("q"))

    def scope(self) -> str:
        value = self.value()
        if value in (selectors.QUEUE_OPEN, selectors.QUEUE_ALL):
            return value
        return selectors.QUEUE_ALL if self.searching else selectors.QUEUE_MINE

    def choices(self, changelist):
        scope = self.scope()
        yield {
            "selected": scope == selectors.QUEUE_MINE,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Mine and my team's"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": scope == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return selectors.complaint_queue_scope(
            queryset,
            user=request.user,
            scope=self.scope(),
            open_only="state__exact" not in request.GET,
        )


class EscalationLevelFilter(admin.SimpleListFilter):
    """Fixed choices: the default filter would run SELECT DISTINCT over the table each load."""

    title = _("escalation level")
    parameter_name = "escalation_level"

    def lookups(self, request, model_admin):
        return [("0", _("Not escalated")), ("1", "1"), ("2", "2"), ("3", _("3 or more"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "3":
            return queryset.filter(escalation_level__gte=3)
        if value in ("0", "1", "2"):
            return queryset.filter(escalation_level=int(value))
        return queryset


class ComplaintQueueAdmin(_RoleGatedAdmin):
    """The changelist half of `ComplaintAdmin`: columns, filters, search, order, bulk actions."""

    list_display = (
        "reference",
        "time_left",
        "customer_name",
        "subject_flags",
        "state",
        "category_severity",
        "assignee",
        "escalation_level",
        "age",
    )
    list_display_links = ("reference", "subject_flags")
    list_filter = (
        QueueFilter,
        "state",
        "category",
        "severity",
        EscalationLevelFilter,
        "tier",
        "channel",
    )
    actions = ["assign_to_me", "assign_to"]
    # No COUNT(*) of the whole table on each page load (100,000 complaints must stay quick).
    show_full_result_count = False
    paginator = CappedCountPaginator
    # Shown by the admin; the search itself is `get_search_results` (trigram-indexed on PG).
    search_fields = (
        *selectors.QUEUE_SEARCH_FIELDS,
        *(f"customer__{name}" for name in selectors.CUSTOMER_SEARCH_FIELDS),
    )
    list_select_related = ("customer", "assignee")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest):
        queryset = selectors.complaint_queue(user=request.user)
        for flag in extensions.queue_flags():  # higher apps' badges, in the same query
            queryset = flag.annotate(queryset)
        return queryset

    def get_ordering(self, request: HttpRequest):
        return selectors.QUEUE_ORDERING

    @admin.display(description=_("Subject"), ordering="subject")
    def subject_flags(self, obj: Complaint) -> str:
        # Badges of higher apps (`complaints.extensions.queue_flag`), e.g. a declined remedy.
        badges = format_html_join(
            "",
            ' <span class="redress-flag">{}</span>',
            ((flag.label,) for flag in extensions.queue_flags() if flag.flagged(obj)),
        )
        return format_html("{}{}", obj.subject, badges)

    # --- the CSV export of the queue as filtered (`export.csv?<the changelist's query>`) --------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Every complaint the changelist shows for this query string (its filters, its search,
        its order, what this user may see), not only the page; streamed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        params = request.GET.copy()
        params.pop("p", None)  # the page: the export has every row
        request.GET = params
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("These filters are not valid: go back to the list."))
        header = [EXPORT_HEADERS[name] for name in selectors.QUEUE_EXPORT_FIELDS]
        rows = selectors.complaint_queue_export(changelist.queryset)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(
            filename=f"complaints-{stamp}.csv",
            header=header,
            rows=in_language(translation.get_language(), rows),
        )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # Same fields and word-by-word matching as Django's own search, in a form PostgreSQL's
        # trigram indexes answer (selectors.complaint_text_match); never duplicates rows.
        return selectors.complaint_queue_search(queryset, terms=search_term), False

    @admin.display(description=_("Customer"), ordering="customer__name")
    def customer_name(self, obj: Complaint) -> str:
        return obj.customer.name

    @admin.display(description=_("Category · severity"), ordering="category")
    def category_severity(self, obj: Complaint) -> str:
        # One column for both keeps the queue within a laptop's width (severity under it, in
        # the colour of its weight); both stay filters of their own.
        return format_html(
            '{}<br><span class="redress-severity redress-severity-{}">{}</span>',
            obj.get_category_display(),
            obj.severity,
            obj.get_severity_display(),
        )

    @admin.display(description=_("Age"), ordering="created_at")
    def age(self, obj: Complaint) -> str:
        return short_span(timezone.now() - obj.created_at)

    @admin.display(description=_("Time left"), ordering=selectors.QUEUE_ORDERING[1])
    def time_left(self, obj: Complaint) -> str:
        due = urgency(obj.next_due_at, timezone.now(), paused=obj.paused_at is not None)
        if obj.next_due_at is None:
            return format_html(
                '<span class="redress-due redress-due-{}">{}</span>', due.level, due.label
            )
        local = timezone.localtime(obj.next_due_at)  # the agent's time zone (the middleware's)
        return format_html(
            '<span class="redress-due redress-due-{}" title="{}">'
            '<time datetime="{}">{}</time></span>',
            due.level,
            f"{local:%Y-%m-%d %H:%M} {local.tzname()}",
            local.isoformat(),
            due.label,
        )

    # --- bulk assignment (each complaint through complaints.services.complaint_assign) ----------

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if roles.user_rank(request.user) < 2:
            actions.pop("assign_to", None)  # only a lead or above assigns others
        return actions

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request: HttpRequest, queryset) -> None:
        self._assign(request, queryset, request.user)

    @admin.action(description=_("Assign to…"))
    def assign_to(self, request: HttpRequest, queryset) -> HttpResponse | None:
        form = forms.AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._assign(request, queryset, form.cleaned_data["assignee"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Assign complaints"),
            "complaints": list(queryset.values_list("pk", "reference", "subject")),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/assign.html", context)

    def _assign(self, request: HttpRequest, queryset, assignee: Any) -> None:
        done = 0
        for pk, reference in queryset.values_list("pk", "reference"):
            try:
                services.complaint_assign(complaint_id=pk, actor=request.user, assignee=assignee)
            except DomainError as error:
                messages.error(request, f"{reference}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d complaint assigned to %(name)s.",
                    "%(count)d complaints assigned to %(name)s.",
                    done,
                )
                % {"count": done, "name": assignee.get_full_name() or assignee.get_username()},
            )
