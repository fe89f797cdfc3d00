from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("record/<str:model>/<str:pk>/", views.RecordPanelView.as_view(), name="panel"),
    path(
        "record/<str:model>/<str:pk>/files/",
        views.AttachmentAddView.as_view(),
        name="attachment_add",
    ),
    path("record/<str:model>/<str:pk>/notes/", views.NoteAddView.as_view(), name="note_add"),
    path(
        "files/<str:pk>/versions/",
        views.AttachmentVersionView.as_view(),
        name="attachment_version",
    ),
    path("files/<str:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
    path("notes/<str:pk>/edit/", views.NoteEditView.as_view(), name="note_edit"),
    path("notes/<str:pk>/delete/", views.NoteDeleteView.as_view(), name="note_delete"),
    path("download/<str:pk>/", views.DownloadView.as_view(), name="download"),
]
