"""The one error path: a service's structured error read as items, on a form, in the API."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tawasul.core.errors import api_errors, apply_error, error_items, error_path, nest_error


class RowForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField()
    phone = forms.CharField(required=False)
    error_aliases = {"phones": "phone"}


class RecordForm(forms.Form):
    code = forms.CharField()


RowFormSet = forms.formset_factory(RowForm, extra=1, can_delete=True)


def _bound():
    data = {
        "code": "C-1",
        "persons-TOTAL_FORMS": "4",
        "persons-INITIAL_FORMS": "0",
        "persons-0-name": "Deleted",
        "persons-0-DELETE": "on",
        "persons-1-name": "Amal",
        "persons-2-name": "Badr",
        "persons-3-name": "",  # an empty extra row: not given to the service
    }
    form, formset = RecordForm(data), RowFormSet(data, prefix="persons")
    assert form.is_valid() and formset.is_valid()
    return form, formset


def test_error_items_read_paths_and_messages_in_order():
    exc = ValidationError(
        {
            "code": ["Taken.", "Too long."],
            "persons.1.phones": "Bad number.",
            "persons.0.__all__": "Whole row.",
            NON_FIELD_ERRORS: "Whole record.",
        }
    )
    assert error_items(exc) == [
        ("code", "Taken."),
        ("code", "Too long."),
        ("persons.1.phones", "Bad number."),
        ("persons.0", "Whole row."),
        ("", "Whole record."),
    ]
    assert error_items(ValidationError(["One.", "Two."])) == [("", "One."), ("", "Two.")]
    params = ValidationError("Row %(n)s.", params={"n": 3})
    assert error_items(ValidationError({"x": params})) == [("x", "Row 3.")]


def test_nest_error_puts_a_child_error_under_its_row():
    child = ValidationError({"name": "Required.", NON_FIELD_ERRORS: "Say something."})
    nested = nest_error(child, "persons", 2)
    assert error_items(nested) == [("persons.2.name", "Required."), ("persons.2", "Say something.")]
    assert error_items(nest_error(ValidationError("Bad."), "addresses", 0)) == [
        ("addresses.0", "Bad.")
    ]
    assert error_path("persons", 0, "phones") == "persons.0.phones"


def test_apply_error_reaches_the_field_of_the_live_row():
    form, formset = _bound()
    exc = ValidationError(
        {
            "code": "Taken.",
            # Index 1 among the rows given to the service: the deleted and the empty row are
            # not among them, so it is "Badr", the form at position 2.
            "persons.1.phones": "Bad number.",
            "persons.0.name": "Too short.",
            "persons.0.id": "Unknown id.",  # a hidden field: shown at the top of the row
            "persons.7.name": "Gone.",  # no such row: shown at the top of the page
            "persons": "Too many.",
            "dealer_profile.commission_rate": "Not allowed.",
            NON_FIELD_ERRORS: "Whole record.",
        }
    )
    apply_error(form, exc, {"persons": formset})
    assert form.errors["code"] == ["Taken."]
    assert formset.forms[2].errors["phone"] == ["Bad number."]
    assert formset.forms[1].errors["name"] == ["Too short."]
    assert formset.forms[1].non_field_errors() == ["Unknown id."]
    assert not formset.forms[0].errors and not formset.forms[3].errors
    assert formset.non_form_errors() == ["Too many."]
    assert form.non_field_errors() == ["Gone.", "Not allowed.", "Whole record."]


def test_apply_error_of_a_message_without_fields():
    form, formset = _bound()
    apply_error(form, ValidationError("Your account is not linked to a company."))
    assert form.non_field_errors() == ["Your account is not linked to a company."]


def test_api_errors_nest_as_drf_does():
    exc = ValidationError(
        {
            "code": "Taken.",
            "persons.1.phones": "Bad number.",
            "persons.1.name": "Required.",
            "addresses.0": "Say something.",
            "dealer_profile.commission_rate": "Not allowed.",
            NON_FIELD_ERRORS: "Whole record.",
        }
    )
    assert api_errors(exc) == {
        "code": ["Taken."],
        "persons": [{}, {"phones": ["Bad number."], "name": ["Required."]}],
        "addresses": [{"non_field_errors": ["Say something."]}],
        "dealer_profile": {"commission_rate": ["Not allowed."]},
        "non_field_errors": ["Whole record."],
    }
    assert api_errors(ValidationError("No.")) == {"non_field_errors": ["No."]}
    both = ValidationError({"persons": "Too many.", "persons.0.name": "Required."})
    assert api_errors(both) == {
        "persons": {"non_field_errors": ["Too many."], "0": {"name": ["Required."]}}
    }
