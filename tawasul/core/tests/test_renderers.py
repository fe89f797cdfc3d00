"""The Python widget renderer writes exactly what Django's templates write."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import override

from tawasul.core.renderers import FastWidgetRenderer
from tawasul.core.widgets import RemoteSelectMultiple, SearchableSelectMultiple

CHOICES = [("", "---------"), ("a", "Alpha & <b>"), (1, "One"), ('x"y', mark_safe("<i>safe</i>"))]
GROUPED = [("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("Other", [(7, 1234)])]


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'Say "hi" <now>'}))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))
    number = forms.DecimalField()
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField()
    time = forms.TimeField()
    checked = forms.BooleanField(required=False)
    unchecked = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"x": False}))
    select = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED)
    multiple = forms.MultipleChoiceField(choices=CHOICES, widget=SearchableSelectMultiple)
    nullbool = forms.NullBooleanField()
    notes = forms.CharField(widget=forms.Textarea)
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)


DATA = {
    "text": "<script>alert('x')</script> & co",
    "search": "نور",
    "number": Decimal("1234.50"),
    "email": "a@b.example",
    "url": "https://example.com/?a=1&b=2",
    "password": "p&ss",
    "hidden": 'h"idden',
    "date": dt.date(2026, 11, 23),
    "when": dt.datetime(2026, 11, 23, 10, 30),
    "time": dt.time(9, 5),
    "checked": True,
    "unchecked": False,
    "select": 1,
    "grouped": 7,
    "multiple": ["a", 'x"y'],
    "nullbool": None,
    "notes": "line one\n<line two> & three",
    "empty_notes": "",
}


def _render(form, renderer):
    form.renderer = renderer
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize("bound", [False, True])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_same_html_as_the_templates(bound, language):
    with override(language):
        template_html = _render(
            Everything(DATA if bound else None, initial=DATA), DjangoTemplates()
        )
        fast_html = _render(Everything(DATA if bound else None, initial=DATA), FastWidgetRenderer())
    assert fast_html == template_html
    assert "&lt;script&gt;" in template_html["text"] or not bound


def test_widgets_with_their_own_templates_still_use_them():
    class Radios(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        boxes = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)

    form = Radios({"pick": "a", "boxes": ["a"]})
    assert _render(form, FastWidgetRenderer()) == _render(form, DjangoTemplates())
    assert 'type="radio"' in str(form["pick"])


@pytest.mark.django_db
def test_remote_select_renders_only_the_chosen_rows(company):
    from tawasul.org.models import Employee
    from tawasul.org.tests.factories import EmployeeFactory

    chosen = EmployeeFactory(company=company, name="Chosen & Co")
    EmployeeFactory(company=company, name="Not shown")

    class Pick(forms.Form):
        who = forms.ModelMultipleChoiceField(
            queryset=Employee.objects.all(), widget=RemoteSelectMultiple("/x/")
        )

    form = Pick({"who": [chosen.pk]})
    html = _render(form, FastWidgetRenderer())
    assert html == _render(form, DjangoTemplates())
    assert "Chosen &amp; Co" in html["who"] and "Not shown" not in html["who"]


def test_the_setting_uses_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgetRenderer)
