"""URLs of the complaints API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path

import api.urls  # noqa: F401 - registers the `id` path converter
from complaints import apis

urlpatterns = [
    path("complaints/", apis.ComplaintListCreateApi.as_view(), name="complaints"),
    path("complaints/<id:complaint_id>/", apis.ComplaintDetailApi.as_view(), name="complaint"),
    path(
        "complaints/<id:complaint_id>/messages/",
        apis.MessageCreateApi.as_view(),
        name="complaint-messages",
    ),
    path(
        "complaints/<id:complaint_id>/attachments/<id:attachment_id>/",
        apis.AttachmentApi.as_view(),
        name="complaint-attachment",
    ),
    *[
        path(
            f"complaints/<id:complaint_id>/{name}/",
            view.as_view(),
            name=f"complaint-{name}",
        )
        for name, view in apis.TRANSITIONS.items()
    ],
]
