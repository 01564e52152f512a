"""The staff user's own language, over whatever the browser asks for, and their own time zone.

Guarantees: a signed-in user who picked a language (`StaffProfile.language`) gets every page in
it, whatever `Accept-Language` says; one who did not keeps Django's choice (LocaleMiddleware).
Every page of a signed-in user shows times in their time zone (`StaffProfile.time_zone`, the
site's until they pick one): due times, dates, and what date inputs are read in. The time zone
is active for that request only (deactivated after it, so no other request inherits it).
Both are read from the database once per session — at login (`remember_language`, a
`user_logged_in` receiver) or on the first request of a session that predates it — and kept in
the session, so no request pays a query for them. Picking others updates the session at once
(`language_remember`, `profile_remember`). API calls authenticated by token keep
`Accept-Language` and the site's time zone.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from complaints import selectors

SESSION_KEY = "redress_language"
TIME_ZONE_KEY = "redress_time_zone"


def language_remember(*, request: HttpRequest, language: str) -> None:
    """Keep `language` ("" for the browser's) in the session and use it for this request."""
    request.session[SESSION_KEY] = language
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def profile_remember(*, request: HttpRequest, language: str, time_zone: str) -> None:
    """Keep the language and time zone in the session and use them for this request."""
    language_remember(request=request, language=language)
    request.session[TIME_ZONE_KEY] = time_zone
    _activate_time_zone(time_zone)


def remember_language(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """`user_logged_in`: the new session starts in the user's language and time zone."""
    if hasattr(request, "session"):
        language, time_zone = selectors.staff_profile_of(user=user)
        request.session[SESSION_KEY] = language
        request.session[TIME_ZONE_KEY] = time_zone


def _activate_time_zone(name: str) -> None:
    try:
        timezone.activate(zoneinfo.ZoneInfo(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class StaffLanguageMiddleware:
    """After AuthenticationMiddleware and LocaleMiddleware: the user's picks win."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        language = request.session.get(SESSION_KEY)
        time_zone = request.session.get(TIME_ZONE_KEY)
        if language is None or time_zone is None:  # a session from before these were kept
            language, time_zone = selectors.staff_profile_of(user=user)
            request.session[SESSION_KEY] = language
            request.session[TIME_ZONE_KEY] = time_zone
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        _activate_time_zone(time_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
