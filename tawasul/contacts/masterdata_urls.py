from django.urls import path

from . import masterdata_views

urlpatterns = [
    path("", masterdata_views.MasterDataIndexView.as_view(), name="masterdata_index"),
]
