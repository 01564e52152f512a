"""The staff API for a customer's personal data: `POST /customers/{id}/anonymise/` and
`GET /customers/{id}/export/` (a ZIP). Thin: parse, call one service, render.

Both need a staff token with the `personal_data` scope, and a manager or above behind it
(`core.roles.personal_data_refusal`, the same rule the admin actions use). The customer's id is
the `customer.id` of a complaint.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from api.calls import idempotent_response, input_parse
from api.permissions import HasScope
from api.rest import ErrorSerializer
from api.schema import IDEMPOTENT
from api.scopes import PERSONAL_DATA
from api.services import Reply
from complaints.apis import CanUseComplaintsApi
from complaints.models import Customer
from privacy import export, services
from privacy.admin_actions import zip_response
from privacy.serializers import AnonymisedOut, AnonymiseIn, ExportIn


class CustomerApi(APIView):
    permission_classes = [CanUseComplaintsApi, HasScope(PERSONAL_DATA)]


class CustomerAnonymiseApi(CustomerApi):
    @extend_schema(
        operation_id="customers_anonymise",
        summary="Anonymise a customer (right to erasure); idempotent",
        description="Removes the customer's name, contact data and own words for good; "
        "complaints, amounts, outcome and the audit trail stay. Managers and above.",
        request=AnonymiseIn,
        parameters=IDEMPOTENT,
        responses={
            200: AnonymisedOut,
            409: OpenApiResponse(
                ErrorSerializer, description="The customer still has open complaints."
            ),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
    )
    def post(self, request: Request, customer_id: int):
        data = input_parse(AnonymiseIn, request.data)

        def run() -> Reply:
            result = services.customer_anonymise(
                customer_id=customer_id, actor=request.user, reason=data["reason"]
            )
            anonymised_at = (
                Customer.objects.filter(pk=customer_id)
                .values_list("anonymised_at", flat=True)
                .first()
            ) or timezone.now()
            body = {
                "customer_id": result.customer_id,
                "anonymised_at": anonymised_at,
                "already": result.already,
                "complaints": result.complaints,
                "messages": result.messages,
                "audit_rows": result.audit_rows,
                "files": result.files,
            }
            return Reply(200, AnonymisedOut(body).data)

        return idempotent_response(request, run)


class CustomerExportApi(CustomerApi):
    @extend_schema(
        operation_id="customers_export",
        summary="Export a customer's personal data (subject-access request) as a ZIP",
        description="`customer.json` (the customer, their complaints with the public timeline, "
        "compensation and emails; internal notes with `internal=true`) plus their attachments "
        "and original emails. Streamed. Managers and above; every export is logged.",
        parameters=[ExportIn],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The ZIP archive."
            ),
        },
    )
    def get(self, request: Request, customer_id: int):
        query = input_parse(ExportIn, request.query_params.dict())
        filename, chunks = export.customer_export(
            customer_id=customer_id, actor=request.user, include_internal=query["internal"]
        )
        return zip_response(filename, chunks)
