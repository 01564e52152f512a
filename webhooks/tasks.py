"""Celery entry point for webhooks: beat runs `webhook_pump` every few seconds. Idempotent."""

from celery import shared_task

from webhooks import services


@shared_task(acks_late=True, ignore_result=True)
def webhook_pump() -> dict[str, int]:
    return services.webhook_pump()
