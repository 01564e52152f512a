"""URLs of the customer's acts in the API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from portal import apis

urlpatterns = [
    path(
        "complaints/<id:complaint_id>/summary-confirmation/",
        apis.SummaryConfirmationApi.as_view(),
        name="complaint-summary-confirmation",
    ),
    path(
        "complaints/<id:complaint_id>/remedy-response/",
        apis.RemedyResponseApi.as_view(),
        name="complaint-remedy-response",
    ),
    path("complaints/<id:complaint_id>/rating/", apis.RatingApi.as_view(), name="complaint-rating"),
]
