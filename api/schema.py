"""OpenAPI generation for the API: every operation documents the error responses it can give
and the token scopes it needs.

Security schemes: `tokenAuth` (`Authorization: Token <key>`, its scopes listed in the scheme's
description) and `cookieAuth` (a staff member's session, which has every scope of their role).
OpenAPI 3.0 cannot attach scopes to an apiKey requirement, so each operation names its scopes in
its description and in `x-required-scopes` (a list of groups: every group is needed, any one
scope of a group satisfies it), read from the view's `HasScope` permissions.
Kept apart from `api.rest` because drf-spectacular imports DRF's views, which read the settings
that point at `api.rest`.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api.permissions import required_scopes
from api.rest import ErrorSerializer
from api.scopes import SCOPES

# --- schema ------------------------------------------------------------------------------------

ERROR_STATUSES = {
    400: "Malformed or invalid input (`invalid`, `malformed`).",
    401: "No or bad credentials (`not_authenticated`, `authentication_failed`).",
    403: "The caller's role or token scopes do not allow it (`not_permitted`; a missing scope "
    "is named in `fields.scope`).",
    404: "No such object (`not_found`).",
    429: "Too many requests for this token (`throttled`); see `Retry-After`.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`api.auth.ApiTokenAuthentication` as an apiKey scheme that lists the scopes."""

    target_class = "api.auth.ApiTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        scopes = "; ".join(f"`{name}`: {text}" for name, text in SCOPES.items())
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token rdr_<prefix>_<secret>`. A token has scopes: " + scopes + " Each "
                "operation names the scopes it needs (`x-required-scopes`); without one the "
                "answer is 403 naming it."
            ),
        }


def _scope_text(groups: list[tuple[str, ...]]) -> str:
    return " and ".join(" or ".join(f"`{s}`" for s in group) for group in groups)


class ApiSchema(AutoSchema):
    """Adds the error responses every operation can give, all in the one error shape, and the
    scopes each operation needs."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        groups = required_scopes(self.view, self.method)
        if operation is None or not groups:
            return operation
        needed = f"Required token scope: {_scope_text(groups)}."
        description = operation.get("description")
        operation["description"] = f"{description}\n\n{needed}" if description else needed
        operation["x-required-scopes"] = [list(group) for group in groups]
        return operation

    def _map_basic_serializer(self, serializer, direction):
        # A serializer renders every field it declares (DRF skips a field only when the value is
        # missing and the field is not required, which no response of ours does), so in a
        # response every property is required: "optional" there would tell a generated client
        # to expect a field that is always present to be absent. Request bodies keep DRF's rule.
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties"):
            schema["required"] = sorted(schema["properties"])
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, text in ERROR_STATUSES.items():
            responses.setdefault(str(code), self._error(text))
        responses.setdefault(
            "default", self._error("Any other error (405, 406, 413, 415), in the same shape.")
        )
        return responses

    def _error(self, description: str) -> dict:
        response = self._get_response_for_code(ErrorSerializer, "400")
        return {**response, "description": description}


# Headers every POST of the API documents.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry safely: the same key and body return the first answer; another body, 422.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The complaint `version` you last saw, e.g. `"3"`; 409 if it changed since.',
)
