"""Template helpers shared by every module."""

import re

from django import forms, template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import conditional_escape, format_html, json_script
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from tawasul.core.text import browser_fold

register = template.Library()

# Text between the quotation marks our messages put around a record's name: “…” in English,
# «…» in Arabic.
_QUOTED = re.compile(r"([“«])([^”»<]+)([”»])")


@register.simple_tag
def text_fold_script():
    """The comparison form's folding as JSON for app.js (`core.text.browser_fold`)."""
    return json_script(browser_fold(), "text-fold")


@register.filter(is_safe=True)
def bdi(value):
    """Record data isolated from the translated text around it.

    A value's own direction decides how it reads, whatever the page's: "Al Bayan Hotels Co." in
    an Arabic page keeps its period at the end, a date after an Arabic label keeps its order.
    `<bdi>` takes its direction from its first strong letter and reads left to right when it has
    none (dates, numbers, codes). Use it wherever a record's value meets translated text.
    """
    if value is None:
        value = ""
    return format_html("<bdi>{}</bdi>", value)


@register.filter(is_safe=True)
def bdi_quoted(value):
    """A message with the names it quotes isolated (see `bdi`), for toasts and alerts."""
    escaped = conditional_escape(value)
    return mark_safe(_QUOTED.sub(r"\1<bdi>\2</bdi>\3", str(escaped)))


@register.filter
def other_name(record) -> str:
    """A bilingual record's name in the other language, when it has one that differs from the
    name shown (`display_name` shows the page's language, the other as fallback)."""
    shown = getattr(record, "display_name", "")
    for name in (getattr(record, "name_ar", ""), getattr(record, "name", "")):
        if name and name != shown:
            return name
    return ""


@register.filter
def person_name(user) -> str:
    """A user as colleagues know them: their employee name in the page's language, else the
    account's full name, else its user name."""
    if user is None or not getattr(user, "pk", None):
        return ""
    try:
        employee = user.employee
    except ObjectDoesNotExist:  # an account with no employee (a superuser, a portal user)
        employee = None
    if employee is not None:
        return employee.display_name
    return user.get_full_name() or user.username


@register.simple_tag(takes_context=True)
def list_state(context) -> str:
    """The list's state as its address holds it (filters, sort, columns), without the page
    position: what a saved view keeps."""
    params = context["request"].GET.copy()
    params.pop("cursor", None)
    return params.urlencode()


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
