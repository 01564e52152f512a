"""Celery tasks of the privacy app: thin wrappers that call one service (idempotent)."""

from celery import shared_task

from privacy import retention


@shared_task(name="privacy.retention_run", acks_late=True, ignore_result=True)
def retention_run() -> dict:
    """Anonymise every customer the retention rules no longer allow to keep; a re-delivered
    or overlapping run finds them anonymised already and does nothing twice."""
    report = retention.retention_run()
    return {"due": report.due, "anonymised": report.anonymised, "skipped": report.skipped}
