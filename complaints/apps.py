"""The complaint lifecycle: the engine (one writer of state) and the extension points higher
apps fill (`complaints.reactions`, `complaints.extensions`). Imports neither escalation nor
compensation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from complaints import checks  # noqa: F401  (registers the system checks)
        from complaints.middleware import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="complaints.remember_language")
