from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = "Compensation"

    def ready(self) -> None:
        from compensation import receivers
        from complaints import events

        events.complaint_transitioned.connect(
            receivers.on_complaint_transitioned, dispatch_uid="compensation.withdraw_pending"
        )
