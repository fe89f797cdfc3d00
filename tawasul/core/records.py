"""The record page: a header (name, code, status, key facts, allowed actions), tabs, and the
record's timeline (`tawasul.core.timeline`), fetched when its tab opens.

A module's page is a subclass of `RecordView` that names its model and fills `header()` and
`tabs()` (placing among them the tabs other modules add, `contributed_tabs()`); its template
extends "core/record.html" and fills the tab panes (or the whole body)::

    class QuotationDetailView(RecordView):
        model = Quotation
        permission_required = "sales.view_quotation"

        def header(self, record):
            return RecordHeader(name=record.number, status=Status(record.get_status_display()))

The record is read through `get_restricted_or_404` (404 alike for missing and forbidden). The
timeline is the same page asked by htmx with the target `timeline_id`, and its older pages with
the target `<timeline_id>-more` and `?timeline=<cursor>`.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import models
from django.template.response import TemplateResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from tawasul.core.access import get_restricted_or_404
from tawasul.core.pagination import InvalidCursor
from tawasul.core.registry import get_registry
from tawasul.core.timeline import ANY_MODEL, TimelinePage, kinds_for, timeline


@dataclass
class Status:
    """A record's status as a badge: its label and the badge's CSS classes."""

    label: Any
    css: str = "text-bg-secondary"


@dataclass
class Fact:
    """One key fact in the header: label, value (shown as "—" when empty), and optionally the
    value's CSS classes and language (a name in the other language)."""

    label: Any
    value: Any
    css: str = ""
    lang: str = ""


@dataclass
class Action:
    """A link the user may follow from the header (only those the user may take are given)."""

    label: Any
    url: str
    icon: str = ""
    css: str = "btn-primary"
    id: str = ""


@dataclass
class RecordHeader:
    name: Any
    code: str = ""
    status: Status | None = None
    other_name: str = ""
    facts: list[Fact] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class Tab:
    """A tab of the record page: its key (the pane is `#tab-<key>`, the button `#<key>-tab`),
    label, an optional count badge, and either a template to include or a note to show.
    `context` is what the tab's template reads as `tab.context` (a tab another module adds);
    `replaces` the keys of a page's "coming soon" tabs that this one makes real (a page drops
    a placeholder whose key a contributed tab has or replaces: `without_replaced`)."""

    key: str
    label: Any
    count: int | None = None
    template: str = ""
    note: Any = ""
    context: dict[str, Any] = field(default_factory=dict)
    replaces: tuple[str, ...] = ()


def without_replaced(placeholders: list[Tab], contributed: list[Tab]) -> list[Tab]:
    """The `placeholders` that no `contributed` tab takes the place of (by key or `replaces`)."""
    taken = {key for tab in contributed for key in (tab.key, *tab.replaces)}
    return [tab for tab in placeholders if tab.key not in taken]


class RecordView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One record's page (see the module's docstring)."""

    model: type[models.Model]
    template_name = "core/record.html"
    # The tab whose pane holds the timeline (None: the template places it, e.g. inline).
    timeline_tab: str | None = "history"
    timeline_id = "record-timeline"
    timeline_size = 25

    def get_queryset(self) -> models.QuerySet:
        """The records this page may show, before access; joins for the page go here."""
        return self.model._default_manager.all()

    def get_object(self) -> models.Model:
        """The record, if the user may view it (404 alike for missing and forbidden)."""
        if not hasattr(self, "_record"):
            self._record = get_restricted_or_404(
                self.get_queryset(), self.request.user, "view", pk=self.kwargs["pk"]
            )
        return self._record

    def timeline_record(self) -> models.Model:
        """The record whose timeline is asked for; without the page's joins."""
        return get_restricted_or_404(
            self.model._default_manager.all(), self.request.user, "view", pk=self.kwargs["pk"]
        )

    def header(self, record) -> RecordHeader:
        """The page's header; by default the record's text and code."""
        return RecordHeader(name=str(record), code=getattr(record, "code", ""))

    def tabs(self, record) -> list[Tab]:
        """The page's tabs, the first one open; by default those other modules add
        (`contributed_tabs`) and the timeline's."""
        history = [Tab(self.timeline_tab, _("History"))] if self.timeline_tab else []
        return [*self.contributed_tabs(record), *history]

    def contributed_tabs(self, record) -> list[Tab]:
        """The tabs modules add to this model's record pages (`registry.record_tab`), in the
        order they registered; a page places them among its own tabs."""
        label = record._meta.label_lower
        tabs: list[Tab] = []
        for model_label, factory in get_registry().record_tabs:
            if model_label in (label, ANY_MODEL):
                make = import_string(factory) if isinstance(factory, str) else factory
                tabs += make(self.request, record) or []
        return tabs

    def get(self, request, *args, **kwargs):
        target = request.htmx.target if getattr(request, "htmx", None) else None
        if target in (self.timeline_id, f"{self.timeline_id}-more"):
            return self.render_timeline(first=target == self.timeline_id)
        return super().get(request, *args, **kwargs)

    def timeline_context(self, *, first: bool = True, record=None) -> dict:
        """One page of the timeline of `record` (by default `timeline_record()`) for
        "core/_timeline.html": `first`, the newest page, else the one `?timeline=` names (an
        unreadable cursor shows a note). A page showing it inline adds this to its context."""
        error = None
        cursor = None if first else self.request.GET.get("timeline", "")
        record = record if record is not None else self.timeline_record()
        kinds = kinds_for(type(record))
        kind = self.request.GET.get("timeline_kind", "")
        if kind not in {key for key, _label in kinds}:
            kind = ""
        try:
            page = timeline(
                self.request.user, record, cursor=cursor, size=self.timeline_size, kind=kind
            )
        except InvalidCursor:
            page = TimelinePage([], None)
            error = _("That page link is no longer valid; reload the page.")
        return {
            "timeline_id": self.timeline_id,
            "timeline_page": page,
            "timeline_error": error,
            "timeline_kinds": kinds if len(kinds) > 1 else [],
            "timeline_kind": kind,
        }

    def render_timeline(self, *, first: bool):
        template = "core/_timeline.html" if first else "core/_timeline_page.html"
        return TemplateResponse(self.request, template, self.timeline_context(first=first))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.get_object()
        ctx.update(
            record=record,
            header=self.header(record),
            tabs=self.tabs(record),
            timeline_tab=self.timeline_tab,
            timeline_id=self.timeline_id,
        )
        return ctx
