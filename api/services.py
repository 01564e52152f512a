"""Write services of the REST API's own data: issuing and revoking tokens, idempotent replies.

Invariants kept here:
- A token key exists in clear only in the return value of `api_token_issue`; the database holds
  its prefix and SHA-256. Its scopes are within what the user's role allows (`api.scopes`);
  left out, they are all of those. Issuing for a (user, name) that already has an active token rotates it:
  the old one is revoked in the same transaction.
- `idempotent_call` runs a change and stores its answer under (user, key) in ONE transaction, so
  either both are committed or neither. Two concurrent calls with one key: the loser's change is
  rolled back by the unique constraint and it answers with the winner's stored reply.
  The same key with a different request is refused (422); failed calls store nothing.
`Reply` is what an API class's change returns, for `idempotent_call` to store and replay.
Imports only `api.models`, `api.scopes` and `core` from the project.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from api import scopes as api_scopes
from api.models import ApiToken, IdempotencyRecord
from core.errors import InvalidDataError, NotFoundError, RuleViolationError

KEY_PREFIX = "rdr"
_PREFIX = re.compile(r"[0-9a-f]{12}")
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per token per minute


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_issue(
    *,
    user: Any,
    name: str = "default",
    scopes: Iterable[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create (or rotate) the token `name` of `user`; returns the token and its clear key.

    `scopes` default to all its user's role allows; asking for more (an integration asking for
    `staff`) or for unknown ones is refused (400). `expires_at` must lie in the future."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidDataError(fields={"name": [_("Between 1 and 100 characters.")]})
    if not user.is_active:
        raise InvalidDataError(
            _("Tokens are issued to active users only: activate the user first."),
            fields={"user": [_("The user is inactive.")]},
        )
    if scopes is None:
        scopes = api_scopes.scopes_allowed(user)
    elif isinstance(scopes, str):
        raise InvalidDataError(fields={"scopes": [_("Send the scopes as a list of names.")]})
    else:
        scopes = list(scopes)
        problems = api_scopes.scopes_refused(user=user, scopes=scopes)
        if problems:
            raise InvalidDataError(fields={"scopes": problems})
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidDataError(fields={"expires_at": [_("Choose a moment in the future.")]})
    ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).update(revoked_at=now)
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=_hash(key),
        scopes=api_scopes.scopes_normalize(scopes),
        created_at=now,
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token_id: int) -> ApiToken:
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFoundError(_("There is no API token with this id: reload the list.")) from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The unrevoked token whose key is `key` (with its user joined), or None. An expired one is
    returned as it is (the caller refuses it with its own message) and not stamped as used."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not _PREFIX.fullmatch(parts[1]):
        return None  # never send arbitrary bytes (NUL, say) to the database
    tokens = ApiToken.objects.select_related("user").filter(
        prefix=parts[1], revoked_at__isnull=True
    )
    if connections[tokens.db].vendor == "postgresql":
        # The user's group names in the same query: `roles.user_roles` then needs no second one.
        tokens = tokens.annotate(
            group_names=ArraySubquery(
                Group.objects.filter(user=OuterRef("user_id")).order_by().values("name")
            )
        )
    token = tokens.first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    if getattr(token, "group_names", None) is not None:
        token.user._redress_roles = frozenset(token.group_names)  # roles.user_roles' cache
    now = timezone.now()
    if token.is_expired(now):
        return token
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- idempotency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    """A hash of what was asked: the same JSON in any key order gives the same fingerprint."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False
    )
    return _hash(f"{method.upper()} {path}\n{canonical}")


def _replay(record: IdempotencyRecord, fingerprint: str) -> Reply:
    if record.request_hash != fingerprint:
        raise RuleViolationError(
            _(
                "This Idempotency-Key was already used with a different request: "
                "use a new key for a new request."
            ),
            fields={"Idempotency-Key": [_("Already used with a different request.")]},
        )
    return Reply(record.status_code, record.response, replayed=True)


def idempotent_call(
    *, user: Any, key: str | None, fingerprint: str, run: Callable[[], Reply]
) -> Reply:
    """Run `run` once per (user, key); a retry gets the first successful reply again."""
    if not key:
        return run()
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            reply = run()
            if 200 <= reply.status < 300:
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    request_hash=fingerprint,
                    status_code=reply.status,
                    response=reply.body,
                )
    except IntegrityError:
        # A concurrent call with the same key committed first; ours was rolled back whole.
        winner = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if winner is None:
            raise
        return _replay(winner, fingerprint)
    return reply


def idempotency_purge(*, older_than: timedelta, batch_size: int = 5000) -> int:
    """Forget Idempotency-Keys older than `older_than`; returns how many were deleted.

    Past that window a retry with the same key is a new request (an `external_id` still never
    files twice). Deletes in batches so a large backlog never holds one long lock. Idempotent.
    """
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
