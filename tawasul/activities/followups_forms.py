"""Forms of the follow-up pages: set, complete, forward, postpone, cancel, and the rules."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.contacts.choices import Lifecycle
from tawasul.contacts.models import Contact
from tawasul.core.access import user_company_id
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.widgets import RemoteSelect, SearchableSelectMultiple
from tawasul.org.models import Employee

from .choices import Cadence, Channel
from .followups_rules import CRITERIA_FIELDS, offered_assignees, offered_templates
from .models import FollowUpRule

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _when(**attrs) -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format=DATETIME_FORMAT)


def _staff_field(user, label, *, required=True) -> forms.ModelChoiceField:
    """Active staff of the user's company that the user may see, picked as they type."""
    queryset = Employee.objects.restrict(user, "view").filter(
        is_active=True, user__isnull=False, user__is_active=True
    )
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        required=required,
        widget=RemoteSelect(reverse_lazy("contacts:autocomplete", args=["employee"])),
    )


class FollowUpForm(CleanTextFormMixin, forms.Form):
    """Set a follow-up: for whom, when, why, how, about which contact."""

    assignee = forms.ModelChoiceField(queryset=Employee.objects.none(), label=_("For"))
    due_at = forms.DateTimeField(label=_("Due"), widget=_when())
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        label=_("About the contact"),
        required=False,
        widget=RemoteSelect(reverse_lazy("contacts:autocomplete", args=["contact"])),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _staff_field(user, _("For"))
        self.fields["contact"].queryset = Contact.objects.restrict(user, "view")
        employee = getattr(user, "employee", None)
        if employee is not None and not self.is_bound:
            self.initial.setdefault("assignee", employee.pk)


class FollowUpCompleteForm(CleanTextFormMixin, forms.Form):
    """Done: the outcome, and optionally when to follow up next."""

    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))
    next_due_at = forms.DateTimeField(
        label=_("Next follow-up"),
        required=False,
        widget=_when(),
        help_text=_("Leave empty if no further follow-up is needed."),
    )
    next_purpose = forms.CharField(
        label=_("Next purpose"),
        max_length=300,
        required=False,
        help_text=_("Empty: the same purpose."),
    )
    next_channel = forms.ChoiceField(
        label=_("Next channel"),
        choices=[("", _("The same channel")), *Channel.choices],
        required=False,
    )

    def __init__(self, *args, user=None, follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)


class FollowUpForwardForm(CleanTextFormMixin, forms.Form):
    to = forms.ModelChoiceField(queryset=Employee.objects.none(), label=_("Forward to"))
    instruction = forms.CharField(
        label=_("Instruction"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"] = _staff_field(user, _("Forward to"))


class FollowUpPostponeForm(CleanTextFormMixin, forms.Form):
    due_at = forms.DateTimeField(label=_("New due time"), widget=_when())
    remark = forms.CharField(label=_("Why"), max_length=500)

    def __init__(self, *args, user=None, follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)


class FollowUpCancelForm(CleanTextFormMixin, forms.Form):
    remark = forms.CharField(label=_("Why"), max_length=500, required=False)

    def __init__(self, *args, user=None, follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)


class FollowUpRuleForm(CleanTextFormMixin, forms.ModelForm):
    """A rule: its name, the contacts it picks (one multi-select per criteria field), the
    cadence, who gets the follow-ups, the channel and the message template."""

    days_of_month = forms.TypedMultipleChoiceField(
        label=_("Days of the month"),
        choices=[(str(d), str(d)) for d in range(1, 32)],
        coerce=int,
        required=False,
        widget=SearchableSelectMultiple(),
        help_text=_("29, 30 and 31 fall on the last day of shorter months."),
    )

    class Meta:
        model = FollowUpRule
        fields = [
            "name",
            "is_active",
            "cadence",
            "interval_days",
            "days_of_month",
            "assign_to",
            "user",
            "channel",
            "template",
        ]

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        company_id = user_company_id(user)
        self.fields["user"].queryset = offered_assignees(company_id)
        self.fields["user"].required = False
        self.fields["template"].queryset = offered_templates(company_id)
        self.fields["template"].help_text = _(
            "Its subject becomes each follow-up's purpose; without one, the rule's name."
        )
        self.fields["interval_days"].help_text = _("For the two “every N days” cadences.")
        self.criteria_names = []
        current = (instance.criteria if instance is not None else {}) or {}
        for key, (model, label) in CRITERIA_FIELDS.items():
            name = f"criteria_{key}"
            self.criteria_names.append(name)
            if model is None:
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=Lifecycle.choices,
                    required=False,
                    widget=SearchableSelectMultiple(),
                )
            else:
                field = forms.ModelMultipleChoiceField(
                    label=label,
                    queryset=model._default_manager.filter(company_id=company_id),
                    required=False,
                    widget=SearchableSelectMultiple(),
                )
            self.fields[name] = field
            if not self.is_bound and key in current:
                self.initial[name] = current[key]
        if not self.is_bound and instance is not None:
            self.initial["days_of_month"] = [str(d) for d in instance.days_of_month or []]

    def criteria(self) -> dict:
        """The criteria as the rule stores them (keys of the chosen records)."""
        out = {}
        for key, (model, _label) in CRITERIA_FIELDS.items():
            values = self.cleaned_data.get(f"criteria_{key}") or []
            if values:
                out[key] = sorted(values) if model is None else sorted(v.pk for v in values)
        return out

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["days_of_month"] = self.cleaned_data.get("days_of_month") or []
        data["criteria"] = self.criteria()
        if data["cadence"] == Cadence.DAYS_OF_MONTH:
            data["interval_days"] = None
        return data
