"""Letters to the customer that a regime requires, their texts, and the log of what was sent.

- `LetterTemplate`: a manager's text for one kind of letter, per regime (by its code, blank: any
  regime) and language. It wins over the standard file (`templates/letters/<kind>.txt`).
  Every edit is logged as a `LetterTemplateChange` (append-only), in the edit's transaction.
- `Letter`: one letter sent — append-only: the public message that carries it (and its PDF
  attachment), the regime and kind it answers, the language, the text's source and the items
  of mandatory content the check found. Written with the message, in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AppendOnlyModel, audit_triggers
from letters import requirements


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = requirements.ACKNOWLEDGEMENT, _("Acknowledgement")
    SUMMARY_RESOLUTION = requirements.SUMMARY_RESOLUTION, _("Summary resolution")
    HOLDING_REPLY = requirements.HOLDING_REPLY, _("Holding reply")
    FINAL_RESPONSE = requirements.FINAL_RESPONSE, _("Final response")


class LetterSource(models.TextChoices):
    STANDARD = "standard", _("Standard text")
    TEMPLATE = "template", _("Manager's template")
    FREE_TEXT = "free_text", _("Free text")


class LetterTemplate(models.Model):
    """A manager's text for one kind of letter, regime and language (Django template syntax,
    with the letter context; see `letters.context`)."""

    # A regime's code (blank: every regime without its own text). A code rather than a key, so
    # a template outlives a regime's row being replaced and needs no regime to exist first.
    regime = models.CharField(
        _("regime"), max_length=32, blank=True, help_text=_("Blank: every regime.")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=LetterKind.choices)
    # A code of settings.LANGUAGES, not choices: adding a language needs no migration.
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    subject = models.CharField(
        _("subject"), max_length=200, help_text=_("The reference is always put in front.")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Variables: {{ customer_name }}, {{ reference }}, {{ subject }}, {{ date }}, "
            "{{ outcome }}, {{ outcome_reason }}, {{ redress }}, {{ goodwill }}, "
            "{{ ombudsman_name }}, {{ ombudsman_website }}, {{ referral_right }}, {{ waiver }}, "
            "{{ resolved }}, {{ final_due }}, {{ signature }}."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["regime", "kind", "language"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "kind", "language"], name="letter_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.regime or '*'} · {self.get_kind_display()} ({self.language})"


TEMPLATE_CHANGE_REDACTABLE = ("actor_label",)


class LetterTemplateChange(AppendOnlyModel):
    """Append-only (`core.audit`): who changed which letter template, from what, to what."""

    AUDIT_REDACTABLE = TEMPLATE_CHANGE_REDACTABLE

    template = models.ForeignKey(
        LetterTemplate,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("letter template"),
    )
    action = models.CharField(_("action"), max_length=16)  # created / changed
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter template change")
        verbose_name_plural = _("letter template changes")
        triggers = audit_triggers(redactable=TEMPLATE_CHANGE_REDACTABLE)

    def __str__(self) -> str:
        return f"{self.action} letter template {self.template_id} by {self.actor_label}"


LETTER_REDACTABLE = ("sent_by_label",)


class Letter(AppendOnlyModel):
    """Append-only (`core.audit`): one letter sent. Its words and PDF are the message's."""

    AUDIT_REDACTABLE = LETTER_REDACTABLE

    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        related_name="letters",
        verbose_name=_("complaint"),
    )
    message = models.OneToOneField(
        "complaints.Message",
        on_delete=models.PROTECT,
        related_name="letter",
        verbose_name=_("message"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=LetterKind.choices)
    regime = models.CharField(_("regime"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=16)
    source = models.CharField(_("text from"), max_length=16, choices=LetterSource.choices)
    template = models.ForeignKey(
        LetterTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letter template"),
    )
    # The mandatory items the check found in the text (keys of `letters.requirements.ITEMS`).
    checked = models.JSONField(_("mandatory content checked"), default=list, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_by_label = models.CharField(_("sent by (name)"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        ordering = ["sent_at", "id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        indexes = [models.Index(fields=["complaint", "kind"])]
        # A merge moves a duplicate's letters to the surviving complaint with its messages.
        triggers = audit_triggers(redactable=LETTER_REDACTABLE, movable=("complaint_id",))

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) at {self.sent_at:%Y-%m-%d %H:%M}"
