"""Celery entry points of the complaints app: housekeeping only, each one service call."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from complaints import api_services


@shared_task(acks_late=True, ignore_result=True)
def idempotency_purge() -> int:
    hours = settings.IDEMPOTENCY_KEY_TTL_HOURS
    return api_services.idempotency_purge(older_than=timedelta(hours=hours))
