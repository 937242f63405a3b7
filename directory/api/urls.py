from rest_framework.routers import SimpleRouter

from . import views

app_name = "directory_api"

router = SimpleRouter()
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("services", views.PublishedApiServiceViewSet, basename="service")
router.register("api-services", views.ApiServiceViewSet, basename="api-service")
router.register(r"api-services/(?P<service_slug>[^/.]+)/versions", views.ApiVersionViewSet, basename="api-version")

urlpatterns = router.urls
