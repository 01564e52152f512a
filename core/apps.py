"""`core` as a Django app (label `core`), only so that the redaction log (`core.models`) has a
table; everything else in `core` is plain Python. Importing it imports no app of the project."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = _("Audit")
