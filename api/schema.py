"""OpenAPI generation for the API: every operation documents the error responses it can give.

Kept apart from `api.rest` because drf-spectacular imports DRF's views, which read the settings
that point at `api.rest`.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api.rest import ErrorSerializer

# --- schema ------------------------------------------------------------------------------------

ERROR_STATUSES = {
    400: "Malformed or invalid input (`invalid`, `malformed`).",
    401: "No or bad credentials (`not_authenticated`, `authentication_failed`).",
    403: "The caller's role does not allow it (`not_permitted`).",
    404: "No such object (`not_found`).",
    429: "Too many requests for this token (`throttled`); see `Retry-After`.",
}


class ApiSchema(AutoSchema):
    """Adds the error responses every operation can give, all in the one error shape."""

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
