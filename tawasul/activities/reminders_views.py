"""Reminder pages: the list (mine: written by me or for me; administrators: the company's),
a reminder's page with its next occurrences and what fired, the form with the recurrence
builder, pausing and resuming, deleting."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from tawasul.core import clock
from tawasul.core.access import get_restricted_or_404
from tawasul.core.edit import ServiceDeleteView, ServiceFormView
from tawasul.core.lists import Column, ListPage, date_cell
from tawasul.core.records import RecordView

from .models import Reminder
from .reminders_filtersets import ReminderFilterSet
from .reminders_forms import ReminderForm
from .reminders_recurrence import describe, schedule_for
from .reminders_services import (
    can_change,
    for_user_q,
    is_reminder_admin,
    needs_attention_q,
    reminder_delete,
    reminder_save,
    reminder_set_active,
    visible_reminders,
)
from .subjects import subject_labels

PREVIEW = 5


def _title_cell(r: Reminder):
    return format_html(
        '<a href="{}"><bdi>{}</bdi></a>', reverse("activities:reminder_detail", args=[r.pk]), r
    )


def _state(r: Reminder) -> tuple[str, str]:
    if not r.is_active:
        return _("Paused"), "text-bg-secondary"
    if r.next_at is None:
        return _("Finished"), "text-bg-light"
    return _("Coming up"), "text-bg-primary"


def _state_cell(r: Reminder):
    label, css = _state(r)
    badge = format_html('<span class="badge {}">{}</span>', css, label)
    if getattr(r, "attention", False):
        badge = format_html(
            '{} <span class="badge text-bg-warning">{}</span>', badge, _("Needs attention")
        )
    return badge


class ReminderListView(ListPage):
    """Reminders I wrote or that are for me (administrators: every reminder of the company);
    "needs attention" lists those whose author or recipients were deactivated."""

    permission_required = "activities.view_reminder"
    filterset_class = ReminderFilterSet
    list_key = "reminders"
    list_url_name = "activities:reminder_list"
    title = gettext_lazy("Reminders")
    default_sort = "next_at"
    create_url_name = "activities:reminder_create"
    create_label = gettext_lazy("New reminder")
    add_permission = "activities.add_reminder"
    empty_icon = "bi-alarm"
    empty_text = gettext_lazy("No reminders yet.")
    empty_filtered_text = gettext_lazy("No reminders match these filters.")
    columns: ClassVar[list[Column]] = [
        Column(
            "next_at",
            gettext_lazy("Next"),
            cell=lambda r: date_cell(r.next_at),
            value=lambda r: r.next_at.isoformat() if r.next_at else "",
            sort="next_at",
            th_class="col-date",
        ),
        Column(
            "title",
            gettext_lazy("Title"),
            cell=_title_cell,
            primary=True,
            title=lambda r: r.title,
            sort="title",
            th_class="col-name",
        ),
        Column(
            "repeats",
            gettext_lazy("Repeats"),
            cell=lambda r: describe(r.rrule, working_day_back=r.working_day_back),
            value=lambda r: describe(r.rrule, working_day_back=r.working_day_back),
        ),
        Column(
            "author",
            gettext_lazy("Author"),
            cell=lambda r: format_html("<bdi>{}</bdi>", _person(r.author)),
            value=lambda r: _person(r.author),
            th_class="col-person",
        ),
        Column("state", gettext_lazy("State"), cell=_state_cell, value=lambda r: _state(r)[0]),
    ]

    def base_queryset(self, action: str = "view"):
        return visible_reminders(self.request.user, action).select_related("author__employee")

    def prepare_rows(self, rows: list) -> list:
        if rows:
            flagged = set(
                Reminder.objects.filter(pk__in=[r.pk for r in rows])
                .filter(needs_attention_q())
                .values_list("pk", flat=True)
            )
            for row in rows:
                row.attention = row.pk in flagged
        return rows

    def row_class(self, row) -> str:
        return "text-secondary" if not row.is_active or row.next_at is None else ""


def _person(user) -> str:
    employee = getattr(user, "employee", None)
    if employee is not None:
        return employee.display_name
    return user.get_username()


class ReminderDetailView(RecordView):
    """One reminder: when and how it repeats, its next occurrences in the reader's time zone,
    for whom, and the last occurrences that fired (with who was skipped)."""

    model = Reminder
    permission_required = "activities.view_reminder"
    template_name = "activities/reminders/detail.html"
    timeline_tab = None

    def get_queryset(self):
        user = self.request.user
        queryset = Reminder.objects.select_related("author__employee", "template")
        return queryset if is_reminder_admin(user) else queryset.filter(for_user_q(user))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        reminder = ctx["record"]
        user = self.request.user
        now = clock.now()
        upcoming: list = []
        if reminder.is_active and reminder.next_at is not None:
            schedule = schedule_for(reminder)
            upcoming = [reminder.next_at]
            for moment in schedule.occurrences(reminder.next_at):
                if len(upcoming) >= PREVIEW:
                    break
                upcoming.append(moment)
        recipients = list(reminder.recipients.select_related("user__employee", "role"))
        occurrences = list(reminder.occurrences.order_by("-due_at")[:10])
        skipped_ids = {pk for o in occurrences for pk in o.skipped}
        skipped_names = {
            u.pk: _person(u)
            for u in get_user_model().objects.filter(pk__in=skipped_ids).select_related("employee")
        }
        for occurrence in occurrences:
            occurrence.skipped_names = [
                skipped_names.get(pk, f"#{pk}") for pk in occurrence.skipped
            ]
        ctx.update(
            reminder=reminder,
            subject=subject_labels(user, [reminder]).get(reminder.pk),
            repeats=describe(reminder.rrule, working_day_back=reminder.working_day_back),
            upcoming=upcoming,
            recipients=recipients,
            author_name=_person(reminder.author),
            occurrences=occurrences,
            attention=Reminder.objects.filter(pk=reminder.pk).filter(needs_attention_q()).exists(),
            can_change=user.has_perm("activities.change_reminder") and can_change(user, reminder),
            can_delete=user.has_perm("activities.delete_reminder") and can_change(user, reminder),
            now=now,
        )
        return ctx


class _ReminderAccess:
    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        user = self.request.user
        return get_restricted_or_404(
            visible_reminders(user, "change"), user, "change", pk=self.kwargs["pk"]
        )


class ReminderFormView(_ReminderAccess, ServiceFormView):
    """Create or change a reminder through `reminder_save`."""

    model = Reminder
    form_class = ReminderForm
    template_name = "activities/reminders/form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "instance": self.object}

    def save(self, parts):
        return reminder_save(
            actor=self.request.user, reminder=self.object, **parts["form"].service_kwargs()
        )


class ReminderDeleteView(_ReminderAccess, ServiceDeleteView):
    model = Reminder
    success_url_name = "activities:reminder_list"
    consequence: Any = gettext_lazy(
        "It will not fire again, and what it fired is forgotten. Notifications and tasks it "
        "already made stay."
    )

    def get_object(self):
        user = self.request.user
        return get_restricted_or_404(
            visible_reminders(user, "delete"), user, "delete", pk=self.kwargs["pk"]
        )

    def delete(self, record):
        reminder_delete(actor=self.request.user, reminder=record)


class ReminderToggleView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: pause an active reminder, or resume a paused one (from the next occurrence)."""

    permission_required = "activities.change_reminder"

    def post(self, request, pk: int):
        user = request.user
        reminder = get_restricted_or_404(visible_reminders(user, "change"), user, "change", pk=pk)
        with transaction.atomic():
            reminder = reminder_set_active(
                actor=user, reminder=reminder, active=not reminder.is_active
            )
        if reminder.is_active:
            messages.success(request, _("Reminder resumed."))
        else:
            messages.success(request, _("Reminder paused."))
        return redirect(reminder.get_absolute_url())
