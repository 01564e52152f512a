"""URLs of the webhooks API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from webhooks import apis

urlpatterns = [
    path("webhooks/", apis.WebhookListCreateApi.as_view(), name="webhooks"),
    path("webhooks/<id:subscription_id>/", apis.WebhookDetailApi.as_view(), name="webhook"),
    path(
        "webhooks/<id:subscription_id>/deliveries/",
        apis.WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
]
