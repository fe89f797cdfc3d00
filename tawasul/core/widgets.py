"""Form widgets shared by every module, and the one way a link field offers its values."""

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .text import normalize_name

# What a page, form, history entry or export shows in place of a linked record's name when the
# user may not view that record (the record's key may stay, its name never).
HIDDEN_LABEL = _("(not visible to you)")


def hidden_values(field) -> frozenset:
    """Keys a link field keeps valid but must not name (see `offer_links`)."""
    return getattr(field, "hidden_values", frozenset())


class LinkChoiceIterator(ModelChoiceIterator):
    """Choices of a link field: a value the user may not view is offered by key, not by name."""

    def choice(self, obj):
        if obj.pk in hidden_values(self.field):
            value = ModelChoiceIteratorValue(self.field.prepare_value(obj), obj)
            return value, HIDDEN_LABEL
        return super().choice(obj)


_LISTED: dict[type, type] = {}


def _iterate_listed(self):
    # The base classes' order: the empty label, django-filter's null label, then the records,
    # read with one plain query and kept on the field's queryset.
    if self.field.empty_label is not None:
        yield ("", self.field.empty_label)
    null_label = getattr(self.field, "null_label", None)
    if null_label is not None:
        yield (self.field.null_value, null_label)
    for obj in self.queryset:
        yield self.choice(obj)


def listed_choices(form) -> None:
    """Let `form`'s model choice fields read their options with one plain query each.

    Django reads a select's options with `QuerySet.iterator()`, which on PostgreSQL opens a
    server-side cursor (three round trips, and a held cursor outside a transaction); a short
    master-data list is cheaper read whole. Fields whose widget asks the server as one types
    (`RemoteSelectMixin`) read only their selected values and are left alone.
    """
    for field in form.fields.values():
        iterator = getattr(field, "iterator", None)
        if iterator is None or getattr(field.widget, "remote", False):
            continue
        listed = _LISTED.get(iterator)
        if listed is None:
            listed = _LISTED[iterator] = type(
                f"Listed{iterator.__name__}", (iterator,), {"__iter__": _iterate_listed}
            )
        field.iterator = listed
        field.widget.choices = field.choices


def offer_links(field, visible: QuerySet, *, keep=(), offered: QuerySet | None = None) -> None:
    """Offer in a link field the records the user may view, keeping today's values valid.

    `visible` is what the user may view (read through `restrict`); `offered` narrows what is
    offered for new choices (active values only, say; by default `visible`). `keep` holds the
    keys the record links to today: they stay valid choices even when the user may not view
    them, so an unrelated edit neither fails nor drops the link (services refuse changes to
    unseen links). Whatever of `keep` is outside `visible` is shown, in every widget, as
    "(not visible to you)", never by its name. Works for single and multiple choice fields and
    for any widget (plain, searchable, or one that asks the server as one types).
    """
    offered = visible if offered is None else offered
    keep = {pk for pk in keep if pk not in (None, "")}
    field.iterator = LinkChoiceIterator
    hidden: set = set()
    queryset = offered
    if keep:
        hidden = keep - set(visible.filter(pk__in=keep).values_list("pk", flat=True))
        queryset = offered.model._default_manager.filter(
            Q(pk__in=offered.values("pk")) | Q(pk__in=keep)
        )
        related = offered.query.select_related
        if isinstance(related, dict):
            queryset = queryset.select_related(*_paths(related))
        elif related:
            queryset = queryset.select_related()
        if offered.query.order_by:
            queryset = queryset.order_by(*offered.query.order_by)
    field.hidden_values = frozenset(hidden)
    field.queryset = queryset  # also gives the widget its choices, through LinkChoiceIterator


def _paths(tree: dict, prefix: str = "") -> list[str]:
    paths = []
    for name, children in tree.items():
        path = f"{prefix}{name}"
        paths.append(path)
        paths.extend(_paths(children, path + "__"))
    return paths


class RemoteSelectMixin:
    """A select whose options come from the server as the user types (Tom Select).

    Only the selected values are rendered, so a link to a table of a million rows costs one
    small query, and the autocomplete endpoint reads through the access entry point. A selected
    value the user may not view (see `offer_links`) is rendered as "(not visible to you)".
    """

    remote = True

    def __init__(self, url: "str | Promise" = "", attrs=None, **kwargs):
        attrs = {**(attrs or {}), "data-autocomplete-url": url, "class": "remote-select"}
        super().__init__(attrs=attrs, **kwargs)  # type: ignore[call-arg]  # mixed into a Select

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in (None, "")]
        groups = []
        if not self.allow_multiple_selected:
            groups.append((None, [self.create_option(name, "", "", not selected, 0)], 0))
        queryset = getattr(self.choices, "queryset", None)
        hidden = hidden_values(getattr(self.choices, "field", None))
        if selected and queryset is not None:
            try:
                objects = list(queryset.filter(pk__in=selected))
            except (ValueError, TypeError):
                objects = []
            for index, obj in enumerate(objects, start=1):
                label = HIDDEN_LABEL if obj.pk in hidden else self.option_label(obj)
                option = self.create_option(name, str(obj.pk), label, True, index)
                groups.append((None, [option], index))
        return groups

    def option_label(self, obj) -> str:
        return str(obj)


class RemoteSelect(RemoteSelectMixin, forms.Select):
    pass


class RemoteSelectMultiple(RemoteSelectMixin, forms.SelectMultiple):
    pass


class SearchableSelectMultiple(forms.SelectMultiple):
    """A short multi-select enhanced with Tom Select in the browser.

    Each option carries its comparison form in `data-search` (the record's `search_text`: both
    names and the code, else its label normalised), and app.js folds what is typed the same way
    (`core.text.browser_fold`), so `احمد` finds `أحمد` here as in every search.
    """

    def __init__(self, attrs=None, **kwargs):
        super().__init__(attrs={**(attrs or {}), "class": "searchable-select"}, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        # A value the user may not view is searched by its label only, never by its names.
        instance = None if label == HIDDEN_LABEL else getattr(value, "instance", None)
        search = getattr(instance, "search_text", None) or normalize_name(str(label))
        option["attrs"]["data-search"] = search
        return option
