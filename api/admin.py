"""API tokens in Django admin (under "API"): issued and revoked here, the key shown once.

Issue and revoke go through `api.services`; the key is shown in one message right after issue and
never again. Unlike the complaints screens, Django's own model permissions apply (superusers by
default): tokens are credentials. Idempotency records have no screen. Imports no app of the project.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api import scopes as api_scopes
from api import services
from api.models import ApiToken


class ApiTokenIssueForm(forms.ModelForm):
    """Issue a token: its user, name and scopes (checkboxes; none ticked: what the role allows)."""

    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=[(name, f"{name}: {text}") for name, text in api_scopes.SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every scope the user's role allows."),
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scopes", "expires_at")

    def clean(self):
        data = super().clean()
        user, scopes = data.get("user"), data.get("scopes")
        if user is not None and scopes:
            for problem in api_scopes.scopes_refused(user=user, scopes=scopes):
                self.add_error("scopes", problem)
        expires_at = data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", _("Choose a moment in the future."))
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Django's own model permissions apply (superusers by default): tokens are credentials."""

    form = ApiTokenIssueForm
    list_display = (
        "name",
        "user",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "scopes",
        "expires_at",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None:  # an issued token is not edited: rotate it to change its scopes
            return (*self.fields[:2], "scope_list", *self.fields[3:])
        return self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is not None:
            return (*self.fields[:2], "scope_list", *self.fields[3:])
        return self.fields

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes) or "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the service refuses inactive users; offer only active ones
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        token, key = services.api_token_issue(
            user=obj.user,
            name=obj.name,
            scopes=form.cleaned_data.get("scopes") or None,
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        obj.scopes = token.scopes
        obj._state.adding = False
        messages.warning(
            request,
            _(
                "The key of “%(name)s” for %(user)s (scopes: %(scopes)s) — "
                "copy it now, it is not shown again: %(key)s"
            )
            % {
                "name": token.name,
                "user": token.user,
                "scopes": ", ".join(token.scopes),
                "key": key,
            },
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        for token_id in queryset.values_list("pk", flat=True):
            services.api_token_revoke(token_id=token_id)
        messages.success(request, _("Revoked."))
