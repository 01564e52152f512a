"""Celery tasks of the escalation app: thin wrappers that call one service.

The sweep is idempotent (row locks + status guards), so `acks_late` re-delivery after a worker
crash is safe. Its staff emails are sent after its transactions commit. Time is kept by Deadline
rows, never by ETA/countdown tasks.
"""

import logging

from celery import shared_task
from django.conf import settings

from escalation import invariants, services
from webhooks.services import mail_send_due

log = logging.getLogger(__name__)


@shared_task(name="escalation.deadline_sweep", acks_late=True, ignore_result=True)
def deadline_sweep() -> dict:
    result = services.deadline_sweep(batch_size=settings.REDRESS_SWEEP_BATCH_SIZE)
    # The sweep's emails are outbox rows, committed with its batches; send them now rather than
    # wait for the next outbox pump. Nothing is locked any more.
    return {**vars(result), "mailed": mail_send_due()}


@shared_task(name="escalation.check_invariants", acks_late=True, ignore_result=True)
def check_invariants() -> dict:
    """Check the invariants, repair what is safe (idempotent: each repair re-checks under its
    lock) and report what remains; the repairs log themselves."""
    run = invariants.invariants_enforce()
    for violation in run.remaining:
        log.error("Invariant violated: %s", violation)
    return {
        "checked": run.checked,
        "found": len(run.found),
        "repaired": len(run.repaired),
        "remaining": len(run.remaining),
    }
