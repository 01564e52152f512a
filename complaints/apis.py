"""The complaints REST API (`/api/v1/complaints/...`): thin classes over services and selectors.

Each class parses input with a serializer, calls one service or selector, and renders the result.
Rules live in `complaints.services`; permissions come from `core.roles` (the same functions
the admin uses); errors are DomainErrors rendered by `api.rest.exception_handler`.
Every POST honours an `Idempotency-Key` header (see `api.services.idempotent_call`) and an optional
`If-Match: "<version>"` header or `expected_version` field (409 when the complaint moved on).

Who may call what: every method declares the token scope it needs (`api.permissions.HasScope`,
documented in the schema); an integration sees only its own complaints (`complaints.visibility`:
others' are a 404). Every complaint in a response is in one of two views (`view`): `staff` for
staff acting as themselves (a session, or a token with the `staff` scope), `customer` for
everyone else — the customer-safe view, built by `complaint_customer_data`.

Higher apps extend it only through `complaints.extensions`: the detail's extra sections
(`deadlines`, `compensation_requests`; public ones such as granted `compensation`) and who
carries out remedy with `compensations` and return. This module must not import those apps.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import parsers, permissions
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import scopes as api_scopes
from api.calls import expected_version_parse, idempotent_response, input_parse
from api.permissions import HasScope
from api.rest import CursorPagination, ErrorSerializer, JSONParser
from api.schema import ETAG, IDEMPOTENT, IF_MATCH
from api.services import Reply
from complaints import extensions, selectors, services
from complaints.downloads import attachment_response
from complaints.models import Attachment, Complaint
from complaints.serializers import (
    VIEW_CUSTOMER,
    VIEW_STAFF,
    AcknowledgeIn,
    ApologizeIn,
    ComplaintCustomerDetailOut,
    ComplaintCustomerOut,
    ComplaintDetailOut,
    ComplaintFilterIn,
    ComplaintOut,
    EscalateIn,
    IntakeIn,
    MergeIn,
    MessageIn,
    MessageMultipartIn,
    MessageOut,
    PauseIn,
    RemedyIn,
    ReopenIn,
    ResumeIn,
    ReturnIn,
    SetLimitsIn,
    complaint_customer_rows,
    complaint_rows,
)
from core import roles
from core.errors import (
    InvalidDataError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)

# The scopes each transition needs (any one of them): staff work as themselves; the customer,
# through an integration, may only reopen.
TRANSITION_SCOPES: dict[str, tuple[str, ...]] = {
    "reopen": (api_scopes.CUSTOMER_ACT, api_scopes.STAFF),
}
STAFF_ONLY = (api_scopes.STAFF,)

# The response bodies a generated client parses: one of the two views, told apart by `view`.
COMPLAINT_DETAIL = PolymorphicProxySerializer(
    component_name="ComplaintDetailAnyView",
    serializers={VIEW_STAFF: ComplaintDetailOut, VIEW_CUSTOMER: ComplaintCustomerDetailOut},
    resource_type_field_name="view",
)
COMPLAINT_ROWS = PolymorphicProxySerializer(
    component_name="ComplaintAnyView",
    serializers={VIEW_STAFF: ComplaintOut, VIEW_CUSTOMER: ComplaintCustomerOut},
    resource_type_field_name="view",
    many=True,
)


def _caller(request: Request) -> tuple[Any, Any]:
    return request.user, getattr(request, "auth", None)


def staff_view(request: Request) -> bool:
    """The staff view for staff acting as themselves; the customer view for everyone else."""
    user, token = _caller(request)
    return api_scopes.acts_as_staff(user=user, token=token)


def _may_fire(request: Request, name: str) -> bool:
    user, token = _caller(request)
    return any(
        api_scopes.has_scope(user=user, token=token, scope=s)
        for s in TRANSITION_SCOPES.get(name, STAFF_ONLY)
    )


def _visible_complaint(complaint_id: int, user: Any) -> Complaint:
    try:
        return selectors.complaint_get(complaint_id=complaint_id, user=user)
    except Complaint.DoesNotExist:
        raise NotFoundError(
            _("There is no complaint with this id: check the reference, or search for it.")
        ) from None


def _transitions_for(request: Request, complaint: Complaint) -> list[str]:
    return [
        name
        for name in selectors.complaint_available_actions(complaint=complaint, user=request.user)
        if name in TRANSITIONS and _may_fire(request, name)
    ]


def complaint_detail_data(*, complaint_id: int, request: Request) -> dict:
    """The complaint as the API shows it to the caller: the staff view (internal entries
    included) or the customer-safe view (`complaint_customer_data`)."""
    user = request.user
    complaint = _visible_complaint(complaint_id, user)
    if not staff_view(request):
        return complaint_customer_data(complaint=complaint, request=request)
    context = {
        "now": timezone.now(),
        "timeline": selectors.complaint_timeline(complaint=complaint, include_internal=True),
        "sections": {
            name: fn(complaint, user) for name, fn in extensions.detail_sections().items()
        },
        "available_transitions": _transitions_for(request, complaint),
        "values": extensions.detail_values(complaint=complaint, user=user),
    }
    return ComplaintDetailOut(complaint, context=context).data


def complaint_customer_data(*, complaint: Complaint, request: Request) -> dict:
    """The customer-safe view: public timeline, state, the promise, what higher apps publish
    (granted compensation), the transitions the caller may fire — nothing internal."""
    context = {
        "timeline": selectors.complaint_public_timeline(complaint=complaint),
        "sections": {
            name: fn(complaint, request.user)
            for name, fn in extensions.detail_sections(public=True).items()
        },
        "available_transitions": _transitions_for(request, complaint),
    }
    return ComplaintCustomerDetailOut(complaint, context=context).data


class CanUseComplaintsApi(permissions.BasePermission):
    """Staff of any tier and integrations; everyone else is refused (403). The same rule function
    the services and admin use (`roles.can_file`)."""

    message = gettext_lazy(
        "Only staff or an integration can use the complaints API: send the API token of a "
        "staff user or of an integration."
    )

    def has_permission(self, request, view) -> bool:
        return roles.can_file(request.user)


class ComplaintApi(APIView):
    permission_classes = [CanUseComplaintsApi]


class ComplaintListCreateApi(ComplaintApi):
    pagination_class = CursorPagination
    permission_classes = [
        CanUseComplaintsApi,
        HasScope(api_scopes.COMPLAINTS_READ, methods=["GET"]),
        HasScope(api_scopes.COMPLAINTS_FILE, methods=["POST"]),
    ]

    @extend_schema(
        operation_id="complaints_list",
        summary="List complaints, newest first (cursor-paginated)",
        description="Staff see every complaint; an integration only its own (those it filed, "
        "or of customers it owns), in the customer view.",
        parameters=[ComplaintFilterIn],
        responses=COMPLAINT_ROWS,
    )
    def get(self, request: Request) -> Response:
        filters = input_parse(ComplaintFilterIn, request.query_params.dict())
        qs = selectors.complaint_search(user=request.user, **filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        rows = complaint_rows if staff_view(request) else complaint_customer_rows
        return paginator.get_paginated_response(rows(page, now=timezone.now()))

    @extend_schema(
        operation_id="complaints_create",
        summary="File a complaint (idempotent with Idempotency-Key or external_id)",
        request=IntakeIn,
        parameters=IDEMPOTENT,
        responses={
            201: COMPLAINT_DETAIL,
            200: OpenApiResponse(COMPLAINT_DETAIL, description="Known `external_id`."),
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`customer.external_ref` belongs to a customer with another email address "
                    "or to another integration, or the customer with this email address has "
                    "another `external_ref`. Nothing is filed."
                ),
            ),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
    )
    def post(self, request: Request) -> Response:
        data = input_parse(IntakeIn, request.data)
        customer = data.pop("customer")

        def run() -> Reply:
            complaint, created = services.complaint_intake(
                customer_name=customer["name"],
                customer_email=customer["email"],
                customer_phone=customer["phone"],
                customer_external_ref=customer["external_ref"],
                customer_language=customer["language"],
                actor=request.user,
                **data,
            )
            body = complaint_detail_data(complaint_id=complaint.pk, request=request)
            return Reply(201 if created else 200, body)

        return idempotent_response(request, run)


class ComplaintDetailApi(ComplaintApi):
    permission_classes = [CanUseComplaintsApi, HasScope(api_scopes.COMPLAINTS_READ)]

    @extend_schema(
        operation_id="complaints_retrieve",
        summary="One complaint with its timeline and the transitions you may fire now",
        parameters=[ETAG],
        responses=COMPLAINT_DETAIL,
    )
    def get(self, request: Request, complaint_id: int) -> Response:
        data = complaint_detail_data(complaint_id=complaint_id, request=request)
        return Response(data, headers={"ETag": f'"{data["version"]}"'})


class TransitionApi(ComplaintApi):
    """POST /complaints/{id}/<name>/: one service call, the complaint returned."""

    name: str
    input_serializer: type[drf_serializers.Serializer]

    def call(self, *, complaint_id: int, actor: Any, data: dict, expected_version: int | None):
        raise NotImplementedError

    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(self.input_serializer, request.data)
        version = expected_version_parse(request, data)

        def run() -> Reply:
            self.call(
                complaint_id=complaint_id,
                actor=request.user,
                data=data,
                expected_version=version,
            )
            return Reply(200, complaint_detail_data(complaint_id=complaint_id, request=request))

        return idempotent_response(request, run)


def _transition(name: str, serializer, summary: str, *, conflicts: str, rules: str | None = None):
    responses: dict = {
        200: COMPLAINT_DETAIL,
        409: OpenApiResponse(ErrorSerializer, description=conflicts),
        422: OpenApiResponse(
            ErrorSerializer, description=rules or "Idempotency-Key reused with another request."
        ),
    }

    def decorate(cls):
        cls.name = name
        cls.input_serializer = serializer
        cls.permission_classes = [
            CanUseComplaintsApi,
            HasScope(*TRANSITION_SCOPES.get(name, STAFF_ONLY)),
        ]

        def post(self, request: Request, complaint_id: int) -> Response:
            return TransitionApi.post(self, request, complaint_id)

        cls.post = extend_schema(
            operation_id=f"complaints_{name}",
            summary=summary,
            request=serializer,
            parameters=[*IDEMPOTENT, IF_MATCH],
            responses=responses,
        )(post)
        TRANSITIONS[name] = cls
        return cls

    return decorate


TRANSITIONS: dict[str, type[TransitionApi]] = {}
WRONG_STATE = "Wrong state for this transition, or the complaint changed (`If-Match`)."


@_transition("acknowledge", AcknowledgeIn, "Restate, empathise, promise", conflicts=WRONG_STATE)
class AcknowledgeApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_acknowledge(**data, **kw)


@_transition(
    "apologize", ApologizeIn, "Apologise, saying whose fault it was", conflicts=WRONG_STATE
)
class ApologizeApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_apologize(**data, **kw)


@_transition(
    "remedy",
    RemedyIn,
    "Put it right",
    conflicts=WRONG_STATE,
    rules="Compensation refused by a rule (currency, limits), or Idempotency-Key reused.",
)
class RemedyApi(TransitionApi):
    def call(self, *, data, **kw):
        compensations = data.pop("compensations", None)
        if not compensations:
            return services.complaint_remedy(**data, **kw)
        if not extensions.remedy_handler_registered():  # nothing written without a provider
            raise RuleViolationError(
                _(
                    "Compensation cannot be granted through the API yet: remedy without "
                    "`compensations`, or grant it in the staff screens."
                ),
                fields={"compensations": [_("Not available yet.")]},
            )
        try:
            return extensions.complaint_remedy(items=compensations, **data, **kw)
        except InvalidDataError as error:
            raise InvalidDataError(error.message, fields=_api_item_fields(error.fields)) from None


def _api_item_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The handler names item n (from 1) `items.<n>`; the API calls the list `compensations`
    and counts from 0, as the request body does."""
    renamed = {}
    for key, messages in fields.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():
            parts = ["compensations", str(int(parts[1]) - 1), *parts[2:]]
        elif parts[0] == "items":
            parts[0] = "compensations"
        renamed[".".join(parts)] = messages
    return renamed


@_transition("escalate", EscalateIn, "Hand over to the next tier", conflicts=WRONG_STATE)
class EscalateApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_escalate(**data, **kw)


@_transition("return", ReturnIn, "Send an escalated complaint back", conflicts=WRONG_STATE)
class ReturnApi(TransitionApi):
    def call(self, *, data, **kw):
        return extensions.complaint_return(**data, **kw)


@_transition(
    "set_limits",
    SetLimitsIn,
    "End an unconstructive interaction",
    conflicts=WRONG_STATE,
    rules="Refused while venting unless a manager flags abuse; or Idempotency-Key reused.",
)
class SetLimitsApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_set_limits(**data, **kw)


@_transition("reopen", ReopenIn, "Reopen a remedied or closed complaint", conflicts=WRONG_STATE)
class ReopenApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_reopen(**data, **kw)


@_transition(
    "merge",
    MergeIn,
    "Merge a duplicate into another complaint of the same customer",
    conflicts="This complaint or the one to merge into is closed or merged, or `If-Match` is "
    "stale.",
    rules="Not the same customer, into itself, compensation waiting for approval; or "
    "Idempotency-Key reused.",
)
class MergeApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_merge(into_id=data["into"], reason=data["reason"], **kw)


@_transition("pause", PauseIn, "Stop the deadline clock", conflicts="Closed, or already paused.")
class PauseApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_pause(**data, **kw)


@_transition("resume", ResumeIn, "Restart the deadline clock", conflicts="Not paused.")
class ResumeApi(TransitionApi):
    def call(self, *, data, **kw):
        return services.complaint_resume(**kw)


class MessageCreateApi(ComplaintApi):
    permission_classes = [
        CanUseComplaintsApi,
        HasScope(api_scopes.CUSTOMER_ACT, api_scopes.STAFF),
    ]
    # JSON as always; multipart/form-data when the message carries files.
    parser_classes = [JSONParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="complaints_messages_create",
        summary="Add a reply or (staff only) an internal note",
        description="An integration's message is the customer's (scope `customer:act`); an "
        "internal note needs the `staff` scope. Send files as multipart/form-data (`body`, "
        "`visibility`, and `files` once per file); each file's type is read from its bytes, "
        "and a program, an archive holding one, or a file over the size limit is refused with "
        "a 422 naming it — then nothing is written.",
        request={"application/json": MessageIn, "multipart/form-data": MessageMultipartIn},
        parameters=IDEMPOTENT,
        responses={
            201: MessageOut,
            422: OpenApiResponse(
                ErrorSerializer, description="A file refused, or Idempotency-Key reused."
            ),
        },
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        multipart = request.content_type.startswith("multipart/")
        data = input_parse(MessageMultipartIn if multipart else MessageIn, request.data)
        files = [services.upload_from_file(f) for f in data.pop("files", [])]
        if data["visibility"] != "public" and not staff_view(request):
            raise NotPermittedError(
                _(
                    "Internal notes are for staff working as themselves: use a session or a "
                    "token with the `staff` scope."
                ),
                fields={"scope": [api_scopes.STAFF]},
            )

        def run() -> Reply:
            message = services.message_add(
                complaint_id=complaint_id, actor=request.user, files=files, **data
            )
            return Reply(201, MessageOut(message).data)

        return idempotent_response(request, run)


class AttachmentApi(ComplaintApi):
    permission_classes = [CanUseComplaintsApi, HasScope(api_scopes.COMPLAINTS_READ)]

    @extend_schema(
        operation_id="complaints_attachments_retrieve",
        summary="Download a file of a message",
        description="The file's bytes with its sniffed type (`Content-Type`), as a download "
        "(`Content-Disposition: attachment`; pictures may show inline). An integration gets "
        "the files of its own complaints' public messages; anything else is a 404.",
        responses={
            # Any type a file may have (a photo, a letter's PDF): its sniffed Content-Type.
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file (its own Content-Type)."
            )
        },
    )
    def get(self, request: Request, complaint_id: int, attachment_id: int):
        try:
            attachment = selectors.attachment_for(
                attachment_id=attachment_id,
                complaint_id=complaint_id,
                user=request.user,
                staff=staff_view(request),
            )
        except Attachment.DoesNotExist:
            raise NotFoundError(
                _("There is no file with this id on this complaint: check the link.")
            ) from None
        return attachment_response(attachment)
