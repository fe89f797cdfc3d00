"""API of the reminders area: `/api/reminders/` (mine: written by me or for me; administrators:
the company's). Writes go through `reminder_save`, so refusals come back at the same field
names as on the page (`starts_at`, `until`, `users`...); keyset pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from tawasul.contacts.models import Contact
from tawasul.core.api import CleanCharField, CleanTextField, RestrictedViewSetMixin
from tawasul.core.timezones import as_zone
from tawasul.org.api import ScopedPrimaryKeyRelatedField

from .models import MessageTemplate, Reminder
from .reminders_filtersets import ReminderFilterSet
from .reminders_recurrence import (
    DAY_OF_MONTH,
    ENDS,
    FREQUENCIES,
    MONTH_MODES,
    NEVER,
    ONCE,
    Recurrence,
    describe,
)
from .reminders_services import (
    for_user_q,
    is_reminder_admin,
    reminder_delete,
    reminder_save,
)


class ReminderSerializer(serializers.ModelSerializer):
    """A reminder as its author, its recipients and administrators see it."""

    users = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    recurrence = serializers.SerializerMethodField()
    repeats = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = [
            "id",
            "title",
            "body",
            "template",
            "author",
            "starts_at",
            "timezone",
            "rrule",
            "working_day_back",
            "recurrence",
            "repeats",
            "next_at",
            "last_due_at",
            "fired_count",
            "users",
            "roles",
            "notify",
            "email",
            "create_task",
            "is_active",
            "needs_attention",
            "created_at",
        ]
        read_only_fields = fields

    def get_users(self, obj) -> list[int]:
        return sorted(r.user_id for r in obj.recipients.all() if r.user_id)

    def get_roles(self, obj) -> list[int]:
        return sorted(r.role_id for r in obj.recipients.all() if r.role_id)

    def get_recurrence(self, obj) -> dict[str, Any]:
        recurrence = Recurrence.from_rrule(obj.rrule, working_day_back=obj.working_day_back)
        return {
            "frequency": recurrence.frequency,
            "interval": recurrence.interval,
            "weekdays": list(recurrence.weekdays),
            "month_mode": recurrence.month_mode,
            "month_day": recurrence.month_day,
            "ends": recurrence.ends,
            "until": recurrence.until.isoformat() if recurrence.until else None,
            "count": recurrence.count,
        }

    def get_repeats(self, obj) -> str:
        return describe(obj.rrule, working_day_back=obj.working_day_back)


class ReminderWriteSerializer(serializers.Serializer):
    """What `reminder_save` takes. `starts_at` is read on the clock of `timezone` (default:
    yours) when it carries no offset."""

    title = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    body = CleanTextField(required=False, allow_blank=True, default="")
    template = ScopedPrimaryKeyRelatedField(
        model=MessageTemplate, required=False, allow_null=True, default=None
    )
    starts_at = serializers.DateTimeField()
    timezone = CleanCharField(max_length=64, required=False, allow_blank=True, default="")
    frequency = serializers.ChoiceField(choices=FREQUENCIES, required=False, default=ONCE)
    interval = serializers.IntegerField(required=False, default=1)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), required=False, default=list
    )
    month_mode = serializers.ChoiceField(choices=MONTH_MODES, required=False, default=DAY_OF_MONTH)
    month_day = serializers.IntegerField(required=False, allow_null=True, default=None)
    ends = serializers.ChoiceField(choices=ENDS, required=False, default=NEVER)
    until = serializers.DateField(required=False, allow_null=True, default=None)
    count = serializers.IntegerField(required=False, allow_null=True, default=None)
    users = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    roles = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    contact = ScopedPrimaryKeyRelatedField(
        model=Contact, required=False, allow_null=True, default=None
    )
    notify = serializers.BooleanField(required=False, default=True)
    email = serializers.BooleanField(required=False, default=False)
    create_task = serializers.BooleanField(required=False, default=False)


def _current(reminder: Reminder) -> dict[str, Any]:
    """A reminder's values as the write serializer names them (a PATCH starts from these)."""
    recurrence = Recurrence.from_rrule(reminder.rrule, working_day_back=reminder.working_day_back)
    rows = list(reminder.recipients.all())
    return {
        "title": reminder.title,
        "body": reminder.body,
        "template": reminder.template_id,
        "starts_at": reminder.starts_at.isoformat(),
        "timezone": reminder.timezone,
        "frequency": recurrence.frequency,
        "interval": recurrence.interval,
        "weekdays": list(recurrence.weekdays),
        "month_mode": recurrence.month_mode,
        "month_day": recurrence.month_day,
        "ends": recurrence.ends,
        "until": recurrence.until.isoformat() if recurrence.until else None,
        "count": recurrence.count,
        "users": [r.user_id for r in rows if r.user_id],
        "roles": [r.role_id for r in rows if r.role_id],
        "contact": reminder.contact_id,
        "notify": reminder.notify,
        "email": reminder.email,
        "create_task": reminder.create_task,
    }


class ReminderViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Reminders I wrote or that are for me; change and delete my own (administrators: the
    company's)."""

    queryset = Reminder.objects.prefetch_related("recipients")
    serializer_class = ReminderSerializer
    filterset_class = ReminderFilterSet
    ordering_fields = ["next_at", "title", "created_at", "id"]
    ordering = "next_at"

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if is_reminder_admin(user):
            return queryset
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return queryset.filter(for_user_q(user))
        return queryset.filter(author=user)

    def get_serializer_class(self):
        if getattr(self, "action", None) in ("create", "update", "partial_update"):
            return ReminderWriteSerializer
        return ReminderSerializer

    def _save(self, data: dict[str, Any], reminder: Reminder | None) -> Reminder:
        User = get_user_model()
        users = list(User.objects.filter(pk__in=data["users"]))
        if len(users) != len(set(data["users"])):
            raise ValidationError({"users": "Reminders are for active staff of your company only."})
        roles = list(Group.objects.filter(pk__in=data["roles"]))
        if len(roles) != len(set(data["roles"])):
            raise ValidationError({"roles": "Choose roles of staff only."})
        starts_at = data["starts_at"]
        zone = as_zone(data["timezone"]) if data["timezone"] else None
        typed = self.request.data.get("starts_at") if hasattr(self.request.data, "get") else None
        if zone is not None and typed and _naive(str(typed)):
            starts_at = starts_at.replace(tzinfo=None).replace(tzinfo=zone)
        recurrence = Recurrence(
            frequency=data["frequency"],
            interval=data["interval"],
            weekdays=tuple(data["weekdays"]),
            month_mode=data["month_mode"],
            month_day=data["month_day"],
            ends=data["ends"],
            until=data["until"],
            count=data["count"],
        )
        with transaction.atomic():
            return reminder_save(
                actor=self.request.user,
                reminder=reminder,
                title=data["title"],
                body=data["body"],
                template=data["template"],
                starts_at=starts_at,
                timezone=data["timezone"],
                recurrence=recurrence,
                users=users,
                roles=roles,
                record=data["contact"],
                notify=data["notify"],
                email=data["email"],
                create_task=data["create_task"],
            )

    def _answer(self, reminder: Reminder, code=status.HTTP_200_OK) -> Response:
        reminder = Reminder.objects.prefetch_related("recipients").get(pk=reminder.pk)
        return Response(
            ReminderSerializer(reminder, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=ReminderWriteSerializer, responses=ReminderSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ReminderWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return self._answer(self._save(serializer.validated_data, None), status.HTTP_201_CREATED)

    @extend_schema(request=ReminderWriteSerializer, responses=ReminderSerializer)
    def update(self, request, *args, **kwargs):
        reminder = self.get_object()
        data = request.data
        if kwargs.get("partial"):
            data = {**_current(reminder), **dict(request.data.items())}
        serializer = ReminderWriteSerializer(data=data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return self._answer(self._save(serializer.validated_data, reminder))

    def perform_destroy(self, instance):
        with transaction.atomic():
            reminder_delete(actor=self.request.user, reminder=instance)


def _naive(text: str) -> bool:
    """Whether an ISO date-time carries no offset ("2027-01-05T09:00")."""
    tail = text[10:]
    return not (tail.endswith("Z") or "+" in tail or tail.count("-") > 0)


def register(router) -> None:
    router.register("reminders", ReminderViewSet, basename="reminder")
