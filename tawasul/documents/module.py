"""What the documents module plugs into the platform (`tawasul.core.registry`): files and notes
on the record pages of every governed model, their timeline entries, API, roles and demo."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.timeline import ANY_MODEL

from . import roles


def register(registry) -> None:
    registry.urls("documents/", "tawasul.documents.urls", namespace="documents")
    registry.api("tawasul.documents.api.register")
    registry.matrix_section(
        "documents", _("Files and notes"), order=15, models=("document", "note")
    )
    roles.register(registry)
    # Every governed record's page gets "Files" and "Notes" tabs, and its timeline the uploads
    # and notes (both answer nothing, without a query, for other records).
    registry.record_tab(ANY_MODEL, "tawasul.documents.views.record_tabs")
    registry.timeline_source(ANY_MODEL, _file_entries, kind="files", kind_label=_("Files"))
    registry.timeline_source(ANY_MODEL, _note_entries, kind="notes", kind_label=_("Notes"))
    registry.demo_builder("documents", "tawasul.documents.demo.build")


# Resolved when a timeline is read, after the apps are loaded.
def _file_entries(user, record, *, before, limit):
    from .timeline import file_entries

    return file_entries(user, record, before=before, limit=limit)


def _note_entries(user, record, *, before, limit):
    from .timeline import note_entries

    return note_entries(user, record, before=before, limit=limit)
