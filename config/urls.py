"""URL map: the staff admin at /admin/, the REST API at /api/v1/, the customer's page at
/c/<token>/, health and metrics (ops); / sends staff to the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Redress"
admin.site.site_title = "Redress"
admin.site.index_title = "Complaint handling"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("c/", include("portal.urls")),
    path("", include("ops.urls")),  # /health/live, /health/ready, /metrics
]

handler500 = "api.rest.server_error"
