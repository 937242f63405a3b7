from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("direktori/api/<slug:slug>/versi/<path:version>/minta-akses/", views.request_create, name="request-create"),
    path("permohonan-saya/", views.my_requests, name="my-requests"),
    path("permohonan-saya/<int:pk>/tarik/", views.request_withdraw, name="request-withdraw"),
    path("permohonan-saya/<int:pk>/perbaiki/", views.request_resubmit, name="request-resubmit"),
    path("permohonan-masuk/", views.incoming, name="incoming"),
    path("permohonan-masuk/<int:pk>/beri-akses/", views.request_grant, name="request-grant"),
    path("permohonan-masuk/<int:pk>/tolak/", views.request_decline, name="request-decline"),
    path("permohonan-masuk/<int:pk>/cabut/", views.request_revoke, name="request-revoke"),
    path("permohonan-masuk/<int:pk>/pindahkan/", views.grant_move, name="grant-move"),
    path("api-saya/kelola/<slug:slug>/versi/<int:pk>/pindahkan-akses/", views.version_grants_move,
         name="version-grants-move"),
    path("kunci-saya/", views.my_keys, name="my-keys"),
    path("kunci-saya/<int:pk>/tampilkan/", views.key_reveal, name="key-reveal"),
    path("kunci-saya/<int:pk>/rotasi/", views.key_rotate, name="key-rotate"),
    path("kunci-saya/<int:pk>/cabut/", views.key_revoke, name="key-revoke"),
]
