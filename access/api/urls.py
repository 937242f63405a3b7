from rest_framework.routers import SimpleRouter

from . import views

app_name = "access_api"

router = SimpleRouter()
router.register("access-requests", views.AccessRequestViewSet, basename="access-request")
router.register("keys", views.ApiKeyViewSet, basename="key")

urlpatterns = router.urls
