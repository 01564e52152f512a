"""The customer's side. At start-up it fills the extension points complaints declares
(`complaints.extensions`): the workbench panel, the queue's declined-remedy flag, the
dashboard's panel and the staff detail's `customer_url`; nothing of another app is patched."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer's side")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import extend

        extend.register()
