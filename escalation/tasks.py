"""Celery tasks of the escalation app: thin wrappers that call one service.

The sweep is idempotent (row locks + status guards), so `acks_late` re-delivery after a worker
crash is safe. Its staff emails are sent after its transactions commit. Time is kept by Deadline rows, never by ETA/countdown tasks.
"""

from celery import shared_task
from django.conf import settings

from escalation import services
from webhooks.services import mail_send_due


@shared_task(name="escalation.deadline_sweep", acks_late=True, ignore_result=True)
def deadline_sweep() -> dict:
    result = services.deadline_sweep(batch_size=settings.REDRESS_SWEEP_BATCH_SIZE)
    # The sweep's emails are outbox rows, committed with its batches; send them now rather than
    # wait for the next outbox pump. Nothing is locked any more.
    return {**vars(result), "mailed": mail_send_due()}
