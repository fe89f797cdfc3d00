"""Filters shared by every module's FilterSets."""

import datetime

import django_filters as filters
from django import forms
from django.core.validators import EMPTY_VALUES

from .timezones import day_start


class LocalDateFilter(filters.DateFilter):
    """A calendar day compared with a timestamp, the day read in the user's time zone.

    The active zone is the user's (`zone_for`; pages, API and exports activate it), so a
    contact created at 23:30 UTC is "created on" the next day for a user in Riyadh. The day
    becomes a range of instants, which the timestamp's index can serve (`__date` cannot).
    `lookup_expr` is "gte" (from this day on) or "lte" (until the end of this day).
    """

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if self.lookup_expr == "gte":
            start = _instant(value)
            if start is None:  # before the first representable instant: every row
                return qs
            return self.get_method(qs)(**{f"{self.field_name}__gte": start})
        if self.lookup_expr == "lte":
            end = (
                _instant(value + datetime.timedelta(days=1)) if value < datetime.date.max else None
            )
            if end is None:
                return qs if value >= datetime.date(2000, 1, 1) else qs.none()
            return self.get_method(qs)(**{f"{self.field_name}__lt": end})
        raise ValueError(f"LocalDateFilter supports gte and lte, not {self.lookup_expr}")


def _instant(day: datetime.date) -> datetime.datetime | None:
    """Midnight of `day` in the active zone, in UTC; None when out of the representable range."""
    try:
        return day_start(day).astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        return None


class PanelForm(forms.Form):
    """A filter form whose iteration (a list page's filter panel) yields the fields named in
    `panel` only, in that order; every field still validates and filters (links and saved
    views use the others)."""

    panel: tuple[str, ...] = ()

    def __iter__(self):
        for name in self.panel or self.fields:
            yield self[name]


def panel_form(*names: str) -> type[PanelForm]:
    """The form class (`Meta.form`) of a FilterSet whose list page shows the filters `names`."""
    return type("PanelForm", (PanelForm,), {"panel": names})
