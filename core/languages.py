"""The language a customer is written to: a stored code mapped onto one the site speaks.

Shared by the customer's mails and the customer's page, so both speak the same language.
Imports only Django.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def customer_language(code: str | None) -> str:
    """A language we have, for a customer's stored code (blank or unknown: LANGUAGE_CODE)."""
    try:
        # `zh_Hans` (a locale name) and `zh-hans` (a language code) name the same language.
        code = translation.to_language(code) if code and "_" in code else code
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE
