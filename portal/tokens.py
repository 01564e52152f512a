"""The customer link's token: a link's random key, signed with the site's SECRET_KEY.

Why signed rather than only hashed: the link goes into every mail to the customer and onto the
staff detail (`customer_url`), so it must be rebuilt from what we store; a stored hash could not
be shown again. The stored key is 32 random bytes (`secrets.token_urlsafe`), so it cannot be
guessed, and without the signature a copy of the database opens nothing. The separator is "."
(never in the URL-safe alphabet) so the token sits in a path without escaping.
Pure: no database access.
"""

from __future__ import annotations

import secrets

from django.core import signing

_SIGNER_SALT = "portal.customer-link"
KEY_BYTES = 32


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SIGNER_SALT, sep=".")


def key_new() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def token_for(key: str) -> str:
    return _signer().sign(key)


def key_from(token: str) -> str | None:
    """The key a token carries, or None when it was not signed by us (tampered, truncated)."""
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None
