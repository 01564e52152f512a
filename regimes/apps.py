"""Regimes. At start-up it registers its reactions with the complaint engine (intake starts the
clocks; closing and the customer's written acceptance stop the ones that name them), its
retention rules with privacy, and fills complaints' extension points (the complaint page's
regime panel, the API detail's regime)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegimesConfig(AppConfig):
    name = "regimes"
    verbose_name = _("Regulatory regimes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from regimes import extend

        extend.register()
