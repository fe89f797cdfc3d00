"""Tasks in workflow: copies per assignee, a trail of steps, and automatic task rules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.core import clock
from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.documents import DocumentEvent, Transitions
from tawasul.core.models import TimeStampedModel

from ..choices import Priority, TaskStatus, TaskTarget
from .common import SubjectLink


class Task(ConstraintFieldErrors, Transitions, SubjectLink, TimeStampedModel):
    """Work one employee (`assignee`) does for another (`initiator`, None for the system).

    A task for several people is a parent with one copy each (`parent`); the parent closes when
    every copy is done. Every step (progress, forward) is a `TaskEvent` row."""

    constraint_error_fields = {"uniq_task_rule_origin": "origin_key"}

    STATUS_EVENT = "task.status_changed"
    TRANSITIONS = {
        "start": ({TaskStatus.OPEN, TaskStatus.WAITING}, TaskStatus.IN_PROGRESS),
        "wait": ({TaskStatus.OPEN, TaskStatus.IN_PROGRESS}, TaskStatus.WAITING),
        "done": ({TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING}, TaskStatus.DONE),
        "cancel": (
            {TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING},
            TaskStatus.CANCELLED,
        ),
        "reopen": ({TaskStatus.DONE, TaskStatus.CANCELLED}, TaskStatus.OPEN),
    }

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("parent task"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    initiator = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_initiated",
        verbose_name=_("initiator"),
    )
    assignee = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_assigned",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        "activities.AutomaticTaskRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("automatic rule"),
    )
    origin_key = models.CharField(max_length=120, blank=True, default="")
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["company", "assignee", "status", "due_at", "id"]),
            models.Index(fields=["company", "initiator", "status", "due_at", "id"]),
            models.Index(fields=["company", "due_at", "id"]),
            models.Index(fields=["company", "created_at", "id"]),
            models.Index(fields=["subject_type", "subject_id", "created_at"]),
            models.Index(fields=["status", "due_at"]),
            # The task list filtered by status and priority (index-only under the involvement
            # clause), and the dashboard's team summary (done this week by assignee).
            models.Index(fields=["company", "status", "priority", "due_at", "id"]),
            models.Index(fields=["company", "assignee", "status", "completed_at", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "origin_key"],
                condition=~models.Q(origin_key=""),
                name="uniq_task_rule_origin",
                violation_error_message=_("This rule already made a task for this event."),
                violation_error_code="uniq_task_rule_origin",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_parent(self) -> bool:
        """A task for several people: it has copies and no assignee of its own."""
        return self.assignee_id is None and self.parent_id is None and bool(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING)

    # --- guards (`core.documents`): None allows, a message refuses ---------------------------

    def _by(self, actor, *employee_ids) -> bool:
        """Whether `actor` is one of these employees (the system, None, always is)."""
        if actor is None:
            return True
        employee = getattr(actor, "employee", None) if getattr(actor, "pk", None) else None
        return employee is not None and employee.pk in employee_ids

    def can_report(self, actor, **data) -> str | None:
        if self.is_parent:
            return gettext("Each person reports on their own copy of this task.")
        if not self._by(actor, self.assignee_id):
            return gettext("Only the person the task is assigned to reports its progress.")
        return None

    can_start = can_wait = can_done = can_report

    def can_cancel(self, actor, **data) -> str | None:
        if self.is_parent:
            if not self._by(actor, self.initiator_id):
                return gettext("Only who gave the task may cancel it.")
            return None
        if not self._by(actor, self.assignee_id, self.initiator_id):
            return gettext("Only who gave the task or its assignee may cancel it.")
        return None

    def can_reopen(self, actor, **data) -> str | None:
        if self.is_parent:
            return gettext("A task for several people reopens when one of its copies does.")
        if not self._by(actor, self.assignee_id, self.initiator_id):
            return gettext("Only who gave the task or its assignee may reopen it.")
        return None

    def can_forward(self, actor, **data) -> str | None:
        if self.is_parent:
            return gettext("Each person forwards their own copy of this task.")
        if not self.is_open:
            return gettext("A closed task cannot be forwarded.")
        if not self._by(actor, self.assignee_id):
            return gettext("Only the person the task is assigned to may forward it.")
        return None

    def can_update(self, actor, **data) -> str | None:
        if actor is None or self._by(actor, self.initiator_id):
            return None
        if self._by(actor, self.assignee_id):
            return gettext("The assignee reports progress; who gave the task edits it.")
        return None

    def transition_locks(self, verb: str):
        """A copy moves with its parent locked (the parent's status follows the copies)."""
        return [Task(pk=self.parent_id)] if self.parent_id else []

    def apply_transition(self, *, verb, target, actor, data) -> None:
        self.status = target
        self.completed_at = clock.now() if target == TaskStatus.DONE else None
        self.save(update_fields=["status", "completed_at", "updated_at"])


class TaskEvent(DocumentEvent):
    """One step of a task's trail: a status report, a forward (data: from and to employee ids
    and the instruction), a reassignment; who and when."""

    document = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")

    class Meta(DocumentEvent.Meta):
        verbose_name = _("task step")
        verbose_name_plural = _("task steps")
        indexes = [models.Index(fields=["document", "at"])]


class TaskParticipant(ConstraintFieldErrors, models.Model):
    """Who takes part in a task (its initiator, and every assignee past and present): what the
    "involved" clause of the task's access reads, with the managers up each one's chain."""

    constraint_error_fields = {"uniq_task_participant": "employee"}

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="participants")
    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "employee"],
                name="uniq_task_participant",
                violation_error_message=_("This person already takes part in the task."),
                violation_error_code="uniq_task_participant",
            )
        ]
        indexes = [models.Index(fields=["employee", "task"])]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.employee_id}"


class AutomaticTaskRule(ConstraintFieldErrors, TimeStampedModel):
    """When `event` happens (a declared trigger) and `conditions` on the record's link fields
    hold, create a task for `target`, due in `due_in_days` working days, worded by `template`."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    event = models.CharField(_("when"), max_length=60)
    # [{"field": <link field of the trigger's model>, "operator": "in", "values": [...]}, ...]
    conditions = models.JSONField(_("only if"), default=list, blank=True)
    # "user", "role", or a key of the trigger's people ("representative", "actor_manager"...)
    target = models.CharField(_("for"), max_length=40, default=TaskTarget.REPRESENTATIVE)
    target_user = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    target_role = models.ForeignKey(
        "auth.Group",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role"),
    )
    due_in_days = models.PositiveSmallIntegerField(_("due in (working days)"), default=1)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    template = models.ForeignKey(
        "activities.MessageTemplate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("message template"),
    )

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {"uniq_automatic_task_rule_name": "name"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("automatic task rule")
        verbose_name_plural = _("automatic task rules")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="uniq_automatic_task_rule_name",
                violation_error_message=_("A rule with this name already exists."),
                violation_error_code="uniq_automatic_task_rule_name",
            )
        ]

    def __str__(self) -> str:
        return self.name
