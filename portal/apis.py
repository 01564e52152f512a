"""The customer's acts for integrations that host their own pages (`/api/v1/complaints/{id}/
summary-confirmation/`, `/remedy-response/`, `/rating/`), on the customer's behalf: scope
`customer:respond` (staff hold it too, e.g. to record what the customer said on the phone).

Thin: parse, call one service, render. An integration acts only on its own complaints (others'
are a 404). 409: the act is not possible in the complaint's current step (or it was answered
differently before); 400: malformed input; 422: a decline or a correction without the
customer's words. Every POST honours `Idempotency-Key`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.calls import idempotent_response, input_parse
from api.permissions import HasScope
from api.rest import ErrorSerializer
from api.schema import IDEMPOTENT
from api.scopes import CUSTOMER_RESPOND
from api.services import Reply
from complaints import services as complaint_services
from complaints.apis import (
    COMPLAINT_DETAIL,
    CanUseComplaintsApi,
    ComplaintApi,
    complaint_detail_data,
)
from core.errors import RuleViolationError
from portal import services
from portal.models import Via
from portal.serializers import (
    RatingIn,
    RatingOut,
    RemedyResponseIn,
    RemedyResponseOut,
    SummaryConfirmationIn,
)


class CustomerRespondApi(ComplaintApi):
    permission_classes = [CanUseComplaintsApi, HasScope(CUSTOMER_RESPOND)]


def _responses(ok, conflict: str) -> dict:
    return {
        200: ok,
        409: OpenApiResponse(ErrorSerializer, description=conflict),
        422: OpenApiResponse(
            ErrorSerializer,
            description="A decline or a correction without the customer's words, or "
            "Idempotency-Key reused.",
        ),
    }


class SummaryConfirmationApi(CustomerRespondApi):
    @extend_schema(
        operation_id="complaints_summary_confirmation",
        summary="The customer confirms the key-point summary, or corrects it",
        description="A correction becomes the customer's message and leaves the summary "
        "unconfirmed. Repeating the same answer changes nothing.",
        request=SummaryConfirmationIn,
        parameters=IDEMPOTENT,
        responses=_responses(COMPLAINT_DETAIL, "No summary yet (not acknowledged)."),
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(SummaryConfirmationIn, request.data)
        if not data["confirmed"] and not data["correction"].strip():
            raise RuleViolationError(
                _("Say what we got wrong: a correction needs the customer's words."),
                fields={"correction": [_("Required when the customer does not confirm.")]},
            )

        def run() -> Reply:
            if data["confirmed"]:
                complaint_services.complaint_summary_confirm(
                    complaint_id=complaint_id, actor=request.user
                )
            else:
                complaint_services.complaint_summary_correct(
                    complaint_id=complaint_id, actor=request.user, correction=data["correction"]
                )
            return Reply(200, complaint_detail_data(complaint_id=complaint_id, request=request))

        return idempotent_response(request, run)


class RemedyResponseApi(CustomerRespondApi):
    @extend_schema(
        operation_id="complaints_remedy_response",
        summary="The customer accepts the remedy, or declines it with a reason",
        description="Declining reopens the complaint, or escalates it when it was reopened "
        "before. Repeating the same answer returns the first one.",
        request=RemedyResponseIn,
        parameters=IDEMPOTENT,
        responses=_responses(
            RemedyResponseOut, "Not remedied now, or this remedy was answered differently."
        ),
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(RemedyResponseIn, request.data)

        def run() -> Reply:
            response = services.remedy_respond(
                complaint_id=complaint_id, actor=request.user, via=Via.API, **data
            )
            return Reply(200, RemedyResponseOut(response).data)

        return idempotent_response(request, run)


class RatingApi(CustomerRespondApi):
    @extend_schema(
        operation_id="complaints_rating",
        summary="The customer rates the handling: fairness 1–5, solved, a comment",
        description="Open once the remedy is accepted, or a week after it; once per complaint "
        "(the same rating again returns the first).",
        request=RatingIn,
        parameters=IDEMPOTENT,
        responses=_responses(RatingOut, "Not open yet, or rated differently before."),
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(RatingIn, request.data)

        def run() -> Reply:
            rating = services.handling_rate(
                complaint_id=complaint_id, actor=request.user, via=Via.API, **data
            )
            return Reply(200, RatingOut(rating).data)

        return idempotent_response(request, run)
