"""Forms of the task pages: create/edit, report progress, forward."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.contacts.models import Contact
from tawasul.core.access import user_company_id
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.widgets import RemoteSelect, RemoteSelectMultiple
from tawasul.org.models import Employee

from .choices import Priority, TaskStatus
from .tasks_services import assignable_employees

ASSIGNEES_URL = reverse_lazy("activities:task_assignee_autocomplete")
CONTACTS_URL = reverse_lazy("contacts:autocomplete", args=["contact"])


def assignee_choices(user):
    """Who the user may give a task to, offered in the pickers: active, with a user account."""
    return assignable_employees(user, user_company_id(user)).filter(
        user__isnull=False, user__is_active=True
    )


class DueField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TaskForm(CleanTextFormMixin, forms.Form):
    """A new task (with its assignees and the record it is about) or an edit of one."""

    title = forms.CharField(label=_("Title"), max_length=200)
    assignees: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Assign to"),
        queryset=Employee.objects.none(),
        widget=RemoteSelectMultiple(ASSIGNEES_URL),
        help_text=_("Several people: each gets their own copy of the task."),
    )
    due_at = DueField(label=_("Due"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    contact: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("About contact"),
        queryset=Contact.objects.none(),
        required=False,
        widget=RemoteSelect(CONTACTS_URL),
    )

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        if instance is not None:
            # An edit changes what the task says, not who does it or what it is about.
            del self.fields["assignees"]
            del self.fields["contact"]
            for name in ("title", "description", "priority"):
                self.fields[name].initial = getattr(instance, name)
            self.fields["due_at"].initial = instance.due_at
        else:
            self.fields["assignees"].queryset = assignee_choices(user)
            self.fields["contact"].queryset = Contact.objects.restrict(user, "view")


class ReportForm(CleanTextFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    remark = forms.CharField(label=_("Remark"), max_length=500, required=False)


class ForwardForm(CleanTextFormMixin, forms.Form):
    to: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Forward to"), queryset=Employee.objects.none(), widget=RemoteSelect(ASSIGNEES_URL)
    )
    instruction = forms.CharField(label=_("Instruction"), max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = assignee_choices(user)
