"""Admin of the privacy app: retention rules (managers edit them) and the personal data log
(read-only). The customer actions are in `privacy.admin_actions`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import roles
from core.logadmin import ReadOnlyAdmin
from privacy.models import PersonalDataLog, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "years")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.can_handle_personal_data(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.can_handle_personal_data(request.user)

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.can_handle_personal_data(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.can_handle_personal_data(request.user)


@admin.register(PersonalDataLog)
class PersonalDataLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "customer", "actor_label", "reason")
    list_filter = ("action",)
    list_select_related = ("customer",)
    may_read = staticmethod(roles.can_handle_personal_data)
