from django.urls import path

from . import masterdata_views as views

urlpatterns = [
    path("", views.MasterDataIndexView.as_view(), name="masterdata_index"),
    path("<slug:kind>/", views.MasterDataListView.as_view(), name="masterdata_list"),
    path("<slug:kind>/export/", views.MasterDataExportView.as_view(), name="masterdata_export"),
    path("<slug:kind>/new/", views.MasterDataFormView.as_view(), name="masterdata_create"),
    path(
        "<slug:kind>/<int:pk>/edit/",
        views.MasterDataFormView.as_view(),
        name="masterdata_update",
    ),
    path(
        "<slug:kind>/<int:pk>/active/",
        views.MasterDataActiveView.as_view(),
        name="masterdata_active",
    ),
]
