"""The redaction log in the admin (under "Audit"): read-only for managers and above, superusers
included — its rows are written only by `core.audit.audit_redact`. Imports no app of the project."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from core import roles
from core.logadmin import ReadOnlyAdmin
from core.models import AuditRedaction


@admin.register(AuditRedaction)
class AuditRedactionAdmin(ReadOnlyAdmin):
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

    @staticmethod
    def may_read(user: Any) -> bool:
        return roles.user_rank(user) >= roles.tier_rank(roles.MANAGER)
