"""The record an activity is about, named only to readers who may view it.

Every activity (task, follow-up, reminder, notification) carries `subject_type`/`subject_id`
(any record read through `restrict`) and `contact` (`models.SubjectLink`). Pages never print a
subject themselves: they ask `subject_labels(user, items)` for one label per item, which asks
`restrict(user, "view")` once per kind of record on the page (no query for a kind the user sees
whole or not at all), and prints "(not visible to you)" for the others, with no link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse

from tawasul.access.links import Visibility
from tawasul.core.widgets import HIDDEN_LABEL


@dataclass(frozen=True)
class SubjectLabel:
    """How an item's record shows to one reader: `label` ("" when the item has none), `url`
    ("" when hidden or without a page) and whether it is `hidden`."""

    label: str
    url: str = ""
    hidden: bool = False


NO_SUBJECT = SubjectLabel("")


def subject_fields(record: models.Model | None) -> dict:
    """The `SubjectLink` field values for an activity about `record` (None: about nothing):
    `subject_type`, `subject_id` and `contact_id` (the record itself when it is a contact, else
    its `contact_id` when it has one)."""
    if record is None:
        return {"subject_type": None, "subject_id": None, "contact_id": None}
    content_type = ContentType.objects.get_for_model(record)
    if record._meta.label_lower == "contacts.contact":
        contact_id = record.pk
    else:
        contact_id = getattr(record, "contact_id", None)
    return {"subject_type": content_type, "subject_id": record.pk, "contact_id": contact_id}


def record_url(record: models.Model) -> str:
    """The record's page: its `get_absolute_url`, or the `<app>:<model>_detail` URL, or ""."""
    getter = getattr(record, "get_absolute_url", None)
    if getter is not None:
        return getter()
    try:
        return reverse(
            f"{record._meta.app_label}:{record._meta.model_name}_detail", args=[record.pk]
        )
    except NoReverseMatch:
        return ""


def subject_labels(user, items: Iterable, *, visibility: Visibility | None = None) -> dict:
    """`{item.pk: SubjectLabel}` for activities `items` (anything with `subject_type_id` and
    `subject_id`) as `user` may see them: one `restrict` query per kind of record among them at
    most, and one query to read the visible records' names."""
    items = list(items)
    visibility = visibility or Visibility(user)
    by_type: dict[int, set[int]] = defaultdict(set)
    for item in items:
        if item.subject_type_id and item.subject_id:
            by_type[item.subject_type_id].add(item.subject_id)
    records: dict[tuple[int, int], models.Model] = {}
    for type_id, keys in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None or not hasattr(model._default_manager, "restrict"):
            continue
        seen = visibility.visible(model, keys)
        for record in model._default_manager.filter(pk__in=seen):
            records[(type_id, record.pk)] = record
    labels = {}
    for item in items:
        if not (item.subject_type_id and item.subject_id):
            labels[item.pk] = NO_SUBJECT
            continue
        found = records.get((item.subject_type_id, item.subject_id))
        if found is None:
            labels[item.pk] = SubjectLabel(str(HIDDEN_LABEL), hidden=True)
        else:
            labels[item.pk] = SubjectLabel(str(found), record_url(found))
    return labels
