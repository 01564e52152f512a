"""URLs of the letters API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from letters import apis

urlpatterns = [
    path(
        "complaints/<id:complaint_id>/letters/",
        apis.LetterCreateApi.as_view(),
        name="complaint-letters",
    ),
]
