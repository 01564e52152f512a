"""REST API plumbing shared by every app's API classes: the one error shape and how it is reached.

Every error the API answers has the body `{"code", "message", "fields"}`:
- `DomainError`s raised by services keep their own code and status (403, 404, 409, 422, ...);
- DRF's errors are mapped here (400 invalid/malformed, 401, 403, 404, 405, 406, 413, 415, 429);
- bodies over DATA_UPLOAD_MAX_MEMORY_SIZE and JSON too deeply nested are refused before parsing
  finishes, so no client input reaches a 500;
- a database fault is a 503 `unavailable` (the change rolled back whole; retry), and anything
  else unexpected a 500 `internal_error` in the same shape, logged, never a traceback.
The OpenAPI side (error responses on every operation) is in `api.schema`.
This module holds no business rule and imports only `core.errors` from the project.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, parsers, serializers, status, throttling
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.errors import DomainError

log = logging.getLogger(__name__)

# --- the error shape ---------------------------------------------------------------------------

_CODES = {
    exceptions.ParseError: "malformed",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "not_permitted",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large: send less data at once.")
    default_code = "too_large"


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"customer.email": [...], "compensations.0.amount": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(d, (dict, list)) for d in detail):
        items = ((str(i), d) for i, d in enumerate(detail))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix or "non_field_errors": [str(m) for m in messages]}
    for key, value in items:
        name = "non_field_errors" if key == "non_field_errors" and not prefix else str(key)
        if value in ({}, [], None):
            continue
        out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    return out


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def _where(context: dict) -> str:
    request = context.get("request")
    return f"{request.method} {request.path}" if request is not None else "an API call"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """The one exception handler of the API (REST_FRAMEWORK["EXCEPTION_HANDLER"])."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(max)d bytes: send less data at once.")
            % {"max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(
            _("The request could not be read: check its headers and body and send it again.")
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
        # A database blip mid-change: the transaction rolled back whole, so a retry is safe.
        log.error("Database fault during %s", _where(context), exc_info=exc)
        return Response(
            error_body(
                "unavailable",
                _(
                    "A temporary fault stopped the change and nothing was saved: retry it (with "
                    "the same Idempotency-Key, if you sent one)."
                ),
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    if not isinstance(exc, exceptions.APIException):
        # A bug, not input: logged with its traceback here, answered in the one shape.
        log.error("Unhandled error during %s", _where(context), exc_info=exc)
        return Response(
            error_body(
                "internal_error",
                _("Something went wrong on our side and nothing was saved: try again later."),
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            "invalid",
            _("Some fields are missing or invalid: correct them and send it again."),
            _flatten(exc.detail),
        )
    else:
        code = _CODES.get(type(exc)) or getattr(exc, "default_code", "error")
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="What went wrong, for a human.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages; nested fields are dotted (`customer.email`).",
    )


# --- parsing -----------------------------------------------------------------------------------


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit and no crash on absurd nesting."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(max)d bytes: send less data at once.")
                % {"max": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, LookupError) as e:
            raise exceptions.ParseError(f"JSON parse error - {e}") from None
        except RecursionError:
            raise exceptions.ParseError(
                _("The JSON is nested too deeply: flatten it and send it again.")
            ) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


# --- throttling, pagination --------------------------------------------------------------------


class ApiThrottle(throttling.SimpleRateThrottle):
    """Per token (or per staff user on a session); the rate is `settings.API_THROTTLE_RATE`."""

    scope = "api"

    def get_rate(self):
        return getattr(settings, "API_THROTTLE_RATE", None)

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if getattr(token, "pk", None) is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


INVALID_CURSOR = gettext_lazy(
    "Invalid cursor: use the `next` or `previous` link of the last page, or start without one."
)


# A cursor is `[r][o<offset>][p<position>]`: `r` for a page before the position, the offset
# of rows sharing it, the id it starts from (`p123`, `o2p123`, `rp88`). Plain text rather than
# DRF's base64, so the schema can give its exact pattern and a well-formed cursor is never
# refused; it is still opaque to clients, who follow `next` and `previous`.
CURSOR_PATTERN = r"^r?(o[0-9]{1,9})?(p[0-9]{1,18})?$"


class CursorPagination(pagination.CursorPagination):
    """Newest first by id (unique, indexed, never changes); a bad cursor is a 400, not a 404."""

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    _cursor = re.compile(CURSOR_PATTERN)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}); "
                    "anything else is a 400."
                )
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"].update(pattern=CURSOR_PATTERN, maxLength=30)
                parameter["description"] = (
                    "Where the page starts: leave it out for the first page, then follow the "
                    "`next` and `previous` links. Opaque; one of another shape is a 400 naming "
                    "`cursor`."
                )
        return parameters

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    **link,
                    "description": "The next page; null on the last.",
                    "example": "https://redress.example/api/v1/complaints/?cursor=p4711",
                },
                "previous": {
                    **link,
                    "description": "The page before; null on the first.",
                    "example": "https://redress.example/api/v1/complaints/?cursor=rp4732",
                },
                "results": schema,
            },
        }

    def encode_cursor(self, cursor):
        text = "r" if cursor.reverse else ""
        if cursor.offset:
            text += f"o{cursor.offset}"
        if cursor.position is not None:
            text += f"p{cursor.position}"
        return replace_query_param(self.base_url, self.cursor_query_param, text)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        match = self._cursor.fullmatch(encoded)
        if not match:
            raise exceptions.ValidationError({"cursor": [str(INVALID_CURSOR)]})
        offset, position = match.group(1), match.group(2)
        return pagination.Cursor(
            offset=min(int(offset[1:]), self.offset_cutoff) if offset else 0,
            reverse=encoded.startswith("r"),
            position=position[1:] if position else None,
        )


def server_error(request, *args, **kwargs):
    """handler500: a bug under /api/ still answers in the error shape (the bug is logged)."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as html_server_error

    if request.path.startswith("/api/"):
        body = error_body(
            "server_error",
            _("Something went wrong on our side and it was logged: try again later."),
        )
        return JsonResponse(body, status=500)
    return html_server_error(request, *args, **kwargs)
