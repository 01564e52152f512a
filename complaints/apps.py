"""The complaint lifecycle: the engine (one writer of state) and the extension points higher
apps fill (`complaints.reactions`, `complaints.extensions`). Imports neither escalation nor
compensation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import checks  # noqa: F401  (registers the system checks)
