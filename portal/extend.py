"""Fills the extension points complaints declares (`complaints.extensions`), once, at start-up:
the complaint page's panel, the dashboard's panel, the queue's declined-remedy badge, and the
staff detail's `customer_url`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from complaints import extensions
    from portal import admin, selectors

    extensions.complaint_panel(admin.complaint_panel)
    extensions.dashboard_panel(admin.dashboard_panel)
    extensions.queue_flag(
        annotate=selectors.remedy_answer_annotate,
        flagged=selectors.remedy_declined,
        label=_("Remedy declined"),
    )

    @extensions.detail_value("customer_url")
    def customer_url(complaint, user):
        return selectors.customer_url(complaint_id=complaint.pk)
