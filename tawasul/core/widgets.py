"""Form widgets shared by every module."""

from django import forms


class RemoteSelectMixin:
    """A select whose options come from the server as the user types (Tom Select).

    Only the selected values are rendered, so a link to a table of a million rows costs one
    small query, and the autocomplete endpoint reads through the access entry point.
    """

    remote = True

    def __init__(self, url: str = "", attrs=None, **kwargs):
        attrs = {**(attrs or {}), "data-autocomplete-url": url, "class": "remote-select"}
        super().__init__(attrs=attrs, **kwargs)

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in (None, "")]
        groups = []
        if not self.allow_multiple_selected:
            groups.append((None, [self.create_option(name, "", "", not selected, 0)], 0))
        queryset = getattr(self.choices, "queryset", None)
        if selected and queryset is not None:
            try:
                objects = list(queryset.filter(pk__in=selected))
            except (ValueError, TypeError):
                objects = []
            for index, obj in enumerate(objects, start=1):
                option = self.create_option(name, str(obj.pk), self.option_label(obj), True, index)
                groups.append((None, [option], index))
        return groups

    def option_label(self, obj) -> str:
        return str(obj)


class RemoteSelect(RemoteSelectMixin, forms.Select):
    pass


class RemoteSelectMultiple(RemoteSelectMixin, forms.SelectMultiple):
    pass


class SearchableSelectMultiple(forms.SelectMultiple):
    """A short multi-select enhanced with Tom Select in the browser."""

    def __init__(self, attrs=None, **kwargs):
        super().__init__(attrs={**(attrs or {}), "class": "searchable-select"}, **kwargs)
