from django.urls import include, path

from . import views

directory_patterns = [
    path("direktori/", views.theme_list, name="themes"),
    path("direktori/cari/", views.search, name="search"),
    path("direktori/tema/<slug:slug>/", views.theme_detail, name="theme"),
    path("direktori/api/<slug:slug>/", views.service_detail, name="service"),
    path("direktori/api/<slug:slug>/versi/<path:version>/openapi.json", views.service_openapi,
         name="service-openapi"),
    path("api-saya/", views.my_apis, name="my-apis"),
    path("api-saya/daftar/", views.register, name="register"),
    path("api-saya/kelola/<slug:slug>/", views.manage, name="manage"),
    path("api-saya/kelola/<slug:slug>/metadata/", views.edit_metadata, name="edit-metadata"),
    path("api-saya/kelola/<slug:slug>/versi-baru/", views.version_create, name="version-create"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/dokumen/", views.version_edit, name="version-edit"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/upstream/", views.version_upstream, name="version-upstream"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/ajukan/", views.version_action, {"action": "submit"},
         name="version-submit"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/usangkan/", views.version_action, {"action": "deprecate"},
         name="version-deprecate"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/hentikan/", views.version_action, {"action": "retire"},
         name="version-retire"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/catatan/", views.version_action, {"action": "note"},
         name="version-note"),
]

# The home page keeps a plain name (settings.LOGIN_REDIRECT_URL); everything else is namespaced.
urlpatterns = [
    path("", views.home, name="portal-home"),
    path("", include((directory_patterns, "directory"))),
]
