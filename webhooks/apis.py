"""The webhooks REST API: subscribe, list, unsubscribe, read the delivery log.

Thin classes over `webhooks.services` and `webhooks.selectors`. A subscription belongs to the
caller (its token's user); nobody sees another's, and a deleted one is gone for its owner too
(lists, log: 404). The delivery log is cursor-paginated and shows status and timing, never the
receiver's answer. Permission comes from `core.roles` (a pure module): staff and integrations,
with a token holding `webhooks:manage`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import HasScope
from api.rest import CursorPagination, ErrorSerializer
from api.scopes import WEBHOOKS_MANAGE
from core import roles
from core.errors import NotFoundError
from webhooks import selectors, services
from webhooks.serializers import (
    DeliveryOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
)


class CanSubscribe(permissions.BasePermission):
    message = gettext_lazy(
        "Only staff or an integration can subscribe to webhooks: send the API token of a staff "
        "user or of an integration."
    )

    def has_permission(self, request, view) -> bool:
        return roles.can_file(request.user)


class WebhookApi(APIView):
    permission_classes = [CanSubscribe, HasScope(WEBHOOKS_MANAGE)]

    def own(self, request: Request, subscription_id: int):
        found = selectors.webhook_subscriptions_of(owner=request.user).filter(pk=subscription_id)
        subscription = found.first()
        if subscription is None:
            raise NotFoundError(
                _(
                    "You have no webhook subscription with this id: list your subscriptions "
                    "to find it."
                )
            )
        return subscription


class WebhookListCreateApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_list",
        summary="Your webhook subscriptions",
        responses=SubscriptionOut(many=True),
    )
    def get(self, request: Request) -> Response:
        subs = selectors.webhook_subscriptions_of(owner=request.user)
        return Response(SubscriptionOut(subs, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Subscribe a URL to events; deliveries are signed with the secret",
        request=SubscriptionIn,
        responses={201: SubscriptionCreatedOut},
    )
    def post(self, request: Request) -> Response:
        data = SubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_create(
            owner=request.user, **data.validated_data
        )
        return Response(SubscriptionCreatedOut(subscription).data, status=201)


class WebhookDetailApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_delete",
        summary="Unsubscribe: gone from the list, pending deliveries cancelled (never retried)",
        responses={
            204: OpenApiResponse(description="Unsubscribed; the subscription is gone."),
            404: OpenApiResponse(
                ErrorSerializer,
                description="You have no subscription with this id, or it is already deleted "
                "(a second DELETE is a 404, as are its list entry and its delivery log).",
            ),
        },
    )
    def delete(self, request: Request, subscription_id: int) -> Response:
        subscription = self.own(request, subscription_id)
        services.webhook_subscription_deactivate(
            subscription_id=subscription.pk, actor=request.user
        )
        return Response(status=204)


class WebhookDeliveriesApi(WebhookApi):
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="The delivery log: every delivery, newest first, with every attempt",
        responses=DeliveryOut(many=True),
    )
    def get(self, request: Request, subscription_id: int) -> Response:
        subscription = self.own(request, subscription_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.webhook_deliveries(subscription=subscription), request, view=self
        )
        return paginator.get_paginated_response(DeliveryOut(page, many=True).data)
