"""Empowerment and compensation. May import escalation and complaints; nothing imports it.

At start-up it registers its in-transaction reactions with the complaint engine
(`compensation.reactions`) and fills the extension points complaints declares
(`complaints.extensions`): nothing of another app is patched.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = _("Compensation")

    def ready(self) -> None:
        from compensation import reactions

        reactions.register()
        _fill_extension_points()


def _fill_extension_points() -> None:
    """Fill complaints' extension points (complaints cannot import us): remedy with
    compensation, approve and return decide the pending compensation, for the API and the admin
    buttons alike; the API detail lists the requests (the customer-safe detail only what was
    given); the admin complaint page gets the Remedy
    form with items, its panel and the buttons a waiting remedy withholds; the dashboard gets
    the compensation granted and the outcome split with redress apart from goodwill."""
    from compensation import admin, forms, selectors, serializers, services
    from complaints import extensions
    from complaints.serializers import GrantedCompensationOut

    extensions.remedy_handler(services.complaint_remedy_with_compensation)
    extensions.approve_handler(services.complaint_compensation_approve)
    extensions.return_handler(services.complaint_compensation_reject)

    @extensions.detail_section("compensation_requests", serializer=serializers.CompensationOut)
    def compensation_requests(complaint, user):
        return serializers.compensation_section(
            selectors.complaint_compensation_requests(complaint_id=complaint.pk)
        )

    @extensions.detail_section("compensation", public=True, serializer=GrantedCompensationOut)
    def compensation_given(complaint, user):
        return serializers.granted_section(
            selectors.complaint_compensation_given(complaint_id=complaint.pk)
        )

    extensions.admin_action(
        "remedy", form=forms.RemedyWithCompensationForm, notice=admin.remedy_notice
    )
    extensions.hide_admin_actions(admin.undecidable_actions)
    extensions.complaint_panel(admin.complaint_panel)
    extensions.dashboard_panel(admin.granted_panel)
    extensions.dashboard_panel(admin.outcome_panel)
    extensions.dashboard_figure(
        "compensation-granted", title=_("Compensation granted, last 30 days")
    )(admin.granted_figure)
