"""Forms of the access administration: record rules and their conditions, roles, portal accounts.

The forms only collect what the administrator typed; the services (`rule_save`, `role_save`,
`portal_account_create`) are the one judge of what is valid, and the views put their messages
back on the fields and condition rows.
"""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse, reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import CleanTextFormMixin, parse_ids
from tawasul.core.widgets import RemoteSelect, SearchableSelectMultiple

from .models import PortalAccount
from .registry import (
    CHOICE,
    OPERATOR_LABELS,
    OPERATORS,
    RELATIVE,
    TREE,
    Governed,
    all_governed,
    get_portal_subject,
    governed,
)
from .roles import PORTAL_ROLES, ROLE_LABELS, role_label
from .services import company_users, matrix_permissions, matrix_sections

# A link field with more values than this gets a select that asks the server as one types.
LONG_LIST = 300

# The registry's operator labels, spelled out here so that they reach the translation catalogue.
OPERATOR_TEXT = {
    "in": _("is one of"),
    "in_subtree": _("is within"),
    "any": _("includes any of"),
    "is_me": _("is me"),
    "is_me_or_team": _("is me or anyone in my reports-to tree"),
    "coordinated_by_me": _("is a representative I coordinate"),
    "is_my_branch": _("is my branch"),
    "represented_by_me": _("is represented by me or my team"),
}

ACTION_TEXT = {
    "view": _("View"),
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
    "approve": _("Approve"),
    "export": _("Export"),
    "assign": _("Assign"),
}

MATRIX_ACTIONS = ("view", "add", "change", "delete")


def operator_label(op: str) -> str:
    if op in OPERATOR_TEXT:
        return str(OPERATOR_TEXT[op])
    return gettext(OPERATOR_LABELS.get(op, op))


def action_label(action: str) -> str:
    return str(ACTION_TEXT.get(action, action))


def kind_label(entry: Governed) -> str:
    return capfirst(entry.model._meta.verbose_name_plural)


def user_label(user) -> str:
    employee = getattr(user, "employee", None)
    name = (
        employee.display_name if employee is not None else (user.get_full_name() or user.username)
    )
    return f"{name} ({user.username})"


# --- values of link fields -----------------------------------------------------------------


def _company_scoped(model, queryset, company_id):
    path = getattr(model, "access_company_path", "company")
    return queryset.filter(**{path: company_id}) if path else queryset


def value_labels(decl, objects) -> dict[int, str]:
    """Labels of link-field values: the tree path and level for areas, the code for staff."""
    objects = list(objects)
    if decl.kind == TREE:
        ancestor_ids = {
            int(part) for obj in objects for part in obj.path.strip("/").split("/") if part
        }
        # Names only: the path of a visible area may pass through areas outside one's rights.
        ancestors = decl.model._base_manager.filter(pk__in=ancestor_ids)  # access-ok: names
        names = {
            pk: (name_ar if _arabic() and name_ar else name)
            for pk, name, name_ar in ancestors.values_list("pk", "name", "name_ar")
        }
        labels = {}
        for obj in objects:
            chain = [names.get(int(p), "?") for p in obj.path.strip("/").split("/") if p]
            chain = chain or [str(obj)]
            level = obj.get_level_display() if hasattr(obj, "get_level_display") else ""
            labels[obj.pk] = " › ".join(chain) + (f" · {level}" if level else "")
    else:
        labels = {}
        for obj in objects:
            code = getattr(obj, "code", "")
            labels[obj.pk] = f"{obj} ({code})" if code else str(obj)
    for obj in objects:
        if getattr(obj, "is_active", True) is False:
            labels[obj.pk] += " · " + gettext("inactive")
    return labels


def _arabic() -> bool:
    return get_language() == "ar"


def value_queryset(decl, user, company_id):
    """The values of a link field the user may view, within the company."""
    model = decl.model
    manager = model._default_manager
    if not hasattr(manager, "restrict"):
        return model._default_manager.none()
    queryset = _company_scoped(model, manager.restrict(user, "view"), company_id)
    if decl.kind == TREE:
        queryset = queryset.order_by("path")
    return queryset


def value_choices(decl, user, company_id, selected) -> tuple[list[tuple[str, str]], bool]:
    """The options of a condition's values select, and whether the list is too long to render.

    Values already chosen but unknown (deleted, or typed by hand) stay in the list so that the
    page shows them beside the message that names them.
    """
    selected = [str(v) for v in selected or [] if str(v)]
    if decl.kind == CHOICE or decl.model is None:
        options = [(str(value), str(label)) for value, label in decl.choices]
        remote = False
    else:
        queryset = value_queryset(decl, user, company_id)
        rows = list(queryset[: LONG_LIST + 1])
        remote = len(rows) > LONG_LIST
        if remote:
            ids = parse_ids(selected)
            rows = list(queryset.filter(pk__in=ids)) if ids else []
        labels = value_labels(decl, rows)
        options = [(str(obj.pk), labels[obj.pk]) for obj in rows]
    known = {value for value, _label in options}
    options += [
        (v, gettext("%(value)s (unknown)") % {"value": v}) for v in selected if v not in known
    ]
    return options, remote


class AnyValueChoiceField(forms.ChoiceField):
    """A choice the rule service validates (so its message, not a generic one, is shown)."""

    def valid_value(self, value) -> bool:
        return True


class AnyValuesField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


# --- widgets for users ---------------------------------------------------------------------


class _UserOptionsMixin:
    """A remote select of users that shows the chosen ones as "Name (username)"."""

    def option_label(self, obj) -> str:
        return user_label(obj)


class UserSelect(_UserOptionsMixin, RemoteSelect):
    pass


class UserSelectMultiple(_UserOptionsMixin, forms.SelectMultiple):
    remote = True

    def __init__(self, url: str = "", attrs=None, **kwargs):
        attrs = {**(attrs or {}), "data-autocomplete-url": url, "class": "remote-select"}
        super().__init__(attrs=attrs, **kwargs)


def _users_url():
    return reverse_lazy("access:user_autocomplete")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return role_label(obj.name)


# --- record rules --------------------------------------------------------------------------


def governed_choices() -> list[tuple[str, str]]:
    return [(entry.key, kind_label(entry)) for entry in all_governed()]


class RuleForm(CleanTextFormMixin, forms.Form):
    """A record rule's own fields; its conditions come in `ConditionFormSet`."""

    name = forms.CharField(label=_("Name"), max_length=120)
    model = forms.ChoiceField(label=_("Kind of record"))
    actions = forms.MultipleChoiceField(
        label=_("Actions"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What the rule lets its holders do with the records it covers."),
    )
    role = RoleChoiceField(
        label=_("Grant to a role"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("— no role —"),
    )
    user = UserChoiceField(
        label=_("or to one user"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=UserSelect(_users_url()),
    )
    all_records = forms.BooleanField(
        label=_("All records of the company"),
        required=False,
        help_text=_("Grant every record of this kind, without conditions."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, company_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = governed_choices()
        # Portal accounts are confined by their contact, never by record rules.
        self.fields["role"].queryset = Group.objects.exclude(name__in=PORTAL_ROLES).order_by("name")
        self.fields["user"].queryset = company_users(user, company_id)
        self.entry = self.current_entry()
        actions = self.entry.actions if self.entry else ()
        self.fields["actions"].choices = [(a, action_label(a)) for a in actions]
        self.fields["actions"].widget.attrs["class"] = "form-check-input"
        self.fields["model"].widget.attrs.update(
            {
                "hx-get": reverse("access:rule_model_parts"),
                "hx-target": "#rule-model-parts",
                "hx-trigger": "change",
            }
        )

    def current_entry(self) -> Governed | None:
        if self.is_bound:
            key = self.data.get(self.add_prefix("model"))
        else:
            key = self.initial.get("model")
        if not key:
            entries = all_governed()
            return entries[0] if entries else None
        return governed(key)


class ConditionForm(CleanTextFormMixin, forms.Form):
    """One condition row: a declared link field, an operator for its kind, and values."""

    field = AnyValueChoiceField(label=_("Field"), required=False)
    operator = AnyValueChoiceField(label=_("Operator"), required=False)
    # Short lists are filtered on the page, by each option's comparison form (data-search).
    values = AnyValuesField(label=_("Values"), required=False, widget=SearchableSelectMultiple)
    shown_field = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, entry: Governed | None, user, company_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        fields = list(entry.fields.values()) if entry else []
        self.fields["field"].choices = [("", _("Choose a field…"))] + [
            (f.name, capfirst(f.label)) for f in fields
        ]
        name = self._current("field")
        self.decl = entry.fields.get(name) if entry and name else None
        operators = OPERATORS[self.decl.kind] if self.decl else []
        self.fields["operator"].choices = [(op, operator_label(op)) for op in operators]
        op = self._current("operator")
        if op not in operators:
            op = operators[0] if operators else ""
        if not self.is_bound:
            self.initial["operator"] = op
        self.operator_value = op
        self.relative = op in RELATIVE
        self.remote = False
        if self.decl is not None and not self.relative:
            options, remote = value_choices(self.decl, user, company_id, self._current_values())
            self.fields["values"].choices = options
            self.remote = remote
            widget = self.fields["values"].widget
            if remote:
                widget.remote = True
                widget.attrs.update(
                    {
                        "class": "remote-select",
                        "data-autocomplete-url": reverse(
                            "access:value_autocomplete", args=[entry.key, self.decl.name]
                        ),
                    }
                )
            else:
                widget.attrs["class"] = "searchable-select"
        refresh = {
            "hx-get": reverse("access:condition_row"),
            "hx-trigger": "change",
            "hx-target": f"#row-{self.prefix}",
            "hx-include": f"#row-{self.prefix}, #id_model",
            "hx-vals": json.dumps({"row": self.prefix}),
        }
        self.fields["field"].widget.attrs.update(refresh)
        self.fields["operator"].widget.attrs.update(refresh)

    def _current(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix(name)) or ""
        return self.initial.get(name) or ""

    def _current_values(self) -> list:
        if self.is_bound:
            key = self.add_prefix("values")
            getlist = getattr(self.data, "getlist", None)
            if getlist is not None:
                return getlist(key)
            value = self.data.get(key)
            return value if isinstance(value, list) else [value] if value else []
        return list(self.initial.get("values") or [])

    def condition(self) -> dict | None:
        """The condition as the rule service takes it; None for a blank or removed row."""
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("DELETE") or not data.get("field"):
            return None
        return {
            "field": data["field"],
            "operator": data.get("operator") or self.operator_value,
            "values": [] if self.relative else list(data.get("values") or []),
        }


class BaseConditionFormSet(forms.BaseFormSet):
    def conditions(self) -> tuple[list[dict], list[ConditionForm]]:
        """The conditions in the order the service will number them, with their rows."""
        conditions, rows = [], []
        for form in self.forms:
            condition = form.condition()
            if condition is not None:
                conditions.append(condition)
                rows.append(form)
        return conditions, rows


ConditionFormSet = forms.formset_factory(
    ConditionForm,
    formset=BaseConditionFormSet,
    extra=0,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def condition_initial(rule) -> list[dict]:
    return [
        {
            "field": c.field,
            "operator": c.operator,
            "values": [str(v) for v in c.values or []],
            "shown_field": c.field,
        }
        for c in rule.conditions.all()
    ]


class PreviewForm(forms.Form):
    """Whom to preview an unsaved rule as."""

    preview_user = UserChoiceField(
        label=_("Preview as"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=UserSelect(_users_url()),
    )

    def __init__(self, *args, user, company_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preview_user"].queryset = company_users(user, company_id)


# --- roles ---------------------------------------------------------------------------------


class RoleForm(CleanTextFormMixin, forms.Form):
    """A role (group): its name, its permissions as a matrix, and who holds it."""

    name = forms.CharField(label=_("Name"), max_length=150)
    permissions = forms.ModelMultipleChoiceField(
        label=_("Permissions"),
        queryset=Permission.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = UserMultipleChoiceField(
        label=_("Members"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=UserSelectMultiple(_users_url()),
        help_text=_("Staff of your company who hold this role."),
    )

    def __init__(self, *args, user, company_id, instance: Group | None = None, **kwargs):
        self.instance = instance
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "name": instance.name,
                "permissions": list(instance.permissions.values_list("pk", flat=True)),
                "members": list(
                    instance.user_set.filter(employee__company_id=company_id).values_list(
                        "pk", flat=True
                    )
                ),
            }
        super().__init__(*args, **kwargs)
        self.perms = list(matrix_permissions())
        self.fields["permissions"].queryset = matrix_permissions()
        self.fields["members"].queryset = company_users(user, company_id)
        self.company_id = company_id
        if instance is not None and instance.name in ROLE_LABELS:
            self.fields["name"].disabled = True
            self.fields["name"].help_text = _(
                "A default role keeps its name: the application refers to it."
            )

    def checked_ids(self) -> set[int]:
        if self.is_bound:
            raw = (
                self.data.getlist("permissions")
                if hasattr(self.data, "getlist")
                else (self.data.get("permissions") or [])
            )
            return set(parse_ids(raw))
        return {int(v) for v in self.initial.get("permissions") or []}

    def matrix(self) -> list[dict]:
        """Rows per kind of record, grouped by module: a checkbox per standard action, the rest
        listed apart; the groups and the other permissions' words are the modules' matrix
        sections (`registry.matrix_section`), in their order."""
        sections = {section.app_label: section for section in matrix_sections()}
        permission_text = {
            codename: text
            for section in sections.values()
            for codename, text in section.permission_labels.items()
        }
        checked = self.checked_ids()
        rows: dict[int, dict] = {}
        for perm in self.perms:
            content_type = perm.content_type
            model = content_type.model_class()
            if model is None:
                continue
            row = rows.setdefault(
                content_type.pk,
                {
                    "label": capfirst(model._meta.verbose_name_plural),
                    "app": content_type.app_label,
                    "cells": {action: None for action in MATRIX_ACTIONS},
                    "other": [],
                },
            )
            cell = {"pk": perm.pk, "checked": perm.pk in checked, "codename": perm.codename}
            action = next(
                (a for a in MATRIX_ACTIONS if perm.codename == f"{a}_{content_type.model}"), None
            )
            if action is not None:
                cell["label"] = action_label(action)
                row["cells"][action] = cell
            else:
                cell["label"] = str(permission_text.get(perm.codename, perm.name))
                row["other"].append(cell)
        groups: dict[str, dict] = {}
        for row in sorted(rows.values(), key=lambda r: str(r["label"])):
            row["cells"] = [row["cells"][action] for action in MATRIX_ACTIONS]
            label = sections[row["app"]].label if row["app"] in sections else row["app"]
            group = groups.setdefault(row["app"], {"label": label, "rows": []})
            group["rows"].append(row)
        order = list(sections)
        return sorted(groups.values(), key=lambda g: order.index(g["rows"][0]["app"]))


# --- portal accounts -----------------------------------------------------------------------


class PortalAccountForm(CleanTextFormMixin, forms.Form):
    """A sign-in for an external user, confined to one contact's records."""

    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=None,
        widget=RemoteSelect(),  # its URL is the portal subject's picker (`__init__`)
        help_text=_("The customer, dealer or agent whose records this account will see."),
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = RoleChoiceField(label=_("Portal role"), queryset=Group.objects.none(), empty_label=None)

    def __init__(self, *args, user, company_id, **kwargs):
        super().__init__(*args, **kwargs)
        contact_model = PortalAccount._meta.get_field("contact").related_model
        self.fields["contact"].queryset = contact_model.objects.restrict(user, "view").filter(
            company_id=company_id
        )
        subject = get_portal_subject()
        if subject is not None:
            self.fields["contact"].widget.attrs["data-autocomplete-url"] = subject.picker_url
        portal_roles = Group.objects.filter(name__in=PORTAL_ROLES).order_by("name")
        self.fields["role"].queryset = portal_roles
        self.fields["role"].initial = next(
            (g.pk for g in portal_roles if g.name == PORTAL_ROLES[0]), None
        )
