"""The customer's page, mounted at /c/ by config.urls: /c/<token>/ and its acts."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.customer_page, name="page"),
    path("<str:token>/<str:act>/", views.customer_act, name="act"),
]
