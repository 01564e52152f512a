from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Letters")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compensation.management.demo_history import demo_loaded
        from complaints import extensions
        from letters import admin, demo

        extensions.complaint_panel(admin.complaint_letters_panel)
        demo_loaded.connect(demo.letters_demo_load, weak=False, dispatch_uid="letters.demo")
