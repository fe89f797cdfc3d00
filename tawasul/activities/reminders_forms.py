"""The reminder form: what, when (with the recurrence builder), for whom, and how it fires."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tawasul.contacts.models import Contact
from tawasul.core.access import user_company_id
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.forms import COMMON_TIMEZONES
from tawasul.core.timezones import zone_for
from tawasul.core.widgets import RemoteSelect, RemoteSelectMultiple, SearchableSelectMultiple
from tawasul.org.models import Employee

from .models import MessageTemplate, Reminder
from .reminders_recurrence import (
    AFTER_COUNT,
    DAY_OF_MONTH,
    ENDS,
    FREQUENCIES,
    MAX_COUNT,
    MAX_INTERVAL,
    MONTH_MODES,
    NEVER,
    ON_DATE,
    ONCE,
    WEEKDAYS,
    Recurrence,
    local_wall,
)
from .reminders_services import TEMPLATE_KIND, offered_roles

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class ReminderForm(CleanTextFormMixin, forms.Form):
    """A reminder's fields; `service_kwargs()` gives `reminder_save` its arguments."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.none(),
        label=_("Message template"),
        required=False,
        help_text=_("Words the message for each recipient, in their language."),
    )
    starts_at = forms.DateTimeField(
        label=_("First at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(tz, tz) for tz in COMMON_TIMEZONES],
        help_text=_("The first time and every repeat are read on this clock."),
    )
    frequency = forms.ChoiceField(label=_("Repeats"), choices=FREQUENCIES, initial=ONCE)
    interval = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=MAX_INTERVAL,
        initial=1,
        required=False,
        help_text=_("1: every day, week, month or year; 2: every other one; and so on."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Weekly: the days of the week (none: the first date's day)."),
    )
    month_mode = forms.ChoiceField(
        label=_("Monthly on"),
        choices=MONTH_MODES,
        initial=DAY_OF_MONTH,
        required=False,
        widget=forms.RadioSelect,
    )
    month_day = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Months without this day are skipped (the 31st skips April)."),
    )
    ends = forms.ChoiceField(label=_("Ends"), choices=ENDS, initial=NEVER, required=False)
    until = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(
        label=_("Ends after (times)"), min_value=1, max_value=MAX_COUNT, required=False
    )
    users = forms.ModelMultipleChoiceField(
        queryset=Employee.objects.none(),
        label=_("For"),
        required=False,
        widget=RemoteSelectMultiple(reverse_lazy("contacts:autocomplete", args=["employee"])),
        help_text=_("Nobody chosen: for you."),
    )
    roles = forms.ModelMultipleChoiceField(
        queryset=offered_roles(),
        label=_("And everyone with the roles"),
        required=False,
        widget=SearchableSelectMultiple(),
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        label=_("About the contact"),
        required=False,
        widget=RemoteSelect(reverse_lazy("contacts:autocomplete", args=["contact"])),
    )
    notify = forms.BooleanField(label=_("In-app notification"), required=False, initial=True)
    email = forms.BooleanField(label=_("E-mail"), required=False)
    create_task = forms.BooleanField(label=_("Create a task"), required=False)

    def __init__(self, *args, user, instance: Reminder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        company_id = user_company_id(user) or 0
        fields: dict[str, Any] = self.fields
        fields["template"].queryset = MessageTemplate.objects.filter(
            company_id=company_id, kind=TEMPLATE_KIND, is_active=True
        )
        fields["users"].queryset = (
            Employee.objects.restrict(user, "view")
            .filter(is_active=True, user__isnull=False, user__is_active=True)
            .select_related("user")
        )
        fields["contact"].queryset = Contact.objects.restrict(user, "view")
        if self.is_bound:
            return
        if instance is None:
            self.initial.setdefault("timezone", zone_for(user).key)
            return
        recurrence = Recurrence.from_rrule(
            instance.rrule, working_day_back=instance.working_day_back
        )
        rows = list(instance.recipients.all())
        self.initial.update(
            title=instance.title,
            body=instance.body,
            template=instance.template_id,
            starts_at=local_wall(instance.starts_at, ZoneInfo(instance.timezone)),
            timezone=instance.timezone,
            frequency=recurrence.frequency,
            interval=recurrence.interval,
            weekdays=list(recurrence.weekdays),
            month_mode=recurrence.month_mode,
            month_day=recurrence.month_day,
            ends=recurrence.ends,
            until=recurrence.until,
            count=recurrence.count,
            users=list(
                Employee.objects.filter(
                    user_id__in=[r.user_id for r in rows if r.user_id]
                ).values_list("pk", flat=True)
            ),
            roles=[r.role_id for r in rows if r.role_id],
            contact=instance.contact_id,
            notify=instance.notify,
            email=instance.email,
            create_task=instance.create_task,
        )

    def recurrence(self) -> Recurrence:
        data = self.cleaned_data
        return Recurrence(
            frequency=data["frequency"],
            interval=data.get("interval") or 1,
            weekdays=tuple(data.get("weekdays") or ()),
            month_mode=data.get("month_mode") or DAY_OF_MONTH,
            month_day=data.get("month_day"),
            ends=data.get("ends") or NEVER,
            until=data.get("until") if data.get("ends") == ON_DATE else None,
            count=data.get("count") if data.get("ends") == AFTER_COUNT else None,
        )

    def starts_at_in_zone(self) -> dt.datetime:
        """The typed first time, read on the chosen zone's clock (not the page's)."""
        typed = self.cleaned_data["starts_at"]
        if timezone.is_aware(typed):
            typed = timezone.make_naive(typed)
        return typed.replace(tzinfo=ZoneInfo(self.cleaned_data["timezone"]))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "template": data["template"],
            "starts_at": self.starts_at_in_zone(),
            "timezone": data["timezone"],
            "recurrence": self.recurrence(),
            "users": [e.user for e in data["users"]],
            "roles": list(data["roles"]),
            "record": data["contact"],
            "notify": data["notify"],
            "email": data["email"],
            "create_task": data["create_task"],
        }
