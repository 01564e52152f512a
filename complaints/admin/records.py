"""The small staff screens for complaint-side records, each registered here once.

Canned texts: every agent reads them, managers (and above) write them. Customers: a lead or above
edits them. The audit trail (`TransitionLog`) and messages are read-only for everyone,
superusers included: they change only through the complaint services. Nothing here decides a
rule. Imports only complaints, `core` and Django; never escalation or compensation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints import extensions
from complaints.admin.base import _RoleGatedAdmin
from complaints.models import CannedText, Customer, Message, TransitionLog
from core import roles


@admin.register(CannedText)
class CannedTextAdmin(_RoleGatedAdmin):
    """Every agent reads the canned texts; managers (and above) write them."""

    list_display = ("title", "kind", "language", "active", "position", "excerpt")
    list_filter = ("kind", "language", "active")
    list_editable = ("active", "position")
    search_fields = ("title", "body")

    def _manager(self, request: HttpRequest) -> bool:
        return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manager(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._manager(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manager(request)

    @admin.display(description=_("Text"))
    def excerpt(self, obj: CannedText) -> str:
        return obj.body[:80]


@admin.register(Customer)
class CustomerAdmin(_RoleGatedAdmin):
    list_display = ("name", "email", "phone", "external_ref", "created_at", "anonymised_at")
    search_fields = ("name", "email", "external_ref", "phone")
    readonly_fields = ("anonymised_at",)

    def get_actions(self, request: HttpRequest):
        """Django's actions plus those higher apps registered (`extensions`)."""
        actions = super().get_actions(request)
        for fn in extensions.customer_admin_actions():
            action = self.get_action(fn)
            if action is not None:
                actions[action[1]] = action
        return actions

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

    @admin.display(description=_("Text"))
    def excerpt(self, obj: Message) -> str:
        return format_html("{}", obj.text[:80])
