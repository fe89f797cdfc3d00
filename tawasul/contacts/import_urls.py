from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.ImportListView.as_view(), name="import_list"),
]
