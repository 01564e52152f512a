"""Customer email. At start-up it registers its in-transaction reaction with the complaint
engine (`mail.reactions`) and its panel on the admin complaint page: nothing else is patched."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = _("Customer email")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import extensions
        from mail import admin, reactions

        reactions.register()
        extensions.complaint_panel(admin.complaint_mail_panel)
