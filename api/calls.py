"""What every API view does with a request before and around its one service call: parse the
body with a serializer, read `Idempotency-Key` and `If-Match`, and run the call once per key
(`api.services.idempotent_call`), answering with `Idempotent-Replayed: true` on a replay.

Plumbing only: it imports no domain app.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.services import Reply, idempotent_call, request_fingerprint
from core.errors import InvalidDataError

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_ETAG = re.compile(r'^(?:W/)?"?([0-9]{1,9})"?$')


def input_parse(serializer_class: type[drf_serializers.Serializer], data: Any) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def idempotency_key_parse(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidDataError(
            _("The Idempotency-Key header is malformed: send 1 to 255 printable ASCII characters."),
            fields={"Idempotency-Key": [_("1 to 255 printable ASCII characters, no spaces.")]},
        )
    return key


def expected_version_parse(request: Request, data: dict) -> int | None:
    """The version the caller expects: `expected_version` in the body, else `If-Match`. A
    malformed If-Match is a 400 even when the body's field makes it unused, so a header the
    schema calls invalid is never silently accepted."""
    version = data.pop("expected_version", None)
    header = request.headers.get("If-Match")
    if header is None:
        return version
    match = _ETAG.fullmatch(header)
    if not match:
        raise InvalidDataError(
            _('The If-Match header is malformed: send the complaint\'s ETag, e.g. "3".'),
            fields={"If-Match": [_('A complaint version, e.g. "3".')]},
        )
    return version if version is not None else int(match.group(1))


def _fingerprint_data(request: Request) -> Any:
    """What a keyed call is compared by: the JSON body, or a form's fields with each file as
    its name and the SHA-256 of its bytes (the same upload again is the same request)."""
    data = request.data
    if hasattr(data, "lists"):  # multipart or form data: a QueryDict of fields and files
        return {name: [_form_value(v) for v in values] for name, values in data.lists()}
    return data if isinstance(data, (dict, list)) else {}


def _form_value(value: Any) -> Any:
    if not hasattr(value, "chunks"):
        return value
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return [value.name, digest.hexdigest()]


def idempotent_response(request: Request, run: Callable[[], Reply]) -> Response:
    key = idempotency_key_parse(request)
    fingerprint = ""  # only a keyed call is ever compared with an earlier one
    if key:
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, data=_fingerprint_data(request)
        )
    reply = idempotent_call(user=request.user, key=key, fingerprint=fingerprint, run=run)
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else {}
    return Response(reply.body, status=reply.status, headers=headers)
