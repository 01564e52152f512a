"""The Celery application.

Configuration comes from Django settings (the `CELERY_` namespace), so the broker is chosen by
`CELERY_BROKER_URL`: Celery's filesystem transport in development, Redis in production.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("redress")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
