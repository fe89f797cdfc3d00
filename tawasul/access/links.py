"""Linked records are named only to users who may view them.

A record a user may see can link to records they may not: a customer served by a dealer outside
the user's rules, a contact whose industry the user's role may not read. Wherever such a link is
shown (pages, fragments, history, exports, search hits), its key may stay but its name is
replaced by "(not visible to you)". Visibility is asked of the access entry point,
`Model.objects.restrict(user, "view")`, at read time, once per kind of linked record (no query
at all for a kind the user sees whole or not at all: `tawasul.core.access.access_scope`).

- `link_fields(model)`: the foreign keys and many-to-many fields of a model that point at
  records read through `restrict` (every link a record rule or a permission may hide).
- `mask_links(user, records)`: replaces, on loaded records, each linked record the user may not
  view by a `HiddenRecord` (its key, no name), so templates and code that print
  `record.dealer` print "(not visible to you)".
- `Visibility(user).labels(model, keys)`: names for keys. Change-history entries name their
  links the same way, at read time (`tawasul.core.timeline.link_labels`).

Forms keep today's hidden values valid and name them the same way through
`tawasul.core.widgets.offer_links`.
"""

from collections.abc import Iterable, Iterator

from django.db import models

from tawasul.core.access import ALL, NONE, access_scope
from tawasul.core.widgets import HIDDEN_LABEL

from .querysets import DEFAULT_COMPANY_PATH


def link_fields(model: type[models.Model]) -> list[models.Field]:
    """Forward links of `model` to records read through `restrict`, except its own company.

    Foreign keys (and one-to-one links) and many-to-many fields, in declaration order. Links to
    records without an access entry point (user accounts) are not included.
    """
    company_path = getattr(model, "access_company_path", DEFAULT_COMPANY_PATH)
    fields = []
    for field in model._meta.get_fields():
        if not isinstance(field, (models.ForeignKey, models.ManyToManyField)):
            continue
        if field.name == company_path:
            continue
        if hasattr(field.related_model._default_manager, "restrict"):
            fields.append(field)
    return fields


class HiddenRecord:
    """Stands in for a linked record the user may not view: its key, never its name.

    It answers `pk`/`id`, its model's `_meta`, and the label for `str()`, `display_name`,
    `name`, `name_ar` and `code`; any other attribute is missing (templates print nothing, code
    fails loudly instead of reading a hidden record's data). It cannot be saved.
    """

    hidden = True

    def __init__(self, model: type[models.Model], pk) -> None:
        self._meta = model._meta
        self.pk = self.id = pk

    def __str__(self) -> str:
        return str(HIDDEN_LABEL)

    @property
    def display_name(self) -> str:
        return str(HIDDEN_LABEL)

    name = name_ar = code = display_name

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, HiddenRecord)
            and other._meta.label == self._meta.label
            and other.pk == self.pk
        )

    def __hash__(self) -> int:
        return hash((self._meta.label, self.pk))

    def __repr__(self) -> str:
        return f"<HiddenRecord {self._meta.label} {self.pk}>"


def is_hidden(obj) -> bool:
    return isinstance(obj, HiddenRecord)


class Visibility:
    """Which linked records one user may view, asked of `restrict` once per key and kept."""

    def __init__(self, user) -> None:
        self.user = user
        self._known: dict[type[models.Model], dict] = {}
        self._scopes: dict[type[models.Model], str] = {}

    def visible(self, model: type[models.Model], keys: Iterable) -> set:
        """The keys among `keys` of records of `model` the user may view."""
        keys = {k for k in keys if k is not None}
        scope = self._scopes.get(model)
        if scope is None:
            scope = self._scopes[model] = access_scope(self.user, model, "view")
        if scope == ALL:  # links stay within the company (core.access.access_scope)
            return keys
        if scope == NONE:
            return set()
        known = self._known.setdefault(model, {})
        unknown = keys - known.keys()
        if unknown:
            queryset = model._default_manager.restrict(self.user, "view")
            found = set(queryset.filter(pk__in=unknown).values_list("pk", flat=True))
            for key in unknown:
                known[key] = key in found
        return {k for k in keys if known[k]}

    def labels(self, model: type[models.Model], keys: Iterable) -> dict:
        """A label for each key: the record's name if the user may view it, else the hidden
        label (also for keys of records that no longer exist)."""
        keys = {k for k in keys if k is not None}
        seen = self.visible(model, keys)
        names = {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=seen)}
        return {k: names.get(k, str(HIDDEN_LABEL)) for k in keys}


def mask_links(user, records: Iterable[models.Model], *, fields=None, visibility=None) -> list:
    """Replace on `records` every linked record `user` may not view by a `HiddenRecord`.

    `fields` (names or fields) defaults to every `link_fields` of the records' model. Foreign
    keys are masked whether or not they were loaded (a hidden one is never fetched afterwards);
    many-to-many fields are masked where they were prefetched. Returns the records as a list.
    """
    records = list(records)
    if not records:
        return records
    model = type(records[0])
    visibility = visibility or Visibility(user)
    chosen = link_fields(model) if fields is None else fields
    for field in chosen:
        if isinstance(field, str):
            field = model._meta.get_field(field)
        related = field.related_model
        if field.many_to_many:
            cached = [
                r._prefetched_objects_cache[field.name]
                for r in records
                if field.name in getattr(r, "_prefetched_objects_cache", {})
            ]
            seen = visibility.visible(related, {o.pk for qs in cached for o in qs})
            for queryset in cached:
                queryset._result_cache = [
                    o if o.pk in seen else HiddenRecord(related, o.pk) for o in queryset
                ]
            continue
        seen = visibility.visible(related, {getattr(r, field.attname) for r in records})
        for record in records:
            key = getattr(record, field.attname)
            if key is not None and key not in seen:
                field.set_cached_value(record, HiddenRecord(related, key))
    return records


def masked(user, records: Iterable[models.Model], *, fields=None, batch: int = 500) -> Iterator:
    """`mask_links` over a long stream of records (an export), a batch at a time."""
    visibility = Visibility(user)
    chunk: list = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            yield from mask_links(user, chunk, fields=fields, visibility=visibility)
            chunk = []
    yield from mask_links(user, chunk, fields=fields, visibility=visibility)
