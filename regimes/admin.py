"""Admin for regimes: any agent may look; only managers edit regimes, their clocks and the
category assignments, each edit through `regimes.services` (so logged as a `RegimeChange`).
Also the regime block of the admin complaint page (`complaint_regime_panel`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from core import roles
from core.logadmin import ReadOnlyAdmin
from regimes import selectors, services
from regimes.models import Regime, RegimeAssignment, RegimeChange, RegimeClock, StopEvent


def complaint_regime_panel(request: HttpRequest, complaint: Any) -> str:
    """The complaint page block (nothing for an unregulated complaint). One query."""
    record = selectors.complaint_regime(complaint_id=complaint.pk)
    if record is None:
        return ""
    return render_to_string(
        "admin/regimes/complaint_regime.html",
        {"record": record, "years": record.regime.retention_years},
        request=request,
    )


class RegimeClockForm(forms.ModelForm):
    stops_on = forms.MultipleChoiceField(
        label=_("stopped by"),
        choices=StopEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = RegimeClock
        fields = ("kind", "limit", "days", "warn_days", "stops_on")


class ManagersEdit:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_edit_regimes(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_edit_regimes(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_edit_regimes(request.user)


class RegimeClockInline(ManagersEdit, admin.TabularInline):
    model = RegimeClock
    form = RegimeClockForm
    extra = 0


@admin.register(Regime)
class RegimeAdmin(ManagersEdit, admin.ModelAdmin):
    list_display = ("code", "name", "country", "retention_years", "ombudsman_name", "active")
    inlines = (RegimeClockInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()  # the code is what complaints name

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # complaints keep pointing at their regime: make it inactive instead

    def save_model(self, request: HttpRequest, obj: Regime, form, change: bool) -> None:
        services.regime_edit_save(actor=request.user, obj=obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.regime_edit_delete(actor=request.user, obj=obj)
        for obj in instances:
            services.regime_edit_save(actor=request.user, obj=obj)


@admin.register(RegimeAssignment)
class RegimeAssignmentAdmin(ManagersEdit, admin.ModelAdmin):
    list_display = ("category", "regime")
    list_select_related = ("regime",)

    def save_model(self, request: HttpRequest, obj: RegimeAssignment, form, change: bool) -> None:
        services.regime_edit_save(actor=request.user, obj=obj)

    def delete_model(self, request: HttpRequest, obj: RegimeAssignment) -> None:
        services.regime_edit_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for obj in queryset.select_related("regime"):
            services.regime_edit_delete(actor=request.user, obj=obj)


@admin.register(RegimeChange)
class RegimeChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "regime_code", "target", "target_id", "action", "actor_label")
    list_filter = ("regime_code", "target", "action")
    readonly_fields = (
        "regime_code",
        "target",
        "target_id",
        "action",
        "actor",
        "actor_label",
        "before",
        "after",
        "created_at",
    )
