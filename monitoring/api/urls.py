from django.urls import path

from . import views

app_name = "monitoring_api"

urlpatterns = [
    path("usage/", views.UsageView.as_view(), name="usage"),
]
