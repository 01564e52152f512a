"""Staff profiles: the language a staff user picked for their screens, and their time zone.

Guarantees: `staff_language_set` stores only a language of `settings.LANGUAGES` (or blank for
the browser's), `staff_profile_set` that and a time zone of the zoneinfo database, one profile
row per user (created on first use, race-safe by the one-to-one key); a refused value stores
nothing. Both return what was stored. Imports only complaints models, core and Django.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from complaints.models import StaffProfile, time_zone_names
from core.errors import InvalidDataError


def _language_check(language: str) -> dict[str, list[str]]:
    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        return {"language": [_("Choose one of the offered languages, or the browser's language.")]}
    return {}


def staff_language_set(*, user: Any, language: str) -> StaffProfile:
    """Store `language` (a code of `settings.LANGUAGES`, or "" for the browser's) for `user`."""
    if errors := _language_check(language):
        raise InvalidDataError(errors["language"][0], fields=errors)
    profile, _created = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile


def staff_profile_set(*, user: Any, language: str, time_zone: str) -> StaffProfile:
    """Store `user`'s language ("" for the browser's) and time zone (e.g. "Asia/Bangkok")."""
    errors = _language_check(language)
    if time_zone not in time_zone_names():
        errors["time_zone"] = [_("Choose one of the offered time zones.")]
    if errors:
        raise InvalidDataError(fields=errors)
    profile, _created = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": time_zone}
    )
    return profile
