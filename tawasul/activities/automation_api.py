"""API of the automation area: `/api/message-templates/` (with `preview`) and
`/api/automatic-task-rules/` (with `preview`); writes through the services, refusals as field
errors (a template's text errors carry their line)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group
from django.shortcuts import get_object_or_404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tawasul.core import templating
from tawasul.core.access import user_company_id
from tawasul.core.api import ModelSerializer, RestrictedViewSetMixin
from tawasul.org.api import ScopedPrimaryKeyRelatedField
from tawasul.org.models import Company, Employee

from . import automation_services as services
from .automation_filtersets import AutomaticTaskRuleFilterSet, MessageTemplateFilterSet
from .models import AutomaticTaskRule, MessageTemplate
from .triggers import get_trigger


class MessageTemplateSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company, required=False)

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "company",
            "name",
            "kind",
            "subject_en",
            "body_en",
            "subject_ar",
            "body_ar",
            "is_active",
        ]


class PreviewSerializer(serializers.Serializer):
    kind = serializers.CharField()
    subject_en = serializers.CharField(allow_blank=True, required=False, default="")
    body_en = serializers.CharField(allow_blank=True, required=False, default="")
    subject_ar = serializers.CharField(allow_blank=True, required=False, default="")
    body_ar = serializers.CharField(allow_blank=True, required=False, default="")
    record = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_KEY - 1
    )


def _record(model_label: str | None, user, pk):
    """The record to preview on, read through `restrict` (404 alike for missing and hidden)."""
    if not model_label:
        return None
    model = apps.get_model(model_label)
    return get_object_or_404(model._default_manager.restrict(user, "view"), pk=pk or 0)


def _company_fields(request, data: dict) -> dict:
    company = data.pop("company", None)
    company_id = company.pk if company is not None else user_company_id(request.user)
    if company_id is None:
        raise serializers.ValidationError({"company": ["This field is required."]})
    return {**data, "company_id": company_id}


class _ServiceWrites:
    service: Any = None  # the save service, set by each viewset

    def perform_create(self, serializer):
        fields = _company_fields(self.request, dict(serializer.validated_data))
        serializer.instance = type(self).service(actor=self.request.user, **fields)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("company", None)
        serializer.instance = type(self).service(
            actor=self.request.user, instance=serializer.instance, **fields
        )


class MessageTemplateViewSet(RestrictedViewSetMixin, _ServiceWrites, viewsets.ModelViewSet):
    """Message templates; `POST preview/` renders texts on a real record the user may view."""

    queryset = MessageTemplate.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
    serializer_class = MessageTemplateSerializer
    filterset_class = MessageTemplateFilterSet
    ordering_fields = ["name", "id"]
    ordering = "name"
    service = services.message_template_save

    def perform_destroy(self, instance):
        services.message_template_delete(actor=self.request.user, template=instance)

    @action(detail=False, methods=["post"], serializer_class=PreviewSerializer)
    def preview(self, request):
        """Each text rendered on `record` (English in English, Arabic in Arabic), or its errors
        with their lines."""
        data = PreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            kind = templating.get_kind(values["kind"])
        except LookupError:
            raise serializers.ValidationError({"kind": ["Unknown kind of record."]}) from None
        record = _record(kind.model_label, request.user, values.get("record"))
        previews = services.message_template_preview(
            user=request.user,
            kind=kind.key,
            texts={name: values.get(name, "") for name in services.TEXT_FIELDS},
            record=record,
        )
        return Response(
            {
                preview.field: {
                    "text": preview.text,
                    "errors": preview.errors,
                    "fallback": preview.fallback,
                }
                for preview in previews
            }
        )


class AutomaticTaskRuleSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company, required=False)
    target_user = ScopedPrimaryKeyRelatedField(model=Employee, required=False, allow_null=True)
    target_role = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), required=False, allow_null=True
    )
    template = ScopedPrimaryKeyRelatedField(model=MessageTemplate)
    conditions = serializers.JSONField(
        required=False,
        help_text='[{"field": "area", "operator": "in_subtree", "values": [3]}, ...]',
    )

    class Meta:
        model = AutomaticTaskRule
        fields = [
            "id",
            "company",
            "name",
            "is_active",
            "event",
            "conditions",
            "target",
            "target_user",
            "target_role",
            "due_in_days",
            "priority",
            "template",
        ]


class RulePreviewSerializer(serializers.Serializer):
    record = serializers.IntegerField(min_value=1, max_value=services.MAX_KEY - 1)


class AutomaticTaskRuleViewSet(RestrictedViewSetMixin, _ServiceWrites, viewsets.ModelViewSet):
    """Automatic task rules; `GET {id}/preview/?record={record id}` lists the tasks the rule would
    create for that record now."""

    queryset = AutomaticTaskRule.objects.select_related(  # access-ok: narrowed by the mixin
        "template", "target_user", "target_role"
    )
    serializer_class = AutomaticTaskRuleSerializer
    filterset_class = AutomaticTaskRuleFilterSet
    ordering_fields = ["name", "id"]
    ordering = "name"
    service = services.automatic_task_rule_save

    def perform_destroy(self, instance):
        services.automatic_task_rule_delete(actor=self.request.user, rule=instance)

    @action(detail=True, methods=["get"], serializer_class=RulePreviewSerializer)
    def preview(self, request, pk=None):
        rule = self.get_object()
        trigger = get_trigger(rule.event)
        if trigger is None:
            raise serializers.ValidationError({"event": ["This event has no trigger."]})
        query = RulePreviewSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        record = _record(trigger.model, request.user, query.validated_data["record"])
        planned = services.automatic_task_rule_preview(user=request.user, rule=rule, record=record)
        return Response(
            {
                "conditions_hold": services.conditions_hold(rule, trigger, record),
                "tasks": [
                    {
                        "assignee": task.assignee.pk,
                        "assignee_name": str(task.assignee),
                        "title": task.title,
                        "description": task.description,
                        "due_at": task.due_at,
                    }
                    for task in planned
                ],
            }
        )


def register(router) -> None:
    router.register("message-templates", MessageTemplateViewSet)
    router.register("automatic-task-rules", AutomaticTaskRuleViewSet)
