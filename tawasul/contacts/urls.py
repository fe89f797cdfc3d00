from django.urls import include, path

from . import team_views, views

app_name = "contacts"
urlpatterns = [
    path("", views.ContactListView.as_view(), name="contact_list"),
    path("new/", views.ContactFormView.as_view(), name="contact_create"),
    path("export/", views.ContactExportView.as_view(), name="contact_export"),
    path("bulk/", views.ContactBulkView.as_view(), name="contact_bulk"),
    path("saved-views/", views.SavedFilterView.as_view(), name="saved_filter"),
    path("dealers/", views.DealerListView.as_view(), name="dealer_list"),
    path("team/", team_views.TeamView.as_view(), name="team"),
    path("autocomplete/<slug:kind>/", views.AutocompleteView.as_view(), name="autocomplete"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("<int:pk>/edit/", views.ContactFormView.as_view(), name="contact_update"),
    path("<int:pk>/lifecycle/", views.ContactLifecycleView.as_view(), name="contact_lifecycle"),
    path("<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("import/", include("tawasul.contacts.import_urls")),
    path("master-data/", include("tawasul.contacts.masterdata_urls")),
]
