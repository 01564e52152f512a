"""The admin base for logs nobody edits (rule, regime, template and personal-data change logs,
letters sent, the redaction log): listed and read by those `may_read` lets in, never added,
changed or deleted through the admin — their rows are written only by their services.
Imports only Django and `core`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import roles


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only for whoever `may_read(user)` admits (any agent unless a subclass says)."""

    @staticmethod
    def may_read(user: Any) -> bool:
        return roles.is_agent(user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_read(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
