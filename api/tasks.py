"""Celery entry points of the API's own data: housekeeping only, each one service call.

Imports only `api.services` from the project.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from api import services


@shared_task(acks_late=True, ignore_result=True)
def idempotency_purge() -> int:
    hours = settings.IDEMPOTENCY_KEY_TTL_HOURS
    return services.idempotency_purge(older_than=timedelta(hours=hours))
