"""The compensation REST API: request on a complaint, the caller's approval queue, decisions.

Thin classes: parse, call one service or selector, render. Authority, four eyes and the
complaint's transitions are decided in `compensation.services`; errors are DomainErrors rendered
by `api.rest.exception_handler`. Every POST honours `Idempotency-Key`. Every endpoint is staff
work: it needs the `staff` scope, so an integration never reaches it (granted compensation
reaches integrations in the customer view of the complaint).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.calls import idempotent_response, input_parse
from api.permissions import HasScope
from api.rest import CursorPagination, ErrorSerializer
from api.schema import IDEMPOTENT
from api.scopes import STAFF
from api.services import Reply
from compensation import selectors, services
from compensation.models import CompensationRequest
from compensation.serializers import CompensationIn, CompensationOut, DecisionIn, RejectIn
from complaints.apis import CanUseComplaintsApi, ComplaintApi
from core.errors import InvalidDataError, NotFoundError


def _request_out(request_id: int) -> dict:
    return CompensationOut(selectors.compensation_get(request_id=request_id)).data


class StaffCompensationApi(ComplaintApi):
    permission_classes = [CanUseComplaintsApi, HasScope(STAFF)]


class CompensationCreateApi(StaffCompensationApi):
    @extend_schema(
        operation_id="complaints_compensations_create",
        summary="Request compensation: granted at once within authority, else pending approval",
        request=CompensationIn,
        parameters=IDEMPOTENT,
        responses={
            201: CompensationOut,
            409: OpenApiResponse(ErrorSerializer, description="The complaint is closed."),
            422: OpenApiResponse(
                ErrorSerializer, description="A business rule refused it (currency, limits)."
            ),
        },
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(CompensationIn, request.data)

        def run() -> Reply:
            created = services.compensation_request(
                complaint_id=complaint_id, actor=request.user, **data
            )
            return Reply(201, _request_out(created.pk))

        return idempotent_response(request, run)


class CompensationQueueApi(StaffCompensationApi):
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="compensations_list",
        summary="Your approval queue: pending requests you may decide, oldest first",
        parameters=[
            OpenApiParameter(
                "status", str, enum=["pending"], description="Only `pending` is listed here."
            )
        ],
        responses=CompensationOut(many=True),
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status", "pending")
        if status != "pending":
            raise InvalidDataError(
                _("Only pending requests are listed here: leave out `status`, or use pending."),
                fields={"status": [_("Only pending requests are listed; see each complaint.")]},
            )
        paginator = CursorPagination()
        paginator.ordering = "id"  # oldest first; ids grow with time
        page = paginator.paginate_queryset(
            selectors.compensation_decidable(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(CompensationOut(page, many=True).data)


class _DecisionApi(StaffCompensationApi):
    input_serializer: Any = DecisionIn

    def decide(self, *, request_id: int, actor: Any, **data: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, request_id: int) -> Response:
        data = input_parse(self.input_serializer, request.data)
        if not CompensationRequest.objects.filter(pk=request_id).exists():
            raise NotFoundError(
                _("There is no compensation request with this id: reload your approval queue.")
            )

        def run() -> Reply:
            self.decide(request_id=request_id, actor=request.user, **data)
            return Reply(200, _request_out(request_id))

        return idempotent_response(request, run)


_DECISION_RESPONSES = {
    200: CompensationOut,
    409: OpenApiResponse(ErrorSerializer, description="Already decided by someone else."),
    422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
}


class CompensationApproveApi(_DecisionApi):
    @extend_schema(
        operation_id="compensations_approve",
        summary="Approve (never your own request; your authority must cover it)",
        request=DecisionIn,
        parameters=IDEMPOTENT,
        responses=_DECISION_RESPONSES,
    )
    def post(self, request: Request, request_id: int) -> Response:
        return super().post(request, request_id)

    def decide(self, **kw: Any) -> Any:
        return services.compensation_approve(**kw)


class CompensationRejectApi(_DecisionApi):
    input_serializer = RejectIn

    @extend_schema(
        operation_id="compensations_reject",
        summary="Reject with a note; the complaint returns to where it was escalated from",
        request=RejectIn,
        parameters=IDEMPOTENT,
        responses=_DECISION_RESPONSES,
    )
    def post(self, request: Request, request_id: int) -> Response:
        return super().post(request, request_id)

    def decide(self, **kw: Any) -> Any:
        return services.compensation_reject(**kw)
