"""Filters of the attachments and notes API: the record they belong to."""

import django_filters as filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import parse_id

from .models import Document, Note
from .selectors import parent_model


class _ParentFilterSet(filters.FilterSet):
    record_type = filters.CharFilter(
        method="filter_record_type", label=_("Kind of record (app_label.model)")
    )
    record_id = filters.CharFilter(method="filter_record_id", label=_("Record key"))

    def filter_record_type(self, queryset, name, value):
        model = parent_model(value)
        if model is None:
            return queryset.none()
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))

    def filter_record_id(self, queryset, name, value):
        key = parse_id(value)
        return queryset.none() if key is None else queryset.filter(object_id=key)


class DocumentFilterSet(_ParentFilterSet):
    class Meta:
        model = Document
        fields: list[str] = []


class NoteFilterSet(_ParentFilterSet):
    class Meta:
        model = Note
        fields: list[str] = []
