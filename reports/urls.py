"""URLs of the reports API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

from reports import apis

urlpatterns = [
    path(
        "reports/complaints-return/",
        apis.ComplaintsReturnApi.as_view(),
        name="complaints-return",
    ),
]
