"""Staff screens for complaints in Django admin.

The admin only parses forms and calls services: the state field is read-only, every workflow
button posts to `transition_view`, which calls the one service for that transition. Access follows
`core.roles` (the same rules as the services), not Django's per-model permissions.
`ComplaintAdmin` is registered here, once. Higher apps never subclass or re-register it: they
extend it through `complaints.extensions` (changes to the `ACTIONS` button table, buttons to
withhold, complaint-page and dashboard panels), and Remedy / Approve / Return call the same
handlers there as the API does.

Screens here: the frontline queue (changelist: mine and my team's first, nearest running
deadline first by `Complaint.next_due_at`, which the escalation app keeps; bulk assignment
through `services.complaint_assign`; no full-table count), the complaint
workbench (change view), the transition forms, canned texts and the tone-hint endpoint (which
runs `complaints.tone.tone_hints`, the only copy of the rules), and the insight dashboard (figures
from `selectors.insight_*`, charts from `complaints.charts`). Nothing here decides a rule.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import extensions, forms, selectors, services, tone
from complaints.admin.actions import (
    ACTIONS,
    CANNED_FOR,
    STEP_LABELS,
    Action,
    timeline_for_display,
    workflow_actions,
)
from complaints.admin.base import _RoleGatedAdmin
from complaints.admin.records import (
    CannedTextAdmin,
    CustomerAdmin,
    MessageAdmin,
    TransitionLogAdmin,
)
from complaints.admin.tokens import ApiTokenAdmin
from complaints.charts import svg_bars
from complaints.models import Complaint
from complaints.pagination import CappedCountPaginator
from complaints.urgency import urgency
from core import roles
from core.errors import DomainError

# The public names, as before the split: the tests, `complaints.extensions` and the docs use them.
__all__ = [
    "ACTIONS",
    "CANNED_FOR",
    "STEP_LABELS",
    "Action",
    "ApiTokenAdmin",
    "CannedTextAdmin",
    "ComplaintAdmin",
    "CustomerAdmin",
    "EscalationLevelFilter",
    "MessageAdmin",
    "QueueFilter",
    "TransitionLogAdmin",
    "timeline_for_display",
    "workflow_actions",
]


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


@admin.register(Complaint)
class ComplaintAdmin(_RoleGatedAdmin):
    change_form_template = "admin/complaints/complaint/change_form.html"
    list_display = (
        "reference",
        "time_left",
        "customer_name",
        "subject",
        "state",
        "category",
        "severity",
        "assignee",
        "escalation_level",
        "age",
    )
    list_display_links = ("reference", "subject")
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
    search_fields = (
        "reference",
        "subject",
        "description",
        "summary",
        "customer__name",
        "customer__email",
    )
    list_select_related = ("customer", "assignee")
    list_per_page = 50
    fields = (
        "reference",
        "state",
        "customer",
        "channel",
        "category",
        "severity",
        "subject",
        "description",
        "summary",
        "summary_confirmed",
        "fault",
        "root_cause",
        "assignee",
        "tier",
        "escalation_level",
        "reopen_count",
        "promised_by",
        "next_due_at",
        "paused_at",
        "pause_reason",
        "created_at",
        "updated_at",
    )
    editable_fields = ("category", "severity", "subject")

    @property
    def actions_by_name(self) -> dict[str, Action]:
        return workflow_actions()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.editable_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.can_file(request.user) and roles.is_agent(request.user)

    class Media:
        css = {"all": ["complaints/redress.css"]}

    def save_model(self, request, obj, form, change) -> None:
        # The generic form only edits triage data; the service audits it. State never goes here.
        services.complaint_update_details(
            complaint_id=obj.pk,
            actor=request.user,
            **{f: form.cleaned_data[f] for f in self.editable_fields if f in form.changed_data},
        )

    def get_queryset(self, request: HttpRequest):
        return selectors.complaint_queue(user=request.user)

    def get_ordering(self, request: HttpRequest):
        return selectors.QUEUE_ORDERING

    @admin.display(description=_("Customer"), ordering="customer__name")
    def customer_name(self, obj: Complaint) -> str:
        return obj.customer.name

    @admin.display(description=_("Age"), ordering="created_at")
    def age(self, obj: Complaint) -> str:
        return timesince(obj.created_at, timezone.now()).split(",")[0]

    @admin.display(description=_("Time left"), ordering=selectors.QUEUE_ORDERING[1])
    def time_left(self, obj: Complaint) -> str:
        due = urgency(obj.next_due_at, timezone.now(), paused=obj.paused_at is not None)
        return format_html(
            '<span class="redress-due redress-due-{}">{}</span>', due.level, due.label
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

    def get_urls(self):
        opts = self.model._meta
        info = opts.app_label, opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("tone/", wrap(self.tone_view), name="{}_{}_tone".format(*info)),
            path("dashboard/", wrap(self.dashboard_view), name="{}_{}_dashboard".format(*info)),
            path(
                "<int:object_id>/do/<str:name>/",
                wrap(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<int:object_id>/message/",
                wrap(self.message_view),
                name="{}_{}_message".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- what the complaint page shows ---------------------------------------------------------

    def available_actions(self, complaint: Complaint, user: Any) -> list[str]:
        names = selectors.complaint_available_actions(complaint=complaint, user=user)
        if roles.is_agent(user) and complaint.is_open and complaint.assignee_id != user.pk:
            names.append("take")
        hidden = extensions.admin_actions_hidden(complaint=complaint, user=user)
        return [n for n in names if n in self.actions_by_name and n not in hidden]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        url = lambda name: reverse(  # noqa: E731
            "admin:complaints_complaint_transition", args=[complaint.pk, name]
        )
        actions = self.actions_by_name
        context = {
            "workflow_actions": [
                {
                    "name": n,
                    "label": actions[n].label,
                    "url": url(n),
                    "style": actions[n].style,
                }
                for n in self.available_actions(complaint, request.user)
            ],
            "timeline": timeline_for_display(
                selectors.complaint_timeline(complaint=complaint, include_internal=True)
            ),
            "message_form": forms.MessageForm(),
            "message_url": reverse("admin:complaints_complaint_message", args=[complaint.pk]),
            "extra_panels": [panel(request, complaint) for panel in extensions.complaint_panels()],
            "complaint": complaint,
            "customer_complaints": list(selectors.customer_other_complaints(complaint=complaint)),
            "promise": urgency(
                complaint.promised_by, timezone.now(), paused=complaint.paused_at is not None
            ),
            **self.words_context(),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    # --- words that help: canned texts and the tone hint ---------------------------------------

    def words_context(self, *, prefer: str = "") -> dict[str, Any]:
        """What the reply boxes need: the canned texts and the tone endpoint's URL."""
        return {
            "canned_texts": selectors.canned_texts(),
            "canned_prefer": prefer,
            "tone_url": reverse("admin:complaints_complaint_tone"),
        }

    def tone_view(self, request: HttpRequest) -> HttpResponse:
        """Tone hints for a draft reply, from the same `complaints.tone.tone_hints` as the tests."""
        if not roles.is_agent(request.user):
            return HttpResponseForbidden()
        text = request.POST.get("text", "") if request.method == "POST" else ""
        text = text or request.GET.get("text", "")
        return JsonResponse({"hints": [h.as_dict() for h in tone.tone_hints(text)]})

    # --- the insight dashboard --------------------------------------------------------------

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Where complaints come from (DESIGN §1: complaints are gifts). Figures come from
        tested selectors; charts are SVG drawn here, on the server."""
        if not roles.is_agent(request.user):
            return HttpResponseForbidden()
        insight = selectors.insight_summary(days=30)
        charts = {
            "open_by_state": svg_bars(
                [(label, n) for _state, label, n in insight["open_by_state"]],
                title=_("Open complaints by state"),
            ),
            "top_categories": svg_bars(
                [(label, n) for _cat, label, n in insight["top_categories"]],
                title=_("Top categories"),
                color="#79aec8",
            ),
            "top_root_causes": svg_bars(
                insight["top_root_causes"], title=_("Top root causes"), color="#c77f2a"
            ),
            "repeat_complainants": svg_bars(
                [(c.name, n) for c, n in insight["repeat_complainants"]],
                title=_("Repeat complainants"),
                color="#ba2121",
            ),
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Complaint insight"),
            "insight": insight,
            "charts": charts,
            # escalation: breaches and warnings; compensation: compensation granted
            "panels": [panel(request) for panel in extensions.dashboard_panels()],
        }
        return TemplateResponse(request, "admin/complaints/complaint/dashboard.html", context)

    # --- workflow buttons ----------------------------------------------------------------------

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        action = self.actions_by_name.get(name)
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        if action is None:
            messages.error(request, _("Unknown action %(name)r.") % {"name": name})
            return HttpResponseRedirect(change_url)
        form_class = self.workflow_form(name, request, complaint)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = int(request.POST.get("expected_version", ""))
            except ValueError:
                version = None
            try:
                result = action.run(
                    complaint_id=complaint.pk,
                    actor=request.user,
                    data=form.cleaned_data,
                    expected_version=version,
                )
            except DomainError as error:
                for field, errs in error.fields.items():
                    target = field if field in form.fields else None
                    for err in errs:
                        form.add_error(target, err)
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(action)s: done for %(ref)s.")
                    % {"action": action.label, "ref": complaint.reference},
                )
                notice = action.notice and action.notice(complaint_id=complaint.pk, result=result)
                if notice:
                    messages.warning(request, notice)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{action.label} — {complaint.reference}",
            "complaint": complaint,
            "action": action,
            "form": form,
            "change_url": change_url,
            "initial_version": complaint.version,
            **self.words_context(prefer=CANNED_FOR.get(name, "")),
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)

    def workflow_form(
        self, name: str, request: HttpRequest, complaint: Complaint
    ) -> type[django_forms.Form]:
        """The form class for workflow transition `name` (as `extensions.admin_action` set it)."""
        return self.actions_by_name[name].form

    def message_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        change_url = reverse("admin:complaints_complaint_change", args=[object_id])
        form = forms.MessageForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.message_add(
                    complaint_id=object_id,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    visibility=form.cleaned_data["visibility"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Added to the timeline."))
        elif request.method == "POST":
            messages.error(request, _("The message was empty or too long."))
        return HttpResponseRedirect(change_url)

    # --- staff intake (a phone call, a walk-in) ------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))
        form = forms.IntakeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint, _created = services.complaint_intake(
                    actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Filed %(ref)s.") % {"ref": complaint.reference})
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("File a complaint"),
            "form": form,
            "action": Action(_("File complaint"), forms.IntakeForm, lambda **kw: None, "primary"),
            "change_url": reverse("admin:complaints_complaint_changelist"),
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)
