"""Template helpers shared by every module."""

from django import forms, template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field with Bootstrap classes, marked invalid when it has errors."""
    widget = field.field.widget
    if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return field.as_widget()  # a list of inputs; the template lays them out
    if isinstance(widget, (forms.CheckboxInput,)):
        css = "form-check-input"
    elif isinstance(widget, (forms.Select, forms.SelectMultiple)) and not getattr(
        widget, "remote", False
    ):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def query_without(context, key, value=None):
    """The current query string without one filter (or one value of a multi-valued filter)."""
    params = context["request"].GET.copy()
    params.pop("cursor", None)
    if value is None:
        params.pop(key, None)
    else:
        remaining = [v for v in params.getlist(key) if v != str(value)]
        params.setlist(key, remaining)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.filter
def is_single_checkbox(field) -> bool:
    widget = field.field.widget
    return isinstance(widget, forms.CheckboxInput)
