"""Promises, deadlines and automatic escalation. May import complaints; never compensation.

The deadlines follow the complaint through its domain events: each receiver is one line that
calls a service. `validate_promise` is the one synchronous hook: it runs inside
complaint_acknowledge's transaction and refuses a promise beyond the resolution window.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import events
        from complaints.models import Complaint
        from escalation import services

        def on_created(complaint_id, **_):
            services.deadline_on_created(complaint_id=complaint_id)

        def on_transitioned(complaint_id, transition, payload=None, **_):
            services.deadline_on_transition(
                complaint_id=complaint_id, transition=transition, payload=payload
            )

        def on_paused(complaint_id, paused_at, **_):
            services.deadline_pause(complaint_id=complaint_id, paused_at=paused_at)

        def on_resumed(complaint_id, resumed_at, **_):
            services.deadline_resume(complaint_id=complaint_id, resumed_at=resumed_at)

        def on_validate_promise(complaint, promised_by, **_):
            services.promise_validate(complaint=complaint, promised_by=promised_by)

        uid = "escalation"
        events.complaint_created.connect(on_created, sender=Complaint, weak=False, dispatch_uid=uid)
        events.complaint_transitioned.connect(
            on_transitioned, sender=Complaint, weak=False, dispatch_uid=uid
        )
        events.complaint_paused.connect(on_paused, sender=Complaint, weak=False, dispatch_uid=uid)
        events.complaint_resumed.connect(on_resumed, sender=Complaint, weak=False, dispatch_uid=uid)
        events.validate_promise.connect(
            on_validate_promise, sender=Complaint, weak=False, dispatch_uid=uid
        )
        _plug_into_complaints_api()


def _plug_into_complaints_api() -> None:
    """Fill complaints' extension points (complaints cannot import us): the deadlines in the API
    complaint detail and the breaches-and-warnings panel on the admin dashboard. (The name is
    older than the dashboard panel; it stays so that `ready()` is untouched.)"""
    from rest_framework.fields import DateTimeField

    from complaints import extensions
    from escalation import admin, selectors

    as_text = DateTimeField().to_representation  # the same time zone as the rest of the body

    @extensions.detail_section("deadlines")
    def deadlines(complaint, user):
        return [
            {
                "kind": d.kind,
                "status": d.status,
                "due_at": as_text(d.due_at) if d.due_at else None,
                "warn_at": as_text(d.warn_at) if d.warn_at else None,
                "paused": d.paused_at is not None,
            }
            for d in selectors.deadline_list(complaint_id=complaint.pk)
        ]

    extensions.dashboard_panel(admin.deadline_week_panel)
