"""Forms of the automation area: message templates and automatic task rules (with their
conditions as rows)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from tawasul.access.registry import OPERATOR_LABELS
from tawasul.core import templating
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.org.forms import ScopedFormMixin
from tawasul.org.models import Employee

from .automation_services import ROLE, USER, operator_choices, operators_for
from .choices import TaskTarget
from .models import AutomaticTaskRule, MessageTemplate
from .triggers import Trigger, trigger_choices

# Values a condition row offers per field, at most (the first ones by name).
VALUES_SHOWN = 300


class MessageTemplateForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    """A template's name, kind and texts; the texts are checked by the service (line and
    reason at the text's field)."""

    kind = forms.ChoiceField(label=_("Kind of record"), choices=())

    class Meta:
        model = MessageTemplate
        fields = ["name", "kind", "subject_en", "body_en", "subject_ar", "body_ar", "is_active"]
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
            "body_ar": forms.Textarea(attrs={"rows": 8, "dir": "rtl", "lang": "ar"}),
            "subject_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", "---------"),
            *templating.kind_choices(),
        ]
        self.fields["kind"].widget.attrs["data-kind-picker"] = "1"


def employee_choices(user, company_id: int | None):
    """Active members of staff of the company the user may view, for a rule's named user."""
    employees = Employee.objects.restrict(user, "view").filter(is_active=True, user__is_active=True)
    if company_id is not None:
        employees = employees.filter(company_id=company_id)
    return employees.select_related("user").order_by("name", "pk")


def trigger_for(data, instance: AutomaticTaskRule | None, initial_event: str | None = None):
    """The trigger a rule form is about: the posted event, else the rule's, else the first."""
    from .triggers import get_trigger, triggers

    event = (data or {}).get("event") or initial_event or (instance.event if instance else "")
    trigger = get_trigger(event) if event else None
    if trigger is None:
        declared = triggers()
        trigger = declared[0] if declared else None
    return trigger


class AutomaticTaskRuleForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    """When (the event), for whom, due when and worded how; the conditions are the rows of
    `ConditionFormSet`. The choices are the trigger's: its people and the templates written
    for its record."""

    event = forms.ChoiceField(label=_("When"), choices=())
    target = forms.ChoiceField(label=_("Give the task to"), choices=())

    class Meta:
        model = AutomaticTaskRule
        fields = [
            "name",
            "event",
            "target",
            "target_user",
            "target_role",
            "due_in_days",
            "priority",
            "template",
            "is_active",
        ]

    def __init__(self, *args, trigger: Trigger | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.trigger = trigger
        cast(forms.ChoiceField, self.fields["event"]).choices = trigger_choices()
        people = trigger.people_choices() if trigger else []
        cast(forms.ChoiceField, self.fields["target"]).choices = [
            *people,
            (USER, TaskTarget.USER.label),
            (ROLE, TaskTarget.ROLE.label),
        ]
        company_id = (
            self.company_id_for_save() if self.instance.pk or self.fixed_company_id else None
        )
        cast(forms.ModelChoiceField, self.fields["target_user"]).queryset = employee_choices(
            self.user, company_id
        )
        self.fields["target_user"].help_text = _("When the task goes to a named user.")
        cast(forms.ModelChoiceField, self.fields["target_role"]).queryset = Group.objects.order_by(
            "name"
        )
        self.fields["target_role"].help_text = _(
            "When the task goes to everyone with a role: each gets their own task."
        )
        kinds = [
            kind.key
            for kind in templating.all_kinds()
            if trigger is not None and kind.model_label == trigger.model
        ]
        templates = MessageTemplate.objects.restrict(self.user, "view").filter(kind__in=kinds)
        if company_id is not None:
            templates = templates.filter(company_id=company_id)
        cast(forms.ModelChoiceField, self.fields["template"]).queryset = templates.order_by("name")
        self.fields["template"].help_text = _(
            "Its subject is the task's title, its body the task's description."
        )


class ConditionForm(forms.Form):
    """One condition: a field of the trigger's record, how to compare, and the values. Once a
    field is chosen (a change redraws the form), only its operators and values are offered."""

    field = forms.ChoiceField(label=_("Field"), choices=())
    operator = forms.ChoiceField(label=_("Is"), choices=())
    values = forms.MultipleChoiceField(label=_("Values"), choices=())

    def __init__(self, *args, trigger: Trigger | None = None, user=None, company_id=None, **kw):
        super().__init__(*args, **kw)
        decls = trigger.link_fields() if trigger else []
        cast(forms.ChoiceField, self.fields["field"]).choices = [("", "---------")] + [
            (decl.name, str(decl.label)) for decl in decls
        ]
        chosen = self.data.get(self.add_prefix("field")) if self.is_bound else None
        chosen = chosen or self.initial.get("field")
        decl = next((d for d in decls if d.name == chosen), None)
        if decl is not None:
            cast(forms.ChoiceField, self.fields["operator"]).choices = operator_choices(decl)
            cast(forms.ChoiceField, self.fields["values"]).choices = condition_values(
                decl, user, company_id
            )
        else:
            operators: dict[str, str] = {}
            if any("in" in operators_for(d) for d in decls):
                operators["in"] = str(OPERATOR_LABELS["in"])  # first: it fits most fields
            for other in decls:
                operators.update(operator_choices(other))
            cast(forms.ChoiceField, self.fields["operator"]).choices = list(operators.items())
            cast(forms.ChoiceField, self.fields["values"]).choices = []
            self.fields["values"].help_text = _("Choose the field first.")
        self.fields["values"].widget.attrs["size"] = 6

    def has_changed(self) -> bool:
        # A row without a field is an empty row, whatever its operator select posted.
        return bool(self.is_bound and self.data.get(self.add_prefix("field")))


def condition_values(decl, user, company_id) -> list[tuple[str, str]]:
    """The values a condition on `decl` offers: its choices, or the first records of its model
    the user may view in the company."""
    if decl.model is None:
        return [(str(value), str(label)) for value, label in decl.choices]
    manager: Any = decl.model._default_manager
    rows = manager.restrict(user, "view") if hasattr(manager, "restrict") else manager.all()
    if company_id is not None and any(f.name == "company" for f in decl.model._meta.get_fields()):
        rows = rows.filter(company_id=company_id)
    return [(str(row.pk), str(row)) for row in rows.order_by("pk")[:VALUES_SHOWN]]


class BaseConditionFormSet(forms.BaseFormSet):
    def __init__(self, *args, trigger=None, user=None, company_id=None, **kwargs):
        self.trigger, self.user, self.company_id = trigger, user, company_id
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"trigger": self.trigger, "user": self.user, "company_id": self.company_id}


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=BaseConditionFormSet, extra=1, can_delete=True
)


def conditions_initial(rule: AutomaticTaskRule | None) -> list[dict]:
    if rule is None:
        return []
    return [
        {
            "field": condition.get("field"),
            "operator": condition.get("operator"),
            "values": [str(value) for value in condition.get("values") or []],
        }
        for condition in rule.conditions or []
    ]
