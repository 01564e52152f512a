"""The privacy actions on the customer list (registered through `complaints.extensions`):
export one customer's data as a ZIP, with or without internal notes, and anonymise customers
after a confirmation screen. Each calls one service; who may is `core.roles`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import extensions
from core import roles
from core.errors import DomainError
from privacy import export, services


def zip_response(filename: str, chunks) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(modeladmin, request: HttpRequest, queryset, *, internal: bool) -> HttpResponse | None:
    refusal = roles.personal_data_refusal(request.user)
    if refusal:
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    ids = list(queryset.values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        modeladmin.message_user(
            request, _("Select exactly one customer to export their data."), messages.ERROR
        )
        return None
    filename, chunks = export.customer_export(
        customer_id=ids[0], actor=request.user, include_internal=internal
    )
    return zip_response(filename, chunks)


@admin.action(description=gettext_lazy("Export personal data (ZIP)"))
def export_personal_data(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, internal=False)


@admin.action(description=gettext_lazy("Export personal data with internal notes (ZIP)"))
def export_personal_data_internal(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, internal=True)


@admin.action(description=gettext_lazy("Anonymise selected customers…"))
def anonymise_customers(modeladmin, request, queryset):
    refusal = roles.personal_data_refusal(request.user)
    if refusal:
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    if request.POST.get("confirm") == "yes":
        reason = request.POST.get("reason", "").strip()[:500]
        done = 0
        for customer_id in queryset.values_list("pk", flat=True):
            try:
                result = services.customer_anonymise(
                    customer_id=customer_id, actor=request.user, reason=reason
                )
            except DomainError as error:
                modeladmin.message_user(request, error.message, messages.ERROR)
                continue
            done += 0 if result.already else 1
        modeladmin.message_user(
            request, _("Customers anonymised: %(count)d.") % {"count": done}, messages.SUCCESS
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Anonymise customers"),
        "opts": modeladmin.model._meta,
        "customers": list(queryset.order_by("pk")[:200]),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": list(queryset.values_list("pk", flat=True)),
    }
    return TemplateResponse(request, "admin/privacy/anonymise_confirm.html", context)


def register() -> None:
    for fn in (export_personal_data, export_personal_data_internal, anonymise_customers):
        extensions.customer_admin_action(fn)
