"""/health/live, /health/ready and /metrics (included at the root by config.urls)."""

from django.urls import path

from ops import views

urlpatterns = [
    path("health/live", views.live, name="health-live"),
    path("health/ready", views.ready, name="health-ready"),
    path("metrics", views.metrics_view, name="metrics"),
]
