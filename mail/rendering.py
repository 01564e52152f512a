"""One outbound mail rendered: subject, plain text and HTML, in the customer's language.

Texts come, first match wins, from an active `MailTemplate` (kind × language, edited by
managers), a language's own file (`templates/mail/<language>/<kind>.txt|.html`), or the default
file (`templates/mail/<kind>.txt|.html`), whose {% trans %} strings follow the locale catalogs.
Rendering reads (the customer's link too: `portal.selectors.customer_url`) and writes nothing; it runs at send time (so a corrected text helps a retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string, select_template
from django.utils import formats, timezone, translation
from django.utils.html import linebreaks

from core.languages import customer_language
from mail.models import MailTemplate, OutboundMail
from portal.selectors import customer_url


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def mail_language(code: str | None) -> str:
    """A language we have, for a customer's stored code (blank or unknown: LANGUAGE_CODE)."""
    return customer_language(code)


def mail_subject(*, reference: str, subject: str) -> str:
    """`[CMP-2026-000123] Coconut opener missing`: the reference threads a reply without headers."""
    return f"[{reference}] {' '.join(subject.split())}"[:255]


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)  # the site's zone, named: the customer may live elsewhere
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def mail_render(*, mail: OutboundMail) -> Rendered:
    """Render `mail` (with its message, complaint and customer loaded)."""
    complaint = mail.complaint
    language = mail_language(mail.language)
    with translation.override(language):
        context = {
            "kind": mail.kind,
            "customer_name": complaint.customer.name,
            "reference": complaint.reference,
            "subject": complaint.subject,
            "message": mail.message.body,
            "summary": complaint.summary if mail.kind == "acknowledgement" else "",
            "promised_by": _when(complaint.promised_by),
            "signature": settings.MAIL_SIGNATURE,
            "language": language,
            "customer_url": customer_url(complaint_id=complaint.pk) or "",
        }
        override = (
            MailTemplate.objects.filter(kind=mail.kind, language=language, active=True)
            .only("subject", "body")
            .first()
        )
        subject = complaint.subject
        if override and override.subject.strip():
            subject = Template(override.subject).render(Context(context))
        if override and override.body.strip():
            text = Template(override.body).render(Context(context, autoescape=False))
            if context["customer_url"] and context["customer_url"] not in text:
                text = f"{text.rstrip()}\n\n{render_to_string('mail/link.txt', context).strip()}\n"
            html = render_to_string(
                "mail/override.html", {**context, "body_html": linebreaks(text, autoescape=True)}
            )
        else:
            names = [f"mail/{language}/{mail.kind}", f"mail/{mail.kind}"]
            text = select_template([f"{n}.txt" for n in names]).render(context)
            html = select_template([f"{n}.html" for n in names]).render(context)
    return Rendered(
        subject=mail_subject(reference=complaint.reference, subject=subject),
        text=text.strip() + "\n",
        html=html,
    )
