"""API of the followups area: `/api/follow-ups/` (list, read, set; `complete`, `forward`,
`postpone`, `cancel`) and `/api/follow-up-rules/` (administrators; `preview`). Reads through
`restrict`, writes through the services, keyset pages, field errors as JSON."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tawasul.contacts.models import Contact
from tawasul.core.api import CleanCharField, CleanTextField, ModelSerializer, RestrictedViewSetMixin
from tawasul.org.api import ScopedPrimaryKeyRelatedField
from tawasul.org.models import Employee

from .choices import Channel
from .followups_filtersets import FollowUpFilterSet, FollowUpRuleFilterSet
from .followups_generator import rule_preview
from .followups_rules import follow_up_rule_delete, follow_up_rule_save
from .followups_selectors import label_follow_ups
from .followups_services import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    follow_up_forward,
    follow_up_postpone,
)
from .models import FollowUp, FollowUpRule, MessageTemplate

ACTIONS = ("complete", "forward", "postpone", "cancel")


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up as the caller may see it: the record it is about is named (and its contact
    given) only if the caller may view it."""

    subject = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "purpose",
            "channel",
            "status",
            "due_at",
            "due_on",
            "assignee",
            "set_by",
            "rule",
            "source",
            "outcome",
            "completed_at",
            "next",
            "subject",
            "contact",
            "created_at",
        ]
        read_only_fields = fields

    def _label(self, obj):
        label = getattr(obj, "subject_label", None)
        if label is None:
            label_follow_ups(self.context["request"].user, [obj])
            label = obj.subject_label
        return label

    def get_subject(self, obj) -> dict:
        label = self._label(obj)
        return {"label": label.label, "url": label.url, "hidden": label.hidden}

    def get_contact(self, obj) -> int | None:
        return None if self._label(obj).hidden else obj.contact_id


class FollowUpCreateSerializer(serializers.Serializer):
    assignee = ScopedPrimaryKeyRelatedField(model=Employee)
    due_at = serializers.DateTimeField()
    purpose = CleanCharField(max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices)
    contact = ScopedPrimaryKeyRelatedField(model=Contact, required=False, allow_null=True)


class CompleteSerializer(serializers.Serializer):
    outcome = CleanTextField()
    next_due_at = serializers.DateTimeField(required=False, allow_null=True)
    next_purpose = CleanCharField(max_length=300, required=False, allow_blank=True)
    next_channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True
    )


class FollowUpForwardSerializer(serializers.Serializer):
    to = ScopedPrimaryKeyRelatedField(model=Employee)
    instruction = CleanTextField(max_length=500)


class PostponeSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    remark = CleanCharField(max_length=500)


class CancelSerializer(serializers.Serializer):
    remark = CleanCharField(max_length=500, required=False, allow_blank=True)


def _rekey(exc: ValidationError, aliases: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({aliases.get(k, k): v for k, v in exc.message_dict.items()})


class FollowUpViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-ups the caller may see; set one with POST; act on one with its actions (each
    needs the right to change it: 404 otherwise)."""

    queryset = FollowUp.objects.all()
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet
    ordering_fields = ["due_at", "created_at", "id"]
    ordering = "due_at"

    @property
    def access_action(self):
        return "change" if getattr(self, "action", None) in ACTIONS else None

    def get_serializer_class(self):
        return {
            "create": FollowUpCreateSerializer,
            "complete": CompleteSerializer,
            "forward": FollowUpForwardSerializer,
            "postpone": PostponeSerializer,
            "cancel": CancelSerializer,
        }.get(getattr(self, "action", None), FollowUpSerializer)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            label_follow_ups(self.request.user, page)
        return page

    def _answer(self, follow_up, code=status.HTTP_200_OK) -> Response:
        follow_up = FollowUp.objects.get(pk=follow_up.pk)
        label_follow_ups(self.request.user, [follow_up])
        return Response(
            FollowUpSerializer(follow_up, context=self.get_serializer_context()).data, status=code
        )

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=FollowUpCreateSerializer, responses=FollowUpSerializer)
    def create(self, request, *args, **kwargs):
        data = self._input(request)
        try:
            follow_up = follow_up_create(
                actor=request.user,
                assignee=data["assignee"],
                due_at=data["due_at"],
                purpose=data["purpose"],
                channel=data["channel"],
                record=data.get("contact"),
            )
        except ValidationError as exc:
            raise _rekey(exc, {"record": "contact"})
        return self._answer(follow_up, status.HTTP_201_CREATED)

    @extend_schema(request=CompleteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark done with the outcome; optionally set the next follow-up."""
        follow_up = self.get_object()
        data = self._input(request)
        follow_up = follow_up_complete(
            actor=request.user,
            follow_up=follow_up,
            outcome=data["outcome"],
            next_due_at=data.get("next_due_at"),
            next_purpose=data.get("next_purpose") or None,
            next_channel=data.get("next_channel") or None,
        )
        return self._answer(follow_up)

    @extend_schema(request=FollowUpForwardSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        """Hand it to another member of staff with an instruction."""
        follow_up = self.get_object()
        data = self._input(request)
        follow_up = follow_up_forward(
            actor=request.user, follow_up=follow_up, to=data["to"], instruction=data["instruction"]
        )
        return self._answer(follow_up)

    @extend_schema(request=PostponeSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def postpone(self, request, pk=None):
        """Move it to another due time (later than now), saying why."""
        follow_up = self.get_object()
        data = self._input(request)
        follow_up = follow_up_postpone(
            actor=request.user, follow_up=follow_up, due_at=data["due_at"], remark=data["remark"]
        )
        return self._answer(follow_up)

    @extend_schema(request=CancelSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel it."""
        follow_up = self.get_object()
        data = self._input(request)
        follow_up = follow_up_cancel(
            actor=request.user, follow_up=follow_up, remark=data.get("remark", "")
        )
        return self._answer(follow_up)


class FollowUpRuleSerializer(ModelSerializer):
    user = ScopedPrimaryKeyRelatedField(model=Employee, required=False, allow_null=True)
    template = ScopedPrimaryKeyRelatedField(model=MessageTemplate, required=False, allow_null=True)
    criteria = serializers.JSONField(required=False)
    days_of_month = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=31), required=False
    )

    class Meta:
        model = FollowUpRule
        fields = [
            "id",
            "name",
            "is_active",
            "criteria",
            "cadence",
            "interval_days",
            "days_of_month",
            "assign_to",
            "user",
            "channel",
            "template",
        ]


class FollowUpRuleViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """The company's follow-up rules; writes through `follow_up_rule_save`."""

    queryset = FollowUpRule.objects.select_related("user", "template")
    serializer_class = FollowUpRuleSerializer
    filterset_class = FollowUpRuleFilterSet
    ordering_fields = ["name", "id"]
    ordering = "name"

    def perform_create(self, serializer):
        serializer.instance = follow_up_rule_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = follow_up_rule_save(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        follow_up_rule_delete(actor=self.request.user, rule=instance)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "FollowUpRulePreview",
            {
                "matching": serializers.IntegerField(),
                "next": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """How many contacts the rule matches, and the next due dates of the first few (a
        contact the caller may not view is given without its key)."""
        rule = self.get_object()
        matching, rows = rule_preview(rule)
        visible = set(
            Contact.objects.restrict(request.user, "view")
            .filter(pk__in=[pk for pk, _due, _who in rows])
            .values_list("pk", flat=True)
        )
        return Response(
            {
                "matching": matching,
                "next": [
                    {
                        "contact": key if key in visible else None,
                        "due_on": due.isoformat(),
                        "assignee": who,
                    }
                    for key, due, who in rows
                ],
            }
        )


def register(router) -> None:
    router.register("follow-ups", FollowUpViewSet, basename="followup")
    router.register("follow-up-rules", FollowUpRuleViewSet, basename="followuprule")
