"""`GET /api/v1/reports/complaints-return/`: the complaints return as JSON, or as CSV with
`Accept: text/csv` or `?format=csv`. Thin: parse the query, call the selector, render.

Managers and above (`core.roles.returns_refusal`), with a staff token or session (`staff`
scope). Bad parameters answer in the one error shape: malformed or missing ones 400, an unknown
regime or an impossible period 422; an unknown `format` is a 400 too (DRF alone would say 404),
and every error is JSON whatever was asked for.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, renderers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.calls import input_parse
from api.permissions import HasScope
from api.rest import ErrorSerializer
from api.scopes import STAFF
from complaints.apis import CanUseComplaintsApi
from core import roles
from core.csvexport import csv_response
from core.errors import NotPermittedError
from reports import selectors
from reports.serializers import ComplaintsReturnOut, ComplaintsReturnQuery


class CsvRenderer(renderers.BaseRenderer):
    """Lets content negotiation pick CSV; the view writes the CSV itself (`core.csvexport`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("the view answers CSV with a streaming response")


class CanReadReturns(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        refusal = roles.returns_refusal(request.user)
        if refusal:
            raise NotPermittedError(refusal)
        return True


class ComplaintsReturnApi(APIView):
    permission_classes = [CanUseComplaintsApi, HasScope(STAFF), CanReadReturns]
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (Http404, exceptions.NotAcceptable):
            # An unknown ?format= or Accept: JSON; the query's check names the bad format.
            return (self.renderer_classes[0](), "application/json")

    def finalize_response(self, request, response, *args, **kwargs):
        # The CSV is a streaming response written by the view; every DRF Response (an error,
        # OPTIONS) is JSON, whatever was asked for.
        if isinstance(response, Response):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        operation_id="reports_complaints_return",
        summary="The complaints return of a regime for a period (JSON or CSV)",
        description="Per category × root cause: opened, closed, outstanding at the period's "
        "end, closed within 3 business days / within 8 weeks / after 8 weeks (business days "
        "from the regime's holiday calendar), upheld (partly upheld counts) and its share, "
        "redress and goodwill given, per currency. As things stood at the period's end. "
        "Managers and above.",
        parameters=[ComplaintsReturnQuery],
        responses={
            (200, "application/json"): ComplaintsReturnOut,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The same figures as CSV, headers translated."
            ),
            422: OpenApiResponse(
                ErrorSerializer, description="Unknown regime, or an impossible period."
            ),
        },
    )
    def get(self, request: Request):
        query = input_parse(ComplaintsReturnQuery, request.query_params.dict())
        report = selectors.complaints_return(
            regime=query["regime"], date_from=query["from"], date_to=query["to"]
        )
        if query["format"] == "csv" or request.accepted_renderer.format == "csv":
            return csv_response(
                filename=selectors.return_filename(report),
                header=selectors.return_header(),
                rows=selectors.return_table(report),
            )
        return Response(ComplaintsReturnOut(selectors.return_data(report)).data)
