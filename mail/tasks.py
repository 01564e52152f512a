"""Celery entry points for customer mail; each takes ids, calls one service, and is idempotent
(a mail already sent, failed or held by another worker is skipped)."""

from celery import shared_task

from mail import services


@shared_task(name="mail.send", acks_late=True, ignore_result=True)
def mail_send(mail_id: int) -> str:
    return services.mail_send(mail_id=mail_id)


@shared_task(name="mail.send_due", acks_late=True, ignore_result=True)
def mail_send_due() -> dict[str, int]:
    return services.mail_send_due()


@shared_task(name="mail.inbox_poll", acks_late=True, ignore_result=True)
def mail_inbox_poll() -> dict[str, int]:
    from mail import maildir

    return maildir.maildir_poll()


@shared_task(name="mail.imap_poll", acks_late=True, ignore_result=True)
def mail_imap_poll() -> dict[str, int]:
    from mail import imap

    return imap.imap_poll()
