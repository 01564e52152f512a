"""Staff screens for complaints in Django admin.

The admin only parses forms and calls services: the state field is read-only, every workflow
button posts to `transition_view`, which calls the one service for that transition. Access follows
`complaints.roles` (the same rules as the services), not Django's per-model permissions.
Higher apps may subclass `ComplaintAdmin` and re-register it to extend `actions_by_name`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from complaints import api_services, forms, roles, selectors, services
from complaints.api_models import ApiToken
from complaints.errors import DomainError
from complaints.models import Complaint, Customer, Message, TransitionLog


@dataclass(frozen=True)
class Action:
    label: str
    form: type[django_forms.Form]
    run: Callable[..., Any]  # (complaint_id=, actor=, data=, expected_version=) -> Any
    style: str = "default"


def _ack(**kw):
    d = kw.pop("data")
    return services.complaint_acknowledge(
        summary=d["summary"],
        message=d["message"],
        promised_by=d["promised_by"],
        summary_confirmed=d["summary_confirmed"],
        **kw,
    )


def _apologize(**kw):
    d = kw.pop("data")
    return services.complaint_apologize(message=d["message"], fault=d["fault"], **kw)


def _remedy(**kw):
    d = kw.pop("data")
    return services.complaint_remedy(message=d["message"], root_cause=d["root_cause"], **kw)


def _escalate(**kw):
    return services.complaint_escalate(reason=kw.pop("data")["reason"], **kw)


def _approve(**kw):
    return services.complaint_approve(note=kw.pop("data")["note"], **kw)


def _return(**kw):
    return services.complaint_return(note=kw.pop("data")["note"], **kw)


def _set_limits(**kw):
    d = kw.pop("data")
    return services.complaint_set_limits(
        reason=d["reason"], message=d["message"], abuse=d["abuse"], **kw
    )


def _reopen(**kw):
    return services.complaint_reopen(message=kw.pop("data")["message"], **kw)


def _pause(**kw):
    d = kw.pop("data")
    return services.complaint_pause(reason=d["reason"], until=d["until"], **kw)


def _resume(**kw):
    kw.pop("data")
    return services.complaint_resume(**kw)


def _take(**kw):
    kw.pop("data")
    kw.pop("expected_version")
    return services.complaint_assign(assignee=kw["actor"], **kw)


ACTIONS: dict[str, Action] = {
    "acknowledge": Action("Acknowledge", forms.AcknowledgeForm, _ack, "primary"),
    "apologize": Action("Apologize", forms.ApologizeForm, _apologize, "primary"),
    "remedy": Action("Remedy", forms.RemedyForm, _remedy, "primary"),
    "escalate": Action("Escalate", forms.ReasonForm, _escalate),
    "approve": Action("Approve", forms.NoteForm, _approve, "primary"),
    "return": Action("Return", forms.ReturnForm, _return),
    "set_limits": Action("Set limits", forms.SetLimitsForm, _set_limits, "danger"),
    "reopen": Action("Reopen", forms.MessageOnlyForm, _reopen),
    "pause": Action("Pause clock", forms.PauseForm, _pause),
    "resume": Action("Resume clock", forms.EmptyForm, _resume),
    "take": Action("Take it", forms.EmptyForm, _take),
}


class _RoleGatedAdmin(admin.ModelAdmin):
    """Visible to every agent; nothing is added or deleted through the generic screens."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(_RoleGatedAdmin):
    change_form_template = "admin/complaints/complaint/change_form.html"
    list_display = (
        "reference",
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
    list_filter = ("state", "category", "severity", "tier", "channel", "escalation_level")
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
    date_hierarchy = "created_at"
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
        "paused_at",
        "pause_reason",
        "created_at",
        "updated_at",
    )
    editable_fields = ("category", "severity", "subject")
    actions_by_name: dict[str, Action] = ACTIONS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.editable_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.can_file(request.user) and roles.is_agent(request.user)

    def get_queryset(self, request: HttpRequest):
        return selectors.complaint_list(user=request.user)

    @admin.display(description="Customer", ordering="customer__name")
    def customer_name(self, obj: Complaint) -> str:
        return obj.customer.name

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: Complaint) -> str:
        return timesince(obj.created_at, timezone.now()).split(",")[0]

    def get_urls(self):
        opts = self.model._meta
        info = opts.app_label, opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/do/<str:name>/",
                wrap(self.transition_view),
                name="%s_%s_transition" % info,
            ),
            path(
                "<int:object_id>/message/",
                wrap(self.message_view),
                name="%s_%s_message" % info,
            ),
            *super().get_urls(),
        ]

    # --- what the complaint page shows ---------------------------------------------------------

    def available_actions(self, complaint: Complaint, user: Any) -> list[str]:
        names = selectors.complaint_available_transitions(complaint=complaint, user=user)
        if roles.is_agent(user) and complaint.is_open:
            names.append("resume" if complaint.paused_at else "pause")
            if complaint.assignee_id != user.pk:
                names.append("take")
        return [n for n in names if n in self.actions_by_name]

    def extra_panels(self, request: HttpRequest, complaint: Complaint) -> list[str]:
        """Rendered HTML blocks that higher apps add to the complaint page."""
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        url = lambda name: reverse(  # noqa: E731
            "admin:complaints_complaint_transition", args=[complaint.pk, name]
        )
        context = {
            "workflow_actions": [
                {
                    "name": n,
                    "label": self.actions_by_name[n].label,
                    "url": url(n),
                    "style": self.actions_by_name[n].style,
                }
                for n in self.available_actions(complaint, request.user)
            ],
            "timeline": selectors.complaint_timeline(complaint=complaint, include_internal=True),
            "message_form": forms.MessageForm(),
            "message_url": reverse("admin:complaints_complaint_message", args=[complaint.pk]),
            "extra_panels": self.extra_panels(request, complaint),
            "complaint": complaint,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    # --- workflow buttons ----------------------------------------------------------------------

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        action = self.actions_by_name.get(name)
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        if action is None:
            messages.error(request, f"Unknown action {name!r}.")
            return HttpResponseRedirect(change_url)
        form_class = self.action_form(name, request, complaint)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = int(request.POST.get("expected_version", ""))
            except ValueError:
                version = None
            try:
                action.run(
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
                messages.success(request, f"{action.label}: done for {complaint.reference}.")
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
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)

    def action_form(
        self, name: str, request: HttpRequest, complaint: Complaint
    ) -> type[django_forms.Form]:
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
                messages.success(request, "Added to the timeline.")
        elif request.method == "POST":
            messages.error(request, "The message was empty or too long.")
        return HttpResponseRedirect(change_url)

    # --- staff intake (a phone call, a walk-in) ------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))
        form = forms.IntakeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint, _ = services.complaint_intake(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Filed {complaint.reference}.")
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "File a complaint",
            "form": form,
            "action": Action("File complaint", forms.IntakeForm, lambda **kw: None, "primary"),
            "change_url": reverse("admin:complaints_complaint_changelist"),
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)


@admin.register(Customer)
class CustomerAdmin(_RoleGatedAdmin):
    list_display = ("name", "email", "phone", "external_ref", "created_at")
    search_fields = ("name", "email", "external_ref", "phone")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.user_rank(request.user) >= 2


@admin.register(TransitionLog)
class TransitionLogAdmin(_RoleGatedAdmin):
    """The audit trail: read-only for everyone, superusers included."""

    list_display = (
        "created_at",
        "complaint",
        "transition",
        "from_state",
        "to_state",
        "actor_label",
    )
    list_filter = ("transition", "to_state")
    search_fields = ("complaint__reference", "actor_label", "reason")
    list_select_related = ("complaint",)
    readonly_fields = (
        "complaint",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "actor_label",
        "reason",
        "payload",
        "created_at",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(_RoleGatedAdmin):
    list_display = ("created_at", "complaint", "kind", "visibility", "author_label", "excerpt")
    list_filter = ("kind", "visibility")
    search_fields = ("complaint__reference", "body")
    list_select_related = ("complaint",)
    readonly_fields = (
        "complaint",
        "author",
        "author_label",
        "kind",
        "visibility",
        "body",
        "created_at",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Text")
    def excerpt(self, obj: Message) -> str:
        return format_html("{}", obj.body[:80])


# --- API tokens (issue 5): issued and revoked here, the key shown once -------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Django's own model permissions apply (superusers by default): tokens are credentials."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields if obj is not None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the service refuses inactive users; offer only active ones
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        token, key = api_services.api_token_issue(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        obj._state.adding = False
        messages.warning(
            request,
            f"The key of {token.name!r} for {token.user} — copy it now, it is not shown again: "
            f"{key}",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for token_id in queryset.values_list("pk", flat=True):
            api_services.api_token_revoke(token_id=token_id)
        messages.success(request, "Revoked.")
