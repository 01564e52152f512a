"""The staff user's own language, over whatever the browser asks for.

Guarantees: a signed-in user who picked a language (`StaffProfile.language`) gets every page in
it, whatever `Accept-Language` says; one who did not keeps Django's choice (LocaleMiddleware).
The choice is read from the database once per session — at login (`remember_language`, a
`user_logged_in` receiver) or on the first request of a session that predates it — and kept in
the session, so no request pays a query for it. Picking another language updates the session at
once (`language_remember`). API calls authenticated by token keep `Accept-Language`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from complaints import selectors

SESSION_KEY = "redress_language"


def language_remember(*, request: HttpRequest, language: str) -> None:
    """Keep `language` ("" for the browser's) in the session and use it for this request."""
    request.session[SESSION_KEY] = language
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def remember_language(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """`user_logged_in`: the new session starts in the user's language."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = selectors.staff_language_of(user=user)


class StaffLanguageMiddleware:
    """After AuthenticationMiddleware and LocaleMiddleware: the user's pick wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            language = request.session.get(SESSION_KEY)
            if language is None:  # a session from before this was kept
                language = selectors.staff_language_of(user=user)
                request.session[SESSION_KEY] = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
