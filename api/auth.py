"""DRF authentication by API token: `Authorization: Token <key>`.

`ApiTokenAuthentication` checks the key with `api.services.api_token_authenticate` (hashed keys,
revocable) and refuses a revoked or expired token or an inactive user (401). Who may then do what is each
app's permission classes' business, not this module's. Imports no app of the project.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.services import api_token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        if token.is_expired():
            raise exceptions.AuthenticationFailed(
                _("This API token has expired: ask an administrator for a new one.")
            )
        return token.user, token
