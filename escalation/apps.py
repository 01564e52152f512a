"""Promises, deadlines and automatic escalation. May import complaints; never compensation.

The deadlines follow the complaint inside its own transaction: `escalation.reactions` registers
them with the complaint engine at start-up.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from escalation import reactions, selectors
        from escalation.models import BusinessCalendar, ClosedDate, ResponsePolicy

        reactions.register()
        for model in (ResponsePolicy, BusinessCalendar, ClosedDate):
            for signal in (post_save, post_delete):
                signal.connect(selectors.policy_cache_clear, sender=model, weak=False)
        _fill_extension_points()


def _fill_extension_points() -> None:
    """Fill complaints' extension points (complaints cannot import us): the deadlines in the API
    complaint detail, the breaches-and-warnings panel on the admin dashboard, and the deadlines
    panel of the admin complaint page."""
    from rest_framework.fields import DateTimeField

    from complaints import extensions
    from escalation import admin, selectors
    from escalation.serializers import DeadlineOut

    as_text = DateTimeField().to_representation  # the same time zone as the rest of the body

    @extensions.detail_section("deadlines", serializer=DeadlineOut)
    def deadlines(complaint, user):
        return [
            {
                "kind": d.kind,
                "status": d.status,
                "due_at": as_text(d.due_at) if d.due_at else None,
                "warn_at": as_text(d.warn_at) if d.warn_at else None,
                "paused": d.paused_at is not None,
                "pausable": d.pausable,
            }
            for d in selectors.deadline_list(complaint_id=complaint.pk)
        ]

    extensions.dashboard_panel(admin.deadline_week_panel)
    extensions.dashboard_figure("deadlines-this-week", title=_("Breaches and warnings this week"))(
        admin.deadline_week_figure
    )
    extensions.complaint_panel(admin.complaint_deadlines_panel)
