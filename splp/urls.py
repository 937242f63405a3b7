from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from .demo_upstream import demo_upstream
from .health import healthz, readyz

api_v1 = [
    # DRF's token view names its own parsers; it gets the project's (splp.api.JSONParser: bounded nesting).
    path("auth/token/", ObtainAuthToken.as_view(parser_classes=api_settings.DEFAULT_PARSER_CLASSES), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("directory.api.urls")),
    path("", include("access.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("demo-upstream/<slug:slug>/<path:path>", demo_upstream, name="demo-upstream"),
    path("api/v1/", include(api_v1)),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("masuk/", auth_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("monitoring.urls")),
    path("", include("directory.urls")),
    path("", include("access.urls")),
]

# Under /api/ these answer JSON in the API's error shape; elsewhere Django's pages (templates/404.html).
handler400 = "splp.api.bad_request"
handler404 = "splp.api.page_not_found"
handler500 = "splp.api.server_error"
