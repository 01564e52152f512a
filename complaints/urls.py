"""URLs of the complaints API, mounted under /api/v1/ by config.api_urls."""

from django.urls import path, register_converter

from complaints import apis


class IdConverter:
    """A database id: at most 18 digits, so no lookup overflows a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("complaints/", apis.ComplaintListCreateApi.as_view(), name="complaints"),
    path("complaints/<id:complaint_id>/", apis.ComplaintDetailApi.as_view(), name="complaint"),
    path(
        "complaints/<id:complaint_id>/messages/",
        apis.MessageCreateApi.as_view(),
        name="complaint-messages",
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
