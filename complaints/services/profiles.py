"""Staff profiles: the language a staff user picked for their screens.

Guarantees: `staff_language_set` stores only a language of `settings.LANGUAGES` (or blank for
the browser's), one profile row per user (created on first use, race-safe by the one-to-one
key), and returns what was stored. Imports only complaints models, core and Django.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from complaints.models import StaffProfile
from core.errors import InvalidDataError


def staff_language_set(*, user: Any, language: str) -> StaffProfile:
    """Store `language` (a code of `settings.LANGUAGES`, or "" for the browser's) for `user`."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        message = _("Choose one of the offered languages, or the browser's language.")
        raise InvalidDataError(message, fields={"language": [message]})
    profile, _created = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile
