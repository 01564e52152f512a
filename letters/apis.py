"""The letters API: `POST /complaints/{id}/letters/` sends one letter. Thin: parse, call
`letters.services.letter_send`, render. Staff acting as themselves (the `staff` scope). A letter
lacking what its regime requires is a 422 naming each missing item under its own field."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import scopes as api_scopes
from api.calls import expected_version_parse, idempotent_response, input_parse
from api.permissions import HasScope
from api.rest import ErrorSerializer
from api.schema import IDEMPOTENT, IF_MATCH
from api.services import Reply
from complaints.apis import CanUseComplaintsApi
from letters import services
from letters.serializers import LetterIn, LetterOut


class LetterCreateApi(APIView):
    permission_classes = [CanUseComplaintsApi, HasScope(api_scopes.STAFF)]

    @extend_schema(
        operation_id="complaints_letters_create",
        summary="Send a letter (acknowledgement, summary resolution, holding reply, final "
        "response)",
        description="Written from the regime's template in the customer's language (or your "
        "own `body`), checked for the content the regime requires (FCA final response: "
        "outcome, reasons, redress, the ombudsman's name and website, the six-month referral "
        "right, the waiver; summary resolution: resolved, referral right), sent as a public "
        "message with the letter as a PDF, logged, and meeting the regime clock it answers.",
        request=LetterIn,
        parameters=[*IDEMPOTENT, IF_MATCH],
        responses={
            201: LetterOut,
            409: OpenApiResponse(
                ErrorSerializer, description="The complaint changed, or it was merged."
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description="Mandatory content missing (each item under its own field), or "
                "Idempotency-Key reused.",
            ),
        },
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        data = input_parse(LetterIn, request.data)
        version = expected_version_parse(request, data)

        def run() -> Reply:
            letter = services.letter_send(
                complaint_id=complaint_id,
                actor=request.user,
                kind=data["kind"],
                body=data.get("body"),
                template_id=data.get("template"),
                expected_version=version,
            )
            return Reply(201, LetterOut(letter).data)

        return idempotent_response(request, run)
