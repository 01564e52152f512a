"""OpenAPI generation for the API: every operation documents the error responses it can give
and the token scopes it needs.

Security schemes: `tokenAuth` (`Authorization: Token <key>`, its scopes listed in the scheme's
description) and `cookieAuth` (a staff member's session, which has every scope of their role).
OpenAPI 3.0 cannot attach scopes to an apiKey requirement, so each operation names its scopes in
its description and in `x-required-scopes` (a list of groups: every group is needed, any one
scope of a group satisfies it), read from the view's `HasScope` permissions.
Headers are part of the contract: `Idempotency-Key` (with the pattern `api.calls` enforces),
`If-Match`, and the `ETag` and `Idempotent-Replayed` response headers are declared where used.

`postprocess` (a SPECTACULAR_SETTINGS postprocessing hook) finishes the document:
- a nullable `$ref` (e.g. `assignee`) is written so that it is valid under OpenAPI 3.0's own
  rule (`nullable` only widens a `type` in the same schema object): `oneOf` the ref and a
  null-only object. Under 3.1 drf-spectacular writes `{"type": "null"}`, and what was written
  by hand with `nullable` (pagination links) gets `null` in its type;
- OpenAPI links from each create operation to what can be done with what it created (the
  complaint's detail, transitions and messages; a compensation request's decisions; a
  subscription's log and deletion), so clients and stateful tests can follow them.

Kept apart from `api.rest` because drf-spectacular imports DRF's views, which read the settings
that point at `api.rest`.
"""

from __future__ import annotations

from drf_spectacular.drainage import has_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.fields import CleanCharField
from api.permissions import required_scopes
from api.rest import ErrorSerializer
from api.scopes import SCOPES
from core import parsing

# --- schema ------------------------------------------------------------------------------------

ERROR_STATUSES = {
    400: "Malformed or invalid input (`invalid`, `malformed`): a body field, a query parameter "
    "(a bad `cursor` or `page_size` too) or a header (`Idempotency-Key`, `If-Match`), each "
    "named in `fields`.",
    401: "No or bad credentials (`not_authenticated`, `authentication_failed`).",
    403: "The caller's role or token scopes do not allow it (`not_permitted`; a missing scope "
    "is named in `fields.scope`).",
    404: "No such object (`not_found`).",
    429: "Too many requests for this token (`throttled`); see `Retry-After`.",
}


ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "`Token`: how to authenticate.",
        }
    },
    429: {
        "Retry-After": {
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "description": "Seconds to wait before the next request.",
        }
    },
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


# Every text field refuses NUL characters, and one that may not be blank refuses a value that
# is only whitespace (it is trimmed first): the patterns say so, in a syntax JSON Schema and
# Python read alike. Free text (`CleanCharField`) gets `core.parsing.text_pattern` instead.
TEXT = r"^[^\x00]*$"
NON_BLANK_TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _is_plain_text(field) -> bool:
    return (
        isinstance(field, serializers.CharField)
        and not isinstance(field, (serializers.EmailField, serializers.RegexField))
        and not isinstance(field, (serializers.URLField, serializers.SlugField))
        and not has_override(field, "field")
        and not field.read_only
    )


def text_pattern(field: serializers.CharField) -> str:
    if isinstance(field, CleanCharField):  # exactly what `core.parsing.text_clean` accepts
        return parsing.text_pattern(single_line=field.single_line, allow_blank=field.allow_blank)
    return TEXT if field.allow_blank or not field.trim_whitespace else NON_BLANK_TEXT


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

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and _is_plain_text(field) and isinstance(schema, dict):
            if schema.get("type") == "string" and not {"pattern", "format", "enum"} & set(schema):
                schema["pattern"] = text_pattern(field)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, text in ERROR_STATUSES.items():
            responses.setdefault(str(code), self._error(text, code))
        responses.setdefault(
            "default", self._error("Any other error (405, 406, 413, 415), in the same shape.")
        )
        return responses

    def _error(self, description: str, code: int | None = None) -> dict:
        response = self._get_response_for_code(ErrorSerializer, "400")
        response = {**response, "description": description}
        if code in ERROR_HEADERS:
            response["headers"] = ERROR_HEADERS[code]
        return response


# --- headers -----------------------------------------------------------------------------------

# The patterns `api.calls` enforces (a malformed header is a 400 naming it in `fields`).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,9}"?$'

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        "Retry safely: 1 to 255 printable ASCII characters, no spaces (a UUID will do). The "
        "same key with the same body returns the first successful answer again, marked "
        "`Idempotent-Replayed: true`; the same key with another request is a 422. A call that "
        "failed stores nothing, so it can be retried with its key. Keys are per caller."
    ),
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": IF_MATCH_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        'The complaint `version` you last saw, as its `ETag` (`"3"`; `W/"3"` and `3` are read '
        "the same); 409 if it changed since. An `expected_version` in the body wins over it."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    {"type": "string", "pattern": r'^"[0-9]+"$'},
    OpenApiParameter.HEADER,
    response=[200],
    required=True,
    description='The complaint\'s `version`, quoted (`"3"`): send it back as `If-Match`.',
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="Present (`true`) when this is the stored answer to an earlier call with the "
    "same `Idempotency-Key`: nothing was changed this time.",
)
IDEMPOTENT = [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED]


# --- postprocessing ----------------------------------------------------------------------------

# Links: (operation, its statuses, the path parameter the target takes, the operations it
# leads to). The value is the created object's `id`. A filed complaint leads to every operation
# on `/complaints/{complaint_id}/...` (its detail, messages, compensations and each transition),
# found in the document itself so the list cannot fall behind the API.
_ON_THE_COMPLAINT = "/complaints/{complaint_id}/"
LINKS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("complaints_create", ("200", "201"), "complaint_id", (_ON_THE_COMPLAINT,)),
    (
        "complaints_compensations_create",
        ("201",),
        "request_id",
        ("compensations_approve", "compensations_reject"),
    ),
    (
        "webhooks_create",
        ("201",),
        "subscription_id",
        ("webhooks_deliveries_list", "webhooks_delete"),
    ),
)


def _nodes(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _nullable_refs_for_oas30(document: dict) -> None:
    """`{allOf: [$ref], nullable: true}` admits no null under 3.0's rule; say `oneOf` the ref
    or a null-only object instead (3.1 documents already say `oneOf` the ref or `null`)."""
    for node in list(_nodes(document)):
        if node.get("nullable") is True and "type" not in node and len(node.get("allOf", ())) == 1:
            del node["nullable"]
            node["oneOf"] = [
                node.pop("allOf")[0],
                {"type": "object", "nullable": True, "enum": [None]},
            ]


def _nullable_for_oas31(document: dict) -> None:
    """Schemas written by hand (DRF's pagination among them) say `nullable`, which 3.1 dropped:
    say `null` in the type instead."""
    for node in list(_nodes(document)):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            del node["nullable"]
            node["type"] = [node["type"], "null"]


def _add_links(document: dict) -> None:
    operations, paths = {}, {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                operations[op["operationId"]] = op
                paths[op["operationId"]] = (path, method)
    for source, statuses, parameter, wanted in LINKS:
        if source not in operations:
            continue
        targets = [
            op_id
            for want in wanted
            for op_id in (
                [
                    o
                    for o, (path, method) in paths.items()
                    if want in path and method in ("get", "post")
                ]
                if want.startswith("/")
                else [want]
            )
        ]
        links = {
            target: {
                "operationId": target,
                "parameters": {parameter: "$response.body#/id"},
                "description": f"`{parameter}` is the `id` in this response.",
            }
            for target in targets
            if target in operations
        }
        for status in statuses:
            response = operations[source]["responses"].get(status)
            if response is not None and links:
                response["links"] = links


def postprocess(result, generator, request, public):
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS entry (after drf-spectacular's enum hook)."""
    if str(result.get("openapi", "")).startswith("3.0"):
        _nullable_refs_for_oas30(result)
    else:
        _nullable_for_oas31(result)
    _add_links(result)
    return result
