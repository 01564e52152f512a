"""DRF authentication and permission classes of the complaints API.

`ApiTokenAuthentication` reads `Authorization: Token <key>` and checks it with
`api_services.api_token_authenticate` (hashed keys, revocable). The permission class wraps the same
rule function the services and admin use (`roles.can_file`): staff and integrations only.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions, permissions

from complaints.api_services import api_token_authenticate
from core import roles


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        return token.user, token


class CanUseComplaintsApi(permissions.BasePermission):
    """Staff of any tier and integrations; everyone else is refused (403)."""

    message = "Only staff or an integration may use the complaints API."

    def has_permission(self, request, view) -> bool:
        return roles.can_file(request.user)
