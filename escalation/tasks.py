"""Celery tasks of the escalation app: thin wrappers that call one service.

The sweep is idempotent (row locks + status guards), so `acks_late` re-delivery after a worker
crash is safe. Time is kept by Deadline rows, never by ETA/countdown tasks.
"""

from celery import shared_task
from django.conf import settings

from escalation import services


@shared_task(name="escalation.deadline_sweep", acks_late=True, ignore_result=True)
def deadline_sweep() -> dict:
    result = services.deadline_sweep(batch_size=settings.REDRESS_SWEEP_BATCH_SIZE)
    return vars(result)
