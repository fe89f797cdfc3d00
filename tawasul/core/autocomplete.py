"""Autocomplete endpoints for pickers: matches for what the user types, read through `restrict`.

A module declares one per model with a few lines::

    class AreaAutocomplete(AutocompleteView):
        model = Area

        def label(self, area):
            return f"{area.display_name} · {area.get_level_display()}"

and routes it, alone or with others under one URL (`AutocompleteKinds`). The answer is JSON
`{"results": [{"value": <pk>, "text": <label>}, ...]}`, at most `limit` rows, best matches
first: the shape the pickers of `core.widgets` read.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.http import Http404, JsonResponse
from django.views import View

from tawasul.core.search import ranked_sort, text_filter

# Longer input is cut: nobody types a longer name into a picker, and the search stays cheap.
MAX_QUERY = 80


class AutocompleteView(LoginRequiredMixin, View):
    """Records of `model` the user may `action`, matching `?q=` (see the module's docstring).

    By default: active records only (when the model has `is_active`), every word typed found in
    the normalised `search_field` (`core.search.text_filter`), ranked by `rank_by`, then sorted
    by `order_by`; labelled by `str()`. Override `get_queryset`, `matches`, `label` or `labels`."""

    model: type[models.Model]
    kind = ""  # the URL's kind, when routed through `AutocompleteKinds`
    action = "view"
    search_field = "search_text"
    rank_by: tuple[str, ...] = ("search_text",)
    order_by = "name"
    limit = 20

    @property
    def query(self) -> str:
        return self.request.GET.get("q", "").strip()[:MAX_QUERY]

    def get_queryset(self) -> models.QuerySet:
        """The records the user may pick, before the search."""
        manager = self.model._default_manager  # a governed model's: a RestrictedQuerySet's
        queryset = manager.restrict(self.request.user, self.action)  # type: ignore[attr-defined]
        if any(f.name == "is_active" for f in self.model._meta.concrete_fields):
            queryset = queryset.filter(is_active=True)
        return queryset

    def matches(self, query: str) -> models.QuerySet:
        """The records matching `query`, best first."""
        queryset = text_filter(self.get_queryset(), query, self.search_field, rank_by=self.rank_by)
        return queryset.order_by(ranked_sort(queryset, self.order_by), "pk")

    def label(self, obj) -> str:
        return str(obj)

    def labels(self, rows: list) -> dict:
        """`{pk: label}` for the answer's rows, all at once (override when a label needs a
        query of its own, e.g. an area named with its ancestors: one query for all rows)."""
        return {obj.pk: self.label(obj) for obj in rows}

    def get(self, request, *args, **kwargs):
        rows = list(self.matches(self.query)[: self.limit])
        labels = self.labels(rows)
        return JsonResponse({"results": [{"value": o.pk, "text": labels[o.pk]} for o in rows]})


class AutocompleteKinds(LoginRequiredMixin, View):
    """Several pickers under one URL with a `<slug:kind>` part: `kinds` maps each kind to its
    `AutocompleteView`; an unknown kind is a 404."""

    kinds: dict[str, type[AutocompleteView]] = {}

    def get(self, request, kind: str, **kwargs):
        view = self.kinds.get(kind)
        if view is None:
            raise Http404
        return view.as_view(kind=kind)(request)
