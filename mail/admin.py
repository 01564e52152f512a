"""Staff screens of customer mail: the mail log (read-only, with every attempt), the email texts
managers edit, the integrations that mail their customers themselves, the complaint page's
panel listing what was mailed and what failed, the incoming mails (quarantined ones with their
reason) and the bouncing addresses. No rule lives here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from core import roles
from mail import selectors
from mail.models import (
    BouncingAddress,
    InboundMail,
    IntegrationMailSetting,
    MailAttempt,
    MailTemplate,
    OutboundMail,
)


def _manager(request: HttpRequest) -> bool:
    return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)


def complaint_mail_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page block: every mail to the customer, failures marked (one query)."""
    mails = list(selectors.complaint_mail_list(complaint_id=complaint.pk))
    return render_to_string(
        "admin/mail/complaint_panel.html",
        {"mails": mails, "failed": [m for m in mails if m.status == "failed"]},
        request=request,
    )


class _StaffReads(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)


class MailAttemptInline(admin.TabularInline):
    model = MailAttempt
    extra = 0
    can_delete = False
    fields = ("number", "outcome", "smtp_code", "error", "at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)


@admin.register(OutboundMail)
class OutboundMailAdmin(_StaffReads):
    list_display = (
        "created_at",
        "complaint_reference",
        "kind",
        "to",
        "language",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "kind", "language")
    search_fields = ("complaint__reference", "to", "msgid")
    date_hierarchy = "created_at"
    inlines = [MailAttemptInline]
    readonly_fields = [f.name for f in OutboundMail._meta.fields]

    def get_queryset(self, request: HttpRequest):
        return selectors.mail_log_queryset()

    @admin.display(description=_("complaint"), ordering="complaint__reference")
    def complaint_reference(self, obj: OutboundMail) -> str:
        return obj.complaint.reference or ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # mails come from messages only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MailTemplateForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    class Meta:
        model = MailTemplate
        fields = ("kind", "language", "subject", "body", "active")


@admin.register(MailTemplate)
class MailTemplateAdmin(_StaffReads):
    """Every agent reads the email texts; managers (and above) write them."""

    form = MailTemplateForm

    list_display = ("kind", "language", "subject", "active")
    list_filter = ("kind", "language", "active")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _manager(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)


@admin.register(IntegrationMailSetting)
class IntegrationMailSettingAdmin(_StaffReads):
    list_display = ("integration", "mail_customers")
    list_select_related = ("integration",)
    raw_id_fields = ("integration",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _manager(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)


@admin.register(InboundMail)
class InboundMailAdmin(_StaffReads):
    """Every mail that came in, with what ingest made of it (quarantined ones with the reason);
    read-only: the original is in storage under `raw`."""

    list_display = ("received_at", "outcome", "sender", "subject", "complaint_reference", "reason")
    list_filter = ("outcome", "source")
    search_fields = ("msgid", "sender", "subject", "complaint__reference")
    date_hierarchy = "received_at"
    list_select_related = ("complaint",)
    readonly_fields = [f.name for f in InboundMail._meta.fields]

    @admin.display(description=_("complaint"), ordering="complaint__reference")
    def complaint_reference(self, obj: InboundMail) -> str:
        return (obj.complaint.reference or "") if obj.complaint_id else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # mails come from the doors only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BouncingAddress)
class BouncingAddressAdmin(_StaffReads):
    """Addresses a delivery report said fail; a manager deletes the row once the customer's
    address works again (mail to it is then sent as usual)."""

    list_display = ("email", "since", "last_report_at", "reason")
    search_fields = ("email",)
    readonly_fields = ("email", "since", "last_report_at", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)
