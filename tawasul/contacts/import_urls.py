"""Contact import pages, included under "contacts/import/" in the "contacts" namespace."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.ImportListView.as_view(), name="import_list"),
    path("new/", import_views.ImportUploadView.as_view(), name="import_upload"),
    path("sample.csv", import_views.ImportSampleView.as_view(), name="import_sample"),
    path("<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("<int:pk>/mapping/", import_views.ImportMappingView.as_view(), name="import_mapping"),
    path("<int:pk>/start/", import_views.ImportStartView.as_view(), name="import_start"),
    path("<int:pk>/progress/", import_views.ImportProgressView.as_view(), name="import_progress"),
    path("<int:pk>/report.csv", import_views.ImportReportView.as_view(), name="import_report"),
]
