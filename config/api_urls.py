"""The v1 REST API map, mounted at /api/v1/ by config.urls.

Each app contributes its own `urls.py`; higher apps (compensation, portal, webhooks) add their include
below. The last pattern answers every unknown path with a 404 in the API's error shape.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.views import APIView


class NotFoundApi(APIView):
    """Catch-all under /api/v1/: unknown paths answer 404 in the error shape."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    post = put = patch = delete = head = options = get


urlpatterns = [
    path("", include("complaints.urls")),
    path("", include("compensation.urls")),
    path("", include("portal.api_urls")),
    path("", include("webhooks.urls")),
    path("", include("privacy.urls")),
    path("", include("reports.urls")),
    path("", include("letters.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^[\s\S]*$", NotFoundApi.as_view()),
]
