"""Writes of the letters work: sending a letter, and managers' edits of letter templates.

`letter_send` guarantees:
- Only staff send letters. The text is rendered and its mandatory content checked
  (`letters.requirements`) before anything is written: a letter lacking an item is refused with
  one 422 naming each missing item, and nothing is written.
- The PDF is made before the transaction opens (WeasyPrint takes a moment; the row lock is not
  held for it). Inside one transaction, with the complaint locked and its version unchanged
  since the text was rendered (else 409: the facts it states may have moved on), it writes the
  public message (`complaints.services.message_add`, so the mail app mails it after commit) with
  the PDF as its attachment, the `Letter` log row, and meets the regime clocks the letter
  answers (`regime_clock_stop`). All of it commits, or none of it.

`letter_template_save` guarantees: managers and above only; one template per regime, kind and
language; every edit that changes something writes a `LetterTemplateChange` (before/after) in
the edit's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.models import Complaint, State
from complaints.services.checks import MAX_LINE, MAX_TEXT, Checker
from core import roles
from core.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from letters import regime_facts, rendering, requirements, selectors
from letters.models import Letter, LetterKind, LetterSource, LetterTemplate, LetterTemplateChange


@dataclass(frozen=True)
class Draft:
    """A letter rendered and checked, not yet sent."""

    complaint: Complaint
    kind: str
    regime: str
    language: str
    source: str
    template: LetterTemplate | None
    subject: str
    text: str
    checked: tuple[str, ...]


def _complaint(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.select_related("customer").filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFoundError(
            _("There is no complaint with this id: check the reference, or search for it.")
        )
    return complaint


def letter_draft(
    *,
    complaint_id: int,
    actor: Any,
    kind: str,
    body: str | None = None,
    template_id: int | None = None,
) -> Draft:
    """Render a `kind` letter from `body` (free text) or a template and check what it must say;
    raises the 422 naming each missing item. Writes nothing (the admin's preview uses it too)."""
    if not roles.is_agent(actor):
        raise NotPermittedError(
            _("Only staff can send letters: sign in with a staff account or a staff token.")
        )
    check = Checker()
    check.choice("kind", kind, LetterKind.values)
    if body is not None:
        body = check.text("body", body, max_length=MAX_TEXT)
        if template_id is not None:
            check.add("template", _("Send either a text or a template, not both."))
    check.raise_if_any()
    complaint = _complaint(complaint_id)
    if complaint.state == State.MERGED:
        raise ConflictError(
            _("This complaint was merged into another: send the letter on that one.")
        )
    if kind == LetterKind.SUMMARY_RESOLUTION:
        closed = regime_facts.summary_window_closed(complaint=complaint)
        if closed is not None:
            raise RuleViolationError(
                _(
                    "The time for a summary resolution ended on %(when)s: send a final response "
                    "instead."
                )
                % {"when": formats.date_format(timezone.localtime(closed), "DATETIME_FORMAT")},
                fields={"kind": [_("A summary resolution is no longer allowed.")]},
            )
    language = selectors.letter_language(complaint)
    context = selectors.letter_context(complaint=complaint, language=language)
    regime = context["regime"]
    if body is not None:
        source = selectors.TextSource(LetterSource.FREE_TEXT, "", body)
    else:
        source = selectors.letter_text_source(
            kind=kind, regime=regime, language=language, template_id=template_id
        )
        if source is None:
            raise InvalidDataError(
                _("There is no active letter template of this kind with this id."),
                fields={"template": [_("Choose an active template of the letter's kind.")]},
            )
    field = "body" if body is not None else "template"
    text = rendering.letter_render(
        source=source.body, context=context, language=language, field=field
    )
    missing = requirements.letter_missing(regime=regime, kind=kind, context=context, text=text)
    if missing:
        raise requirements.letter_refusal(missing)
    with translation.override(language):
        title = str(LetterKind(kind).label)
    subject = (
        rendering.letter_render(
            source=source.subject, context=context, language=language, field=field
        ).strip()
        if source.subject.strip()
        else f"{title}: {complaint.subject}"
    )
    checked = tuple(
        item.key
        for item in requirements.required_items(regime=regime, kind=kind)
        if not item.outcomes or context["outcome_code"] in item.outcomes
    )
    return Draft(
        complaint=complaint,
        kind=kind,
        regime=regime,
        language=language,
        source=source.source,
        template=source.template,
        subject=subject[:MAX_LINE],
        text=text,
        checked=checked,
    )


def letter_send(
    *,
    complaint_id: int,
    actor: Any,
    kind: str,
    body: str | None = None,
    template_id: int | None = None,
    expected_version: int | None = None,
) -> Letter:
    """Send a letter: checked, stored as a PDF on its public message, logged, clock met."""
    draft = letter_draft(
        complaint_id=complaint_id, actor=actor, kind=kind, body=body, template_id=template_id
    )
    complaint = draft.complaint
    pdf = rendering.letter_pdf(
        title=draft.subject,
        text=draft.text,
        language=draft.language,
        reference=complaint.reference or "",
    )
    filename = f"{complaint.reference or complaint.pk}-{draft.kind}.pdf"
    with transaction.atomic():
        locked = complaint_services.complaint_lock(complaint.pk)
        complaint_services.complaint_version_check(locked, expected_version)
        if locked.version != complaint.version:
            raise ConflictError(
                _("The complaint changed while the letter was written: send it again.")
            )
        message = complaint_services.message_add(
            complaint_id=locked.pk,
            actor=actor,
            body=f"{draft.subject}\n\n{draft.text}",
            step="letter",
            files=[
                complaint_services.Upload(
                    filename=filename,
                    size=len(pdf),
                    content=pdf,
                    content_type="application/pdf",
                )
            ],
        )
        letter = Letter.objects.create(
            complaint=locked,
            message=message,
            kind=draft.kind,
            regime=draft.regime,
            language=draft.language,
            source=draft.source,
            template=draft.template,
            checked=list(draft.checked),
            sent_by=actor,
            sent_by_label=complaint_services.actor_display(actor, None),
            sent_at=message.created_at,
        )
        regime_facts.regime_clock_stop(complaint=locked, event=draft.kind)
    return letter


# --- templates ----------------------------------------------------------------------------------

TEMPLATE_FIELDS = ("regime", "kind", "language", "subject", "body", "active")


def _template_state(template: LetterTemplate) -> dict:
    return {name: getattr(template, name) for name in TEMPLATE_FIELDS}


def letter_template_save(
    *, actor: Any, data: Mapping[str, Any], template_id: int | None = None
) -> LetterTemplate:
    """Create or change a letter template (managers and above); every change is logged."""
    if roles.user_rank(actor) < roles.tier_rank(roles.MANAGER):
        raise NotPermittedError(
            _("Only a manager can change letter templates: ask a manager to make the change.")
        )
    check = Checker()
    regime = check.text("regime", data.get("regime", ""), max_length=32, required=False)
    kind = check.choice("kind", data.get("kind"), LetterKind.values)
    language = check.choice(
        "language", data.get("language"), [code for code, _name in settings.LANGUAGES]
    )
    subject = check.text("subject", data.get("subject"), max_length=MAX_LINE)
    body = check.text("body", data.get("body"), max_length=MAX_TEXT)
    check.raise_if_any()
    for field, source in (("subject", subject), ("body", body)):
        rendering.letter_render(source=source, context={}, language=language, field=field)
    values = {
        "regime": regime,
        "kind": kind,
        "language": language,
        "subject": subject,
        "body": body,
        "active": bool(data.get("active", True)),
    }
    with transaction.atomic():
        if template_id is None:
            template, before, action = LetterTemplate(), {}, "created"
        else:
            template = LetterTemplate.objects.select_for_update().filter(pk=template_id).first()
            if template is None:
                raise NotFoundError(_("There is no letter template with this id."))
            before, action = _template_state(template), "changed"
        for name, value in values.items():
            setattr(template, name, value)
        after = _template_state(template)
        if before == after:
            return template
        template.updated_at = timezone.now()
        try:
            with transaction.atomic():
                template.save()
        except IntegrityError:
            raise ConflictError(
                _("There is already a template for this regime, kind and language: change it.")
            ) from None
        LetterTemplateChange.objects.create(
            template=template,
            action=action,
            actor=actor,
            actor_label=complaint_services.actor_display(actor, None),
            before=before,
            after=after,
        )
    return template
