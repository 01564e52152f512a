"""Staff screens of the customer's side: the complaint page's panel (the customer's answers as
they happen, the link with its Renew and Revoke buttons) and the dashboard's panel.

Thin: the buttons post to two views of `CustomerLinkAdmin`, each one service call
(`customer_link_renew`, `customer_link_revoke`, both audited); figures come from
`portal.selectors`. The links' list is read-only: nobody edits a link by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _

from complaints.admin.base import _RoleGatedAdmin
from complaints.models import Complaint
from core import roles
from core.errors import DomainError
from portal import selectors, services
from portal.models import CustomerLink


def complaint_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page block: what the customer confirmed, answered and rated."""
    feedback = selectors.complaint_feedback(complaint_id=complaint.pk)
    return render_to_string(
        "admin/portal/complaint_panel.html",
        {
            "feedback": feedback,
            "complaint": complaint,
            "renew_url": reverse("admin:portal_customerlink_renew", args=[complaint.pk]),
            "revoke_url": reverse("admin:portal_customerlink_revoke", args=[complaint.pk]),
        },
        request=request,
    )


def dashboard_panel(request: HttpRequest) -> str:
    """The dashboard block: confirmation, acceptance and the ratings by category, tier, agent."""
    return render_to_string(
        "admin/portal/dashboard_panel.html",
        {
            "confirmation": selectors.insight_summary_confirmation(),
            "acceptance": selectors.insight_remedy_acceptance(),
            "ratings": selectors.insight_ratings(),
        },
        request=request,
    )


@admin.register(CustomerLink)
class CustomerLinkAdmin(_RoleGatedAdmin):
    list_display = ("complaint", "created_at", "revoked_at", "revoked_by")
    list_select_related = ("complaint", "revoked_by")
    list_filter = ("revoked_at",)
    search_fields = ("complaint__reference",)
    readonly_fields = ("complaint", "created_at", "revoked_at", "revoked_by")
    exclude = ("key",)  # the key opens the customer's page: staff copy the URL from the panel

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:complaint_id>/renew/",
                self.admin_site.admin_view(self.renew_view),
                name="portal_customerlink_renew",
            ),
            path(
                "<int:complaint_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="portal_customerlink_revoke",
            ),
            *super().get_urls(),
        ]

    def _act(self, request: HttpRequest, complaint_id: int, run) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not roles.is_agent(request.user):
            messages.error(request, roles.staff_refusal(request.user))
        else:
            try:
                messages.success(request, run())
            except DomainError as error:
                messages.error(request, error.message)
        return HttpResponseRedirect(
            reverse("admin:complaints_complaint_change", args=[complaint_id]) + "#customer-answers"
        )

    def renew_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        def run() -> str:
            services.customer_link_renew(complaint_id=complaint_id, actor=request.user)
            return _("A new customer link is issued; the old one no longer opens.")

        return self._act(request, complaint_id, run)

    def revoke_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        def run() -> str:
            if services.customer_link_revoke(complaint_id=complaint_id, actor=request.user):
                return _("The customer link is revoked: it no longer opens.")
            return _("There was no active customer link to revoke.")

        return self._act(request, complaint_id, run)
