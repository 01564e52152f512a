"""The REST plumbing as a Django app, so its own tables (API tokens, idempotency records), their
admin, task and management command are registered under the label `api`. Wires nothing else:
importing it imports no app of the project."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    label = "api"
    verbose_name = _("API")
