"""URLs of the compensation API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from compensation import apis

urlpatterns = [
    path(
        "complaints/<id:complaint_id>/compensations/",
        apis.CompensationCreateApi.as_view(),
        name="complaint-compensations",
    ),
    path("compensations/", apis.CompensationQueueApi.as_view(), name="compensations"),
    path(
        "compensations/<id:request_id>/approve/",
        apis.CompensationApproveApi.as_view(),
        name="compensation-approve",
    ),
    path(
        "compensations/<id:request_id>/reject/",
        apis.CompensationRejectApi.as_view(),
        name="compensation-reject",
    ),
]
