"""The permission base of complaints' staff screens.

Access follows `core.roles` (the same rules as the services), not Django's per-model permissions:
every agent sees the screens, and nothing is added or deleted through the generic screens unless
a subclass says so. Every free-text field these screens edit (a subject, a customer's name, a
canned text) is parsed as the API parses text (`core.formfields.TextValidator`): one line for a
model CharField, lines allowed for a TextField. Imports only Django and `core`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from core import roles
from core.formfields import TextValidator


class _RoleGatedAdmin(admin.ModelAdmin):
    """Visible to every agent; nothing is added or deleted through the generic screens."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        free_text = isinstance(db_field, (models.CharField, models.TextField)) and not (
            db_field.choices or isinstance(db_field, (models.EmailField, models.URLField))
        )
        if free_text and type(field) is forms.CharField:
            single_line = not isinstance(db_field, models.TextField)
            field.validators.append(TextValidator(single_line=single_line))
        return field

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
