"""One error path from services to forms, the API and the import's row report.

A service refuses input by raising Django's `ValidationError` with a dict whose keys are field
paths, never a sentence to be parsed back:

- `"code"`: a field of the record;
- `"persons.1.phones"`: a row of a nested list (its name, the row's index among the rows the
  service was given, from 0) and a field of that row; deeper paths nest the same way;
- `"persons.1"`: the whole row; `NON_FIELD_ERRORS` (`"__all__"`), or a `ValidationError` made
  of a message or a list of messages, the whole record.

`error_items` reads such an error as (path, message) pairs (the import's row report turns each
path into a column); `apply_error` puts it on a form and its formsets, each message at its field
on its row; `api_errors` nests it as Django REST framework nests a serializer's errors, which
is what the API's exception handler (`tawasul.core.api.exception_handler`) answers.
"""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from rest_framework.settings import api_settings

ROW_SEPARATOR = "."


def error_path(*parts: str | int) -> str:
    """The path of a field in a nested row: `error_path("persons", 1, "phones")` is
    `"persons.1.phones"`. Empty parts are left out (`error_path("persons", 1, "")` is the row)."""
    return ROW_SEPARATOR.join(str(p) for p in parts if p != "")


def nest_error(exc: ValidationError, *prefix: str | int) -> ValidationError:
    """`exc` (a child record's own error, e.g. from its `full_clean`) re-keyed under the path of
    its row: `{"name": [...]}` under `("persons", 0)` becomes `{"persons.0.name": [...]}`, and an
    error of the whole child becomes the row's (`"persons.0"`). Codes and parameters are kept."""
    base = error_path(*prefix)
    if not hasattr(exc, "error_dict"):
        return ValidationError({base or NON_FIELD_ERRORS: exc.error_list})
    errors: dict[str, list[ValidationError]] = {}
    for key, items in exc.error_dict.items():
        path = base if key == NON_FIELD_ERRORS else error_path(base, key)
        errors.setdefault(path or NON_FIELD_ERRORS, []).extend(items)
    return ValidationError(errors)


def _clean_path(key: str) -> str:
    """The path of an error key: "" for the whole record; a trailing `__all__` names the row."""
    parts = [p for p in key.split(ROW_SEPARATOR) if p and p != NON_FIELD_ERRORS]
    return ROW_SEPARATOR.join(parts)


def _errors(exc: ValidationError) -> list[tuple[str, ValidationError]]:
    """Each single error of `exc` (with its code and parameters) and its path."""
    if not hasattr(exc, "error_dict"):
        return [("", error) for error in exc.error_list]
    return [(_clean_path(key), error) for key, errors in exc.error_dict.items() for error in errors]


def _text(error: ValidationError) -> str:
    return " ".join(error.messages)


def error_items(exc: ValidationError) -> list[tuple[str, str]]:
    """Each message of `exc` with its path, in the order raised: `[("persons.1.phones",
    "Enter a valid phone number."), ("", "...")]`; the path is "" for the whole record."""
    return [(path, _text(error)) for path, error in _errors(exc)]


def live_forms(formset: forms.BaseFormSet) -> list[forms.BaseForm]:
    """The rows of a valid, bound formset that a service is given, in order: those filled in
    and not marked for deletion. A service's row index `n` is the `n`th of these."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if data and not data.get("DELETE"):
            rows.append(form)
    return rows


def _label(form: forms.BaseForm, field: str) -> str:
    """What the user calls `field` of `form`: its form field's label, else its model field's."""
    if not field:
        return ""
    if field in form.fields:
        return str(form.fields[field].label or "")
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        return str(model._meta.get_field(field).verbose_name).capitalize() if model else ""
    except (LookupError, AttributeError):  # FieldDoesNotExist is a LookupError
        return ""


def _add(form: forms.BaseForm, field: str, error: ValidationError, aliases: dict) -> None:
    """`error` at `field` of `form`: at the field the form shows for it (`aliases`, then the
    form's own `error_aliases`, map a service's field to the form's, e.g. a person's `phones` to
    its `phone` box); a uniqueness error over several columns at the first of them the form
    shows; else at the top of the form, named by the field's label."""
    names = {**getattr(form, "error_aliases", {}), **aliases}
    target = names.get(field, field)
    if not (target in form.fields and not form.fields[target].widget.is_hidden):
        target = None
        if error.code in ("unique", "unique_together") and error.params:
            shown = [f for f in error.params.get("unique_check", ()) if f in form.fields]
            target = shown[0] if shown else None
    if target is not None:
        form.add_error(target, error)
        return
    label = _label(form, field) if "." not in field else ""
    for message in error.messages:
        form.add_error(None, f"{label}: {message}" if label else message)


def apply_error(
    form: forms.BaseForm,
    exc: ValidationError,
    formsets: dict[str, forms.BaseFormSet] | None = None,
    *,
    aliases: dict[str, str] | None = None,
) -> None:
    """Show a service's error on a bound, validated form and its formsets.

    `formsets` maps a path's first part to the formset that holds those rows (`{"persons":
    PersonFormSet}`); a path `persons.1.name` goes to the `name` field of the second of
    `live_forms(formsets["persons"])`, `persons.1` to that row's own errors, `persons` to the
    formset's. Anything else goes to the form's field of that name (`aliases`: service field ->
    form field), or, when the form shows no such field (or the row is not there), to the top of
    the form, so no message is ever lost.
    """
    formsets = formsets or {}
    aliases = aliases or {}
    for path, error in _errors(exc):
        head, _sep, rest = path.partition(ROW_SEPARATOR)
        formset = formsets.get(head)
        if formset is not None:
            if not rest:
                formset.non_form_errors().extend(error.messages)
                continue
            index, _sep, field = rest.partition(ROW_SEPARATOR)
            rows = live_forms(formset)
            if index.isdigit() and int(index) < len(rows):
                _add(rows[int(index)], field, error, {})
                continue
        _add(form, path, error, aliases)


def _as_lists(node: Any) -> Any:
    """Nodes whose keys are all row numbers become lists, a valid row being `{}` (as DRF)."""
    if not isinstance(node, dict):
        return node
    node = {key: _as_lists(value) for key, value in node.items()}
    if node and all(isinstance(key, int) for key in node):
        return [node.get(i, {}) for i in range(max(node) + 1)]
    return {str(key): value for key, value in node.items()}


def api_errors(exc: ValidationError, non_field_key: str | None = None) -> dict[str, Any]:
    """`exc` as the API's field errors, nested as DRF nests a serializer's: `persons.1.phones`
    becomes `{"persons": [{}, {"phones": ["..."]}]}`; an error of the whole record (or row) is
    under `non_field_key` (DRF's `NON_FIELD_ERRORS_KEY`, "non_field_errors", by default)."""
    if non_field_key is None:
        non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    tree: dict[Any, Any] = {}
    for path, message in error_items(exc):
        keys: list[Any] = [int(p) if p.isdigit() else p for p in path.split(ROW_SEPARATOR) if p]
        if not keys or isinstance(keys[-1], int):
            keys.append(non_field_key)
        node = tree
        for key in keys[:-1]:
            child = node.get(key)
            if isinstance(child, list):  # a field's own messages, and now errors inside it
                child = node[key] = {non_field_key: child}
            node = node.setdefault(key, {})
        leaf = node.setdefault(keys[-1], [])
        if isinstance(leaf, dict):
            leaf = leaf.setdefault(non_field_key, [])
        leaf.append(message)
    return _as_lists(tree)
