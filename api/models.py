"""Models that only the REST API needs: integration tokens and idempotency records.

`ApiToken` keeps a key's SHA-256 and a short public prefix, never the key itself: the key is shown
once when issued. A fast hash is enough because keys are 256-bit random strings (no dictionary to
guess from), and it keeps authentication to one indexed lookup. Revoking sets `revoked_at`; rows
are kept for the audit trail. `expires_at` (optional) ends a token by itself; `last_used_at` is
stamped by authentication at most once a minute, so a busy token costs no write per request. `scopes` lists what the token may do (`api.scopes.SCOPES`); the
issuing service keeps it within what the user's role allows.

`IdempotencyRecord` remembers the first successful answer to a POST sent with an
`Idempotency-Key`, so a retry gets the same answer; it is written in the same transaction as the
change it answers.

Both tables were created by `complaints` (migration 0005) and moved here in state only, so they keep
their names (`Meta.db_table`) and rows. This module imports no app of the project.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=100, default="default", help_text=_("Which integration.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        blank=True,
        help_text=_("What the token may do (api.scopes.SCOPES)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("Empty: the token does not expire. After it, the token is refused (401)."),
    )

    class Meta:
        db_table = "complaints_apitoken"
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        db_table = "complaints_idempotencyrecord"
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
