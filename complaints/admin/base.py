"""The permission base of complaints' staff screens.

Access follows `core.roles` (the same rules as the services), not Django's per-model permissions:
every agent sees the screens, and nothing is added or deleted through the generic screens unless
a subclass says so. Imports only Django and `core`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import roles


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
