"""API of the tasks area: `/api/tasks/` (list, read, create, PATCH; `progress` and `forward`).
Reads through `restrict`, writes through the services, keyset pages, the list's FilterSet,
field errors as JSON."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tawasul.contacts.models import Contact
from tawasul.core.api import CleanCharField, CleanTextField, RestrictedViewSetMixin
from tawasul.org.api import ScopedPrimaryKeyRelatedField
from tawasul.org.models import Employee

from .choices import Priority, TaskStatus
from .models import Task
from .subjects import NO_SUBJECT
from .tasks_filtersets import TaskFilterSet
from .tasks_services import task_create, task_forward, task_report, task_update
from .tasks_views import attach_subjects

ACTIONS = ("progress", "forward")


class TaskSerializer(serializers.ModelSerializer):
    """A task as the caller may see it: the record it is about is named (and its contact
    given) only if the caller may view it."""

    subject = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    copy_count = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "due_at",
            "assignee",
            "initiator",
            "parent",
            "copy_count",
            "subject",
            "contact",
            "completed_at",
            "overdue_notified_at",
            "escalation_level",
            "created_at",
        ]
        read_only_fields = fields

    def _label(self, obj):
        if not hasattr(obj, "subject"):
            attach_subjects(self.context["request"].user, [obj])
        return getattr(obj, "subject", NO_SUBJECT)

    def get_subject(self, obj) -> dict:
        label = self._label(obj)
        return {"label": label.label, "url": label.url, "hidden": label.hidden}

    def get_contact(self, obj) -> int | None:
        return None if self._label(obj).hidden else obj.contact_id

    def get_copy_count(self, obj) -> int:
        self._label(obj)
        return getattr(obj, "copy_count", 0)


class TaskCreateSerializer(serializers.Serializer):
    assignees = ScopedPrimaryKeyRelatedField(model=Employee, many=True, allow_empty=False)
    title = CleanCharField(max_length=200)
    description = CleanTextField(required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField()
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    contact = ScopedPrimaryKeyRelatedField(model=Contact, required=False, allow_null=True)


class TaskUpdateSerializer(serializers.Serializer):
    title = CleanCharField(max_length=200, required=False)
    description = CleanTextField(required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    remark = CleanCharField(max_length=500, required=False, allow_blank=True, default="")


class TaskForwardSerializer(serializers.Serializer):
    to = ScopedPrimaryKeyRelatedField(model=Employee)
    instruction = CleanCharField(max_length=500)


def _rekey(exc: ValidationError, aliases: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({aliases.get(k, k): v for k, v in exc.message_dict.items()})


class TaskViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks the caller may see; create with POST (several assignees: a parent with copies);
    edit with PATCH; report progress and forward with the actions (each needs the right to
    change the task: 404 otherwise)."""

    queryset = Task.objects.select_related("assignee", "initiator")
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    ordering_fields = ["due_at", "created_at", "id"]
    ordering = "due_at"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def access_action(self):
        return "change" if getattr(self, "action", None) in ACTIONS else None

    def get_serializer_class(self):
        return {
            "create": TaskCreateSerializer,
            "partial_update": TaskUpdateSerializer,
            "update": TaskUpdateSerializer,
            "progress": ProgressSerializer,
            "forward": TaskForwardSerializer,
        }.get(getattr(self, "action", None), TaskSerializer)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_subjects(self.request.user, page)
        return page

    def _answer(self, task, code=status.HTTP_200_OK) -> Response:
        task = Task.objects.select_related("assignee", "initiator").get(pk=task.pk)
        attach_subjects(self.request.user, [task])
        return Response(
            TaskSerializer(task, context=self.get_serializer_context()).data, status=code
        )

    def _input(self, request, **kwargs):
        serializer = self.get_serializer(data=request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=TaskCreateSerializer, responses=TaskSerializer)
    def create(self, request, *args, **kwargs):
        data = self._input(request)
        try:
            task = task_create(
                actor=request.user,
                assignees=list(data["assignees"]),
                title=data["title"],
                description=data.get("description", ""),
                due_at=data["due_at"],
                priority=data["priority"],
                record=data.get("contact"),
            )
        except ValidationError as exc:
            raise _rekey(exc, {"record": "contact"})
        return self._answer(task, status.HTTP_201_CREATED)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer)
    def update(self, request, *args, **kwargs):
        task = self.get_object()
        data = self._input(request, partial=True)
        task = task_update(actor=request.user, task=task, **data)
        return self._answer(task)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(request=ProgressSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report progress: a new status (or the same with a remark)."""
        task = self.get_object()
        data = self._input(request)
        task = task_report(
            actor=request.user, task=task, status=data["status"], remark=data["remark"]
        )
        return self._answer(task)

    @extend_schema(request=TaskForwardSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        """Hand the task to another member of staff with an instruction."""
        task = self.get_object()
        data = self._input(request)
        task = task_forward(
            actor=request.user, task=task, to=data["to"], instruction=data["instruction"]
        )
        return self._answer(task)


def register(router) -> None:
    router.register("tasks", TaskViewSet, basename="task")
