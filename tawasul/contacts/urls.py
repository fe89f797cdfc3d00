from django.urls import include, path

from . import edit_views, list_views, team_views, views

app_name = "contacts"
urlpatterns = [
    path("", list_views.ContactListView.as_view(), name="contact_list"),
    path("new/", edit_views.ContactFormView.as_view(), name="contact_create"),
    path("export/", list_views.ContactExportView.as_view(), name="contact_export"),
    path("bulk/", list_views.ContactBulkView.as_view(), name="contact_bulk"),
    path("saved-views/", list_views.SavedFilterView.as_view(), name="saved_filter"),
    path("dealers/", list_views.DealerListView.as_view(), name="dealer_list"),
    path("dealers/export/", list_views.DealerExportView.as_view(), name="dealer_export"),
    path("team/", team_views.TeamView.as_view(), name="team"),
    path("autocomplete/<slug:kind>/", views.AutocompleteView.as_view(), name="autocomplete"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("<int:pk>/edit/", edit_views.ContactFormView.as_view(), name="contact_update"),
    path("<int:pk>/lifecycle/", views.ContactLifecycleView.as_view(), name="contact_lifecycle"),
    path("<int:pk>/delete/", edit_views.ContactDeleteView.as_view(), name="contact_delete"),
    path("import/", include("tawasul.contacts.import_urls")),
    path("master-data/", include("tawasul.contacts.masterdata_urls")),
]
