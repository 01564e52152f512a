"""Reads of the letters work: what a letter may say (its context), its text, the letters sent.

`letter_context` is everything a letter's text may use, in the letter's language, read in a
fixed number of queries: the complaint and customer, the regime it falls under, the
compensation given (redress and goodwill apart) and the regime's running final-response clock.
`letter_text_source` picks the text, first match wins: the template asked for, the active
template for the regime, kind and language, the one for every regime, the standard file
(`templates/letters/<kind>.txt`, whose {% translate %} strings follow the catalogs).
Reads only; imports complaints, compensation, escalation and regimes, never a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.loader import get_template
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from compensation.models import GIVEN_STATUSES, CompensationRequest, Nature
from complaints.models import Complaint
from core.languages import customer_language
from letters import regime_facts
from letters.models import Letter, LetterSource, LetterTemplate


def _date(value: datetime | None) -> str:
    if value is None:
        return ""
    return str(formats.date_format(timezone.localtime(value), "DATE_FORMAT"))


def _lines(items: list[CompensationRequest]) -> str:
    return "\n".join(
        f"- {item.get_kind_display()}: {item.money}"
        + (f" × {item.quantity}" if item.quantity > 1 else "")
        + (f" ({item.note})" if item.note else "")
        for item in items
    )


def letter_context(*, complaint: Complaint, language: str) -> dict[str, Any]:
    """The variables of a letter on `complaint` (with its customer loaded), in `language`."""
    regime = regime_facts.complaint_regime(complaint=complaint)
    given = list(
        CompensationRequest.objects.filter(complaint_id=complaint.pk, status__in=GIVEN_STATUSES)
        .only("kind", "amount", "currency", "quantity", "note", "nature")
        .order_by("created_at", "id")
    )
    with translation.override(language):
        ombudsman = regime.ombudsman_name
        context: dict[str, Any] = {
            "customer_name": complaint.customer.name,
            "reference": complaint.reference or "",
            "subject": complaint.subject,
            "date": _date(timezone.now()),
            "regime": regime.code,
            "regime_name": regime.name,
            "outcome_code": complaint.outcome,
            "outcome": str(complaint.get_outcome_display()) if complaint.outcome else "",
            "outcome_reason": complaint.outcome_reason_display,
            "redress": _lines([g for g in given if g.nature == Nature.REDRESS]),
            "goodwill": _lines([g for g in given if g.nature == Nature.GOODWILL]),
            "ombudsman_name": ombudsman,
            "ombudsman_website": regime.ombudsman_website,
            "referral_right": (
                _(
                    "If you remain unhappy, you have the right to refer your complaint to "
                    "%(ombudsman)s (%(website)s), free of charge, within six months of the date "
                    "of this letter."
                )
                % {"ombudsman": ombudsman, "website": regime.ombudsman_website}
                if ombudsman and regime.ombudsman_website
                else ""
            ),
            "waiver": (
                _(
                    "We do not consent to %(ombudsman)s considering your complaint if you refer "
                    "it after those six months; the ombudsman may still do so in exceptional "
                    "circumstances."
                )
                % {"ombudsman": ombudsman}
                if ombudsman
                else ""
            ),
            "resolved": _("We consider your complaint resolved."),
            "final_due": _date(regime.final_due),
            "signature": settings.MAIL_SIGNATURE,
        }
    return context


@dataclass(frozen=True)
class TextSource:
    source: str
    subject: str  # a template string
    body: str  # a template string
    template: LetterTemplate | None = None


def letter_text_source(
    *, kind: str, regime: str, language: str, template_id: int | None = None
) -> TextSource | None:
    """The text a `kind` letter is written from (None: `template_id` names no usable template)."""
    if template_id is not None:
        chosen = LetterTemplate.objects.filter(pk=template_id, kind=kind, active=True).first()
        if chosen is None:
            return None
        return TextSource(LetterSource.TEMPLATE, chosen.subject, chosen.body, chosen)
    rows = list(
        LetterTemplate.objects.filter(kind=kind, language=language, active=True).filter(
            Q(regime=regime) | Q(regime="")
        )
    )
    rows.sort(key=lambda row: row.regime != regime)  # the regime's own text first
    if rows:
        row = rows[0]
        return TextSource(LetterSource.TEMPLATE, row.subject, row.body, row)
    source = get_template(f"letters/{kind}.txt").template.source
    return TextSource(LetterSource.STANDARD, "", source)


def letter_language(complaint: Complaint) -> str:
    return customer_language(complaint.customer.language)


def letter_templates(*, kind: str | None = None) -> QuerySet[LetterTemplate]:
    rows = LetterTemplate.objects.filter(active=True)
    return rows.filter(kind=kind) if kind else rows


def complaint_letters(*, complaint_id: int) -> list[Letter]:
    """The letters sent on a complaint, oldest first, each with its message and files."""
    return list(
        Letter.objects.filter(complaint_id=complaint_id)
        .select_related("message", "template")
        .prefetch_related("message__attachments")
        .order_by("sent_at", "id")
    )
