"""The redaction log in the admin (under "Audit"): read-only for managers and above, superusers
included — its rows are written only by `core.audit.audit_redact`. Imports no app of the project."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import roles
from core.models import AuditRedaction


@admin.register(AuditRedaction)
class AuditRedactionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "model", "object_pk", "fields", "actor_label", "reason")
    list_filter = ("model",)
    search_fields = ("object_pk", "reason", "actor_label")
    readonly_fields = (
        "created_at",
        "model",
        "object_pk",
        "fields",
        "actor",
        "actor_label",
        "reason",
    )
    list_select_related = ("actor",)

    def _manager(self, request: HttpRequest) -> bool:
        return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._manager(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manager(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
