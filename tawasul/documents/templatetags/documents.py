"""`{% documents_panel record %}`: a record's files and notes on any page (the panel the
record's "Files" and "Notes" tabs load)."""

from django import template

register = template.Library()


@register.inclusion_tag("documents/_panel.html", takes_context=True)
def documents_panel(context, record, kind=""):
    """The panel of `record` (which the page read through its access rule) for the page's
    user; `kind` "files" or "notes" shows one kind. Nothing for a user without the module's
    permissions."""
    from django.core.exceptions import PermissionDenied

    from tawasul.documents.views import build_panel

    request = context["request"]
    try:
        panel = build_panel(request, record, kind=kind, slot=kind)
    except PermissionDenied:  # the user may see neither files nor notes: nothing to show
        panel = None
    return {"panel": panel, "request": request, "csrf_token": context.get("csrf_token")}
