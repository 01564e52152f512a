"""URLs of the privacy API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from privacy import apis

urlpatterns = [
    path(
        "customers/<id:customer_id>/anonymise/",
        apis.CustomerAnonymiseApi.as_view(),
        name="customer-anonymise",
    ),
    path(
        "customers/<id:customer_id>/export/",
        apis.CustomerExportApi.as_view(),
        name="customer-export",
    ),
]
