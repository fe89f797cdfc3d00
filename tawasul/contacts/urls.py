from django.urls import include, path

from . import views

app_name = "contacts"
urlpatterns = [
    path("", views.ContactListView.as_view(), name="contact_list"),
    path("import/", include("tawasul.contacts.import_urls")),
    path("master-data/", include("tawasul.contacts.masterdata_urls")),
]
