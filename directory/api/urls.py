from django.urls.converters import SlugConverter
from rest_framework.routers import SimpleRouter

from . import views

app_name = "directory_api"

router = SimpleRouter()
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("services", views.PublishedApiServiceViewSet, basename="service")
router.register("api-services", views.ApiServiceViewSet, basename="api-service")
router.register(
    rf"api-services/(?P<service_slug>{SlugConverter.regex})/versions", views.ApiVersionViewSet, basename="api-version"
)

urlpatterns = router.urls
