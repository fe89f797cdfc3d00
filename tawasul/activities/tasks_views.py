"""Task pages: the list (mine, I initiated, my team), the record page with its trail and
copies, the create/edit form, and the htmx actions (report progress, forward, cancel).

The action forms answer the fragment `activities/tasks/_actions.html` when asked by htmx, so
the dashboard can embed the same fragment (`task_actions_context`) and act in place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from tawasul.contacts.models import Contact
from tawasul.core.access import get_restricted_or_404, user_company_id
from tawasul.core.autocomplete import AutocompleteView
from tawasul.core.cleaning import parse_id
from tawasul.core.documents import allowed_verbs
from tawasul.core.edit import ServiceFormView
from tawasul.core.errors import apply_error
from tawasul.core.lists import EMPTY, Column, ListExport, ListPage, choice_label
from tawasul.core.records import Fact, RecordHeader, RecordView, Status
from tawasul.org.models import Employee

from .choices import TaskStatus
from .models import Task, TaskEvent
from .subjects import NO_SUBJECT, SubjectLabel, subject_labels
from .tasks_filtersets import TaskFilterSet
from .tasks_forms import ForwardForm, ReportForm, TaskForm, assignee_choices
from .tasks_services import (
    STATUS_VERBS,
    task_create,
    task_forward,
    task_report,
    task_update,
)

STATUS_CSS: dict[str, str] = {
    TaskStatus.OPEN: "text-bg-primary",
    TaskStatus.IN_PROGRESS: "text-bg-info",
    TaskStatus.WAITING: "text-bg-warning",
    TaskStatus.DONE: "text-bg-success",
    TaskStatus.CANCELLED: "text-bg-secondary",
}
status_label = choice_label(Task, "status")
priority_label = choice_label(Task, "priority")


def _local(moment) -> str:
    if moment is None:
        return EMPTY
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def status_badge(task: Task):
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_CSS.get(task.status, ""), status_label(task)
    )


def subject_html(label: SubjectLabel):
    """A task's record as the reader may see it: a link, or the hidden text without one."""
    if not label.label:
        return EMPTY
    if label.hidden:
        return format_html('<span class="text-secondary fst-italic">{}</span>', label.label)
    if label.url:
        return format_html('<a href="{}"><bdi>{}</bdi></a>', label.url, label.label)
    return format_html("<bdi>{}</bdi>", label.label)


def attach_subjects(user, tasks: list[Task]) -> list[Task]:
    """Give each task `subject` (a `SubjectLabel` for `user`) and, for a parent, `copy_count`
    (one query for the subjects' kinds and one for the parents' copies, whatever the rows)."""
    labels = subject_labels(user, tasks)
    parents = [t.pk for t in tasks if t.assignee_id is None and t.parent_id is None]
    counts: dict[int, int] = {}
    if parents:
        counts = dict(
            Task.objects.filter(parent_id__in=parents)
            .values_list("parent_id")
            .annotate(n=Count("pk"))
            .values_list("parent_id", "n")
        )
    for task in tasks:
        # Page-only attributes, read by the columns, templates and serializer.
        setattr(task, "subject", labels.get(task.pk, NO_SUBJECT))  # noqa: B010
        setattr(task, "copy_count", counts.get(task.pk, 0))  # noqa: B010
    return tasks


def assignee_text(task: Task) -> str:
    if task.assignee is None:
        count = getattr(task, "copy_count", 0)
        return _("%(n)s people") % {"n": count}
    return task.assignee.display_name


# --- the list -----------------------------------------------------------------------------


def _title_cell(task: Task):
    url = reverse("activities:task_detail", args=[task.pk])
    return format_html('<a href="{}"><bdi>{}</bdi></a>', url, task.title)


COLUMNS = [
    Column(
        "title",
        gettext_lazy("Title"),
        cell=_title_cell,
        primary=True,
        th_class="col-name",
        title=lambda t: t.title,
        width=40,
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        cell=status_badge,
        value=status_label,
        th_class="col-badge",
    ),
    Column("priority", gettext_lazy("Priority"), cell=priority_label, value=priority_label),
    Column(
        "due_at",
        gettext_lazy("Due"),
        cell=lambda t: format_html("<bdi>{}</bdi>", _local(t.due_at)),
        value=lambda t: _local(t.due_at),
        sort="due_at",
        td_class="text-nowrap",
    ),
    Column(
        "assignee",
        gettext_lazy("Assignee"),
        cell=lambda t: format_html("<bdi>{}</bdi>", assignee_text(t)),
        value=assignee_text,
        th_class="col-person",
    ),
    Column(
        "initiator",
        gettext_lazy("Initiator"),
        cell=lambda t: format_html(
            "<bdi>{}</bdi>", t.initiator.display_name if t.initiator else _("System")
        ),
        value=lambda t: t.initiator.display_name if t.initiator else _("System"),
        th_class="col-person col-wide-only",
        td_class="col-wide-only",
    ),
    Column(
        "subject",
        gettext_lazy("About"),
        cell=lambda t: subject_html(t.subject),
        value=lambda t: t.subject.label,
        th_class="col-wide-only",
        td_class="col-wide-only",
    ),
]


class TaskListView(ListPage):
    """The tasks the user may see, with the views mine / I initiated / my team (`scope`)."""

    permission_required = "activities.view_task"
    title = gettext_lazy("Tasks")
    list_key = "tasks"
    list_url_name = "activities:task_list"
    filterset_class = TaskFilterSet
    columns = COLUMNS
    sorts = {"created_at": gettext_lazy("Created")}
    default_sort = "due_at"
    export_url_name = "activities:task_export"
    export_permission = "activities.view_task"
    export_action = "view"
    create_url_name = "activities:task_create"
    create_label = gettext_lazy("New task")
    create_id = "new-task"
    add_permission = "activities.add_task"
    empty_icon = "bi-check2-square"
    empty_text = gettext_lazy("No tasks yet.")
    empty_filtered_text = gettext_lazy("No tasks match these filters.")
    empty_add_label = gettext_lazy("Give someone a task")

    def base_queryset(self, action="view"):
        return Task.objects.restrict(self.request.user, action).select_related(
            "assignee", "initiator"
        )

    def prepare_rows(self, rows):
        return attach_subjects(self.request.user, rows)

    def row_name(self, row):
        return row.title


class TaskExportView(ListExport):
    """The filtered (or ticked) tasks as CSV or XLSX, with the list's columns; a record the
    reader may not view is "(not visible to you)" there too."""

    permission_required = "activities.view_task"
    list_page = TaskListView
    filename = "tasks"

    def export_rows(self, queryset, columns) -> Iterator[list]:
        chunk: list[Task] = []
        for task in queryset.iterator(chunk_size=500):
            chunk.append(task)
            if len(chunk) == 500:
                yield from self._rows(chunk, columns)
                chunk = []
        yield from self._rows(chunk, columns)

    def _rows(self, tasks, columns):
        for task in attach_subjects(self.request.user, tasks):
            yield [c.read(task) for c in columns]


# --- the record page ----------------------------------------------------------------------


def task_permissions(user, task: Task) -> dict[str, bool]:
    """What `user` may do on `task` now (by status, guards and rights): the buttons shown."""
    if not user.has_perm("activities.change_task"):
        return {"report": False, "forward": False, "edit": False, "cancel": False}
    if not Task.objects.restrict(user, "change").filter(pk=task.pk).exists():
        return {"report": False, "forward": False, "edit": False, "cancel": False}
    verbs = set(allowed_verbs(task, user))
    return {
        "report": bool(report_statuses(task, user)),
        "forward": not task.can_forward(user),
        "edit": not task.can_update(user) and task.is_open,
        "cancel": "cancel" in verbs,
    }


def report_statuses(task: Task, user) -> list[tuple[str, Any]]:
    """The statuses the report form offers: the current one (a remark) and those a verb the
    user may take leads to."""
    verbs = set(allowed_verbs(task, user))
    offered = []
    for value, label in TaskStatus.choices:
        if value == task.status and task.is_open and not task.can_report(user):
            offered.append((value, label))
        elif STATUS_VERBS[TaskStatus(value)] in verbs and value != TaskStatus.CANCELLED:
            offered.append((value, label))
    return offered


def task_actions_context(request, task: Task, *, report_form=None, forward_form=None) -> dict:
    """The context of `activities/tasks/_actions.html` (see that template)."""
    user = request.user
    can = task_permissions(user, task)
    report_form = report_form or ReportForm(initial={"status": task.status})
    report_form.fields["status"].choices = report_statuses(task, user)
    return {
        "task": task,
        "can": can,
        "report_form": report_form,
        "forward_form": forward_form or ForwardForm(user=user),
        "target_id": f"task-actions-{task.pk}",
        "report_url": reverse("activities:task_report", args=[task.pk]),
        "forward_url": reverse("activities:task_forward", args=[task.pk]),
        "edit_url": reverse("activities:task_update", args=[task.pk]),
    }


def trail(task: Task) -> list[dict]:
    """The task's steps, oldest first, with who and when; forwards name both people."""
    steps = list(
        TaskEvent.objects.filter(document=task)
        .select_related("actor__employee")
        .order_by("at", "pk")
    )
    ids = set()
    for step in steps:
        for key in ("from", "to"):
            value = step.data.get(key) if isinstance(step.data, dict) else None
            if isinstance(value, int):
                ids.add(value)
    names = {e.pk: e.display_name for e in Employee.objects.filter(pk__in=ids)}
    return [
        {
            "step": step,
            "verb": VERB_LABELS.get(step.verb, step.verb),
            "to_status": dict(TaskStatus.choices).get(step.to_status, step.to_status),
            "moved": step.from_status != step.to_status,
            "from_name": names.get(step.data.get("from")) if step.verb == "forward" else "",
            "to_name": names.get(step.data.get("to")) if step.verb == "forward" else "",
        }
        for step in steps
    ]


VERB_LABELS = {
    "created": gettext_lazy("Created"),
    "start": gettext_lazy("Started"),
    "wait": gettext_lazy("Waiting"),
    "done": gettext_lazy("Done"),
    "cancel": gettext_lazy("Cancelled"),
    "reopen": gettext_lazy("Reopened"),
    "progress": gettext_lazy("Progress"),
    "forward": gettext_lazy("Forwarded"),
    "updated": gettext_lazy("Edited"),
    "overdue": gettext_lazy("Overdue"),
    "escalated": gettext_lazy("Escalated"),
    "copies": gettext_lazy("Copies"),
}


class TaskDetailView(RecordView):
    """A task: its facts, its record (named only when visible), its copies, its trail and
    the actions the user may take."""

    model = Task
    permission_required = "activities.view_task"
    template_name = "activities/tasks/task_detail.html"
    timeline_tab = None

    def get_queryset(self):
        return Task.objects.select_related("assignee", "initiator", "parent")

    def header(self, task: Task) -> RecordHeader:
        setattr(task, "subject", subject_labels(self.request.user, [task])[task.pk])  # noqa: B010
        facts = [
            Fact(_("Due"), _local(task.due_at)),
            Fact(_("Priority"), priority_label(task)),
            Fact(
                _("Assignee"), task.assignee.display_name if task.assignee else _("Several people")
            ),
            Fact(_("Initiator"), task.initiator.display_name if task.initiator else _("System")),
        ]
        if task.completed_at:
            facts.append(Fact(_("Completed"), _local(task.completed_at)))
        return RecordHeader(
            name=task.title,
            status=Status(status_label(task), STATUS_CSS.get(task.status, "")),
            facts=facts,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        task = ctx["record"]
        copies = []
        if task.is_parent:
            copies = list(task.copies.select_related("assignee").order_by("pk"))
        parent = None
        if (
            task.parent_id
            and Task.objects.restrict(self.request.user, "view").filter(pk=task.parent_id).exists()
        ):
            parent = task.parent
        ctx.update(task_actions_context(self.request, task))
        ctx.update(
            subject=task.subject,
            copies=copies,
            parent=parent,
            trail=trail(task),
            overdue=task.is_open and task.overdue_notified_at is not None,
        )
        return ctx


# --- create and edit ----------------------------------------------------------------------


class TaskFormView(ServiceFormView):
    model = Task
    form_class = TaskForm
    template_name = "activities/tasks/task_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_restricted_or_404(
            Task.objects.select_related("assignee"),
            self.request.user,
            "change",
            pk=self.kwargs["pk"],
        )

    def build(self, data=None, files=None):
        parts = super().build(data, files)
        form = parts["form"]
        if data is None and self.object is None:
            contact_id = parse_id(self.request.GET.get("contact", ""))
            if (
                contact_id
                and Contact.objects.restrict(self.request.user, "view")
                .filter(pk=contact_id)
                .exists()
            ):
                form.initial["contact"] = contact_id
        return parts

    def save(self, parts):
        data = parts["form"].cleaned_data
        user = self.request.user
        if self.object is None:
            return task_create(
                actor=user,
                assignees=list(data["assignees"]),
                title=data["title"],
                due_at=data["due_at"],
                description=data["description"],
                priority=data["priority"],
                record=data.get("contact"),
            )
        return task_update(
            actor=user,
            task=self.object,
            title=data["title"],
            description=data["description"],
            due_at=data["due_at"],
            priority=data["priority"],
        )

    def success_message(self, record, *, created):
        if created:
            return _("Task “%(name)s” created.") % {"name": record.title}
        return _("Task “%(name)s” saved.") % {"name": record.title}

    def get_success_url(self, record):
        return reverse("activities:task_detail", args=[record.pk])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = (
            reverse("activities:task_detail", args=[self.object.pk])
            if self.object
            else reverse("activities:task_list")
        )
        return ctx


# --- actions (htmx fragments) -------------------------------------------------------------


class _TaskAction(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST-only: act on a task the user may change, answer the actions fragment (htmx) or go
    back to the task's page."""

    permission_required = "activities.change_task"
    http_method_names = ["post"]

    def task(self) -> Task:
        return get_restricted_or_404(
            Task.objects.select_related("assignee", "initiator"),
            self.request.user,
            "change",
            pk=self.kwargs["pk"],
        )

    def answer(self, task: Task, *, ok: bool, message: str = "", **forms_: Any):
        request = self.request
        if getattr(request, "htmx", None):
            task = Task.objects.select_related("assignee", "initiator").get(pk=task.pk)
            ctx = task_actions_context(request, task, **(forms_ if not ok else {}))
            ctx["message"] = message if ok else ""
            response = TemplateResponse(request, "activities/tasks/_actions.html", ctx)
            if ok:
                response["HX-Trigger"] = "task-changed"
            return response
        if ok:
            messages.success(request, message)
        else:
            errors = [e for form in forms_.values() for e in form.errors.values()]
            messages.error(request, " ".join(str(e[0]) for e in errors) or _("Nothing changed."))
        return redirect("activities:task_detail", pk=task.pk)


class TaskReportView(_TaskAction):
    def post(self, request, pk):
        task = self.task()
        form = ReportForm(request.POST)
        form.fields["status"].choices = [*TaskStatus.choices]
        if form.is_valid():
            try:
                task_report(
                    actor=request.user,
                    task=task,
                    status=form.cleaned_data["status"],
                    remark=form.cleaned_data["remark"],
                )
            except ValidationError as exc:
                apply_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not change this task."))
            else:
                return self.answer(task, ok=True, message=_("Progress reported."))
        return self.answer(task, ok=False, report_form=form)


class TaskForwardView(_TaskAction):
    def post(self, request, pk):
        task = self.task()
        form = ForwardForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                task_forward(
                    actor=request.user,
                    task=task,
                    to=form.cleaned_data["to"],
                    instruction=form.cleaned_data["instruction"],
                )
            except ValidationError as exc:
                apply_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not change this task."))
            else:
                return self.answer(task, ok=True, message=_("Task forwarded."))
        return self.answer(task, ok=False, forward_form=form)


class TaskAssigneeAutocomplete(AutocompleteView):
    """Whom the user may give a task to, as they type (active, with a user account)."""

    model = Employee

    def get_queryset(self):
        return assignee_choices(self.request.user)

    def label(self, employee) -> str:
        return f"{employee.display_name} ({employee.code})"


# --- what other pages embed -----------------------------------------------------------------


def record_tasks(user, record, *, limit: int = 20) -> list[Task]:
    """The tasks about `record` the user may see (top-level ones: a parent, not its copies),
    newest first, with their subjects and copy counts."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(record)
    rows = list(
        Task.objects.restrict(user, "view")
        .filter(subject_type=content_type, subject_id=record.pk, parent__isnull=True)
        .select_related("assignee", "initiator")
        .order_by("-created_at", "-pk")[:limit]
    )
    return attach_subjects(user, rows)


def record_tab(request, record):
    """The "Tasks" tab on a record's page (`registry.record_tab`): the tasks about it the
    user may see and a "New task" button prefilled with the record (contacts)."""
    from tawasul.core.records import Tab

    user = request.user
    if not user.has_perm("activities.view_task") or user_company_id(user) is None:
        return []
    rows = record_tasks(user, record)
    new_url = ""
    if user.has_perm("activities.add_task") and record._meta.label_lower == "contacts.contact":
        new_url = reverse("activities:task_create") + f"?contact={record.pk}"
    return [
        Tab(
            "tasks",
            gettext_lazy("Tasks"),
            count=len(rows),
            template="activities/tasks/_record_tab.html",
            context={"rows": rows, "new_url": new_url, "statuses": Counter(t.status for t in rows)},
        )
    ]
