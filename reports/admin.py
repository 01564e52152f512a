"""The complaints return in the admin (managers): a regime and a period, the figures of
`reports.selectors.complaints_return` as a table, and the same table as a CSV download.
Thin: the form parses, the selector computes; a refused period is shown, never a 500."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from core import roles
from core.csvexport import csv_response
from core.errors import DomainError
from reports import selectors
from reports.forms import ReturnForm
from reports.models import ComplaintsReturn


@admin.register(ComplaintsReturn)
class ComplaintsReturnAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.can_read_returns(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.can_read_returns(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        # The changelist is the page; a proxy of the complaint has no object pages of its own.
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReturnForm(request.GET if "regime" in request.GET else None)
        report, refusal = None, None
        if form.is_bound and form.is_valid():
            try:
                report = selectors.complaints_return(
                    regime=form.cleaned_data["regime"],
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                )
            except DomainError as e:
                refusal = e.message
        if report is not None and request.GET.get("format") == "csv":
            return csv_response(
                filename=selectors.return_filename(report),
                header=selectors.return_header(),
                rows=selectors.return_table(report),
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Complaints return"),
            "opts": self.model._meta,
            "form": form,
            "refusal": refusal,
            "report": report,
            "header": selectors.return_header(),
            "table": selectors.return_table(report) if report else [],
            "csv_query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/reports/complaints_return.html", context)
