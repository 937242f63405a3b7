from django.urls import path

from . import metrics, views

app_name = "monitoring"

urlpatterns = [
    path("pemantauan/", views.dashboard, name="dashboard"),
    path("pemantauan/status/", views.status, name="status"),
    path("pemantauan/pengenal/", views.identifier_lookup, name="identifier-lookup"),
    path("pemantauan/ropa.xlsx", views.ropa_download, {"fmt": "xlsx"}, name="ropa-xlsx"),
    path("pemantauan/ropa.csv", views.ropa_download, {"fmt": "csv"}, name="ropa-csv"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api-saya/kelola/<slug:slug>/penggunaan/", views.api_usage, name="api-usage"),
    path("organisasi-saya/log-panggilan/", views.organization_calls, name="org-calls"),
    path("organisasi-saya/rekomendasi-monev/", views.organization_recommendations, name="org-recommendations"),
    path("pemantauan/laporan/<int:pk>/", views.report_detail, name="report"),
    path("pemantauan/laporan/<int:pk>/unduh.pdf", views.report_pdf, name="report-pdf"),
    path("pemantauan/laporan/<int:pk>/unduh.docx", views.report_docx, name="report-docx"),
    path("pemantauan/laporan/<int:pk>/unduh.xlsx", views.report_xlsx, name="report-xlsx"),
    path("pemantauan/laporan/<int:pk>/unduh.csv", views.report_csv, name="report-csv"),
]
