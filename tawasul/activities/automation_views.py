"""Pages of the automation area: message templates (with the placeholders of their kind and a
preview on a real record) and automatic task rules (with a preview of the tasks a rule would
create for a real record)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from tawasul.core import templating
from tawasul.core.access import get_restricted_or_404
from tawasul.core.edit import ServiceDeleteView, ServiceFormView, formset_rows
from tawasul.core.lists import Column, ListPage

from . import automation_services as services
from .automation_filtersets import AutomaticTaskRuleFilterSet, MessageTemplateFilterSet
from .automation_forms import (
    AutomaticTaskRuleForm,
    ConditionFormSet,
    MessageTemplateForm,
    conditions_initial,
    trigger_for,
)
from .models import AutomaticTaskRule, MessageTemplate
from .triggers import Trigger, get_trigger

RECORDS_OFFERED = 50  # records a preview's picker offers (the most recent the author may see)


def _kind_label(key: str) -> str:
    try:
        return str(templating.get_kind(key).label)
    except LookupError:
        return key


def _status_cell(row) -> str:
    if row.is_active:
        return format_html(
            '<span class="badge bg-success-subtle text-success-emphasis border">{}</span>',
            _("Active"),
        )
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Inactive"))


def _button_column(url_name: str, permission: str, icon: str, label) -> Column:
    def cell(row):
        return format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">'
            '<i class="bi bi-{} me-1" aria-hidden="true"></i>{}</a>',
            reverse(url_name, args=[row.pk]),
            icon,
            label,
        )

    return Column(
        f"{url_name}-button",
        label,
        cell=cell,
        th_class="col-badge",
        td_class="text-md-end",
        label_hidden=True,
        visible=lambda request: request.user.has_perm(permission),
        export=False,
    )


def _name_link(url_name: str):
    def cell(row):
        return format_html(
            '<a href="{}"><bdi>{}</bdi></a>', reverse(url_name, args=[row.pk]), row.name
        )

    return cell


def preview_records(model_label: str | None, user) -> list:
    """The records a preview offers: the most recent of the model the user may view."""
    if not model_label:
        return []
    model = apps.get_model(model_label)
    return list(model._default_manager.restrict(user, "view").order_by("-pk")[:RECORDS_OFFERED])


def picked_record(model_label: str | None, user, value) -> Any:
    """The record picked for a preview, read through `restrict` (None: none, or not one the
    user may view)."""
    if not model_label or not str(value or "").isdigit() or int(value) >= services.MAX_KEY:
        return None
    model = apps.get_model(model_label)
    return model._default_manager.restrict(user, "view").filter(pk=int(value)).first()


# --- message templates ---------------------------------------------------------------------


class MessageTemplateListView(ListPage):
    permission_required = "activities.view_messagetemplate"
    filterset_class = MessageTemplateFilterSet
    title = gettext_lazy("Message templates")
    list_key = "message_templates"
    list_url_name = "activities:message_template_list"
    search_field = "search"
    create_url_name = "activities:message_template_create"
    create_label = gettext_lazy("Add template")
    add_permission = "activities.add_messagetemplate"
    empty_icon = "bi-chat-square-text"
    empty_text = gettext_lazy(
        "No message templates yet. Templates word the tasks, follow-ups, reminders and "
        "notifications the system sends."
    )
    empty_add_label = gettext_lazy("Add the first template")
    columns: ClassVar[list[Column]] = [
        # The name links to the editor for those who may change templates (everyone on the
        # staff may read them).
        Column(
            "name",
            gettext_lazy("Name"),
            sort="name",
            primary=True,
            cell=_name_link("activities:message_template_update"),
            value=lambda row: row.name,
            title=lambda row: row.name,
            visible=lambda request: request.user.has_perm("activities.change_messagetemplate"),
        ),
        Column(
            "name",
            gettext_lazy("Name"),
            sort="name",
            primary=True,
            cell=lambda row: format_html("<bdi>{}</bdi>", row.name),
            value=lambda row: row.name,
            title=lambda row: row.name,
            visible=lambda request: not request.user.has_perm("activities.change_messagetemplate"),
        ),
        Column(
            "kind",
            gettext_lazy("Kind of record"),
            cell=lambda row: _kind_label(row.kind),
            value=lambda row: _kind_label(row.kind),
        ),
        Column("subject_en", gettext_lazy("Subject"), cell=lambda row: row.subject_en, width=40),
        Column("is_active", gettext_lazy("Status"), cell=_status_cell, th_class="col-badge"),
        _button_column(
            "activities:message_template_update",
            "activities.change_messagetemplate",
            "pencil",
            gettext_lazy("Edit"),
        ),
    ]
    export_action = "view"

    def base_queryset(self, action="view"):
        return MessageTemplate.objects.restrict(self.request.user, action)

    def row_name(self, row) -> str:
        return row.name


class MessageTemplateFormView(ServiceFormView):
    model = MessageTemplate
    form_class = MessageTemplateForm
    template_name = "activities/automation/template_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        kind_key = form["kind"].value() or (self.object.kind if self.object else "")
        ctx.update(kind_panel(kind_key, self.request.user))
        ctx["list_url"] = reverse("activities:message_template_list")
        ctx["can_delete"] = self.object is not None and self.request.user.has_perm(
            "activities.delete_messagetemplate"
        )
        return ctx

    def save(self, parts):
        form = parts["form"]
        fields = {name: form.cleaned_data[name] for name in form._meta.fields}
        if self.object is None:
            fields["company_id"] = form.company_id_for_save()
        return services.message_template_save(
            actor=self.request.user, instance=self.object, **fields
        )

    def get_success_url(self, record) -> str:
        return reverse("activities:message_template_list")


def kind_panel(kind_key: str, user) -> dict[str, Any]:
    """The placeholders of a kind and the records to preview it on."""
    try:
        kind = templating.get_kind(kind_key) if kind_key else None
    except LookupError:
        kind = None
    return {
        "kind": kind,
        "placeholders": kind.all_placeholders if kind else [],
        "records": preview_records(kind.model_label, user) if kind else [],
    }


class MessageTemplateKindPanelView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The editor's side panel for a kind (htmx, on a change of kind): its placeholders and
    the records to preview on."""

    permission_required = "activities.view_messagetemplate"
    template_name = "activities/automation/_kind_panel.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(kind_panel(self.request.GET.get("kind", ""), self.request.user))
        return ctx


class MessageTemplatePreviewView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A template's texts rendered on a real record the author may view (POST from the
    editor, htmx), English and Arabic; or a saved template's (GET `?template=<pk>`)."""

    permission_required = "activities.view_messagetemplate"
    template_name = "activities/automation/_template_preview.html"
    http_method_names = ["get", "post"]

    def texts(self, data) -> tuple[str, dict[str, str]]:
        if data.get("template"):
            template = get_restricted_or_404(
                MessageTemplate.objects.all(), self.request.user, "view", pk=data["template"]
            )
            return template.kind, {name: getattr(template, name) for name in services.TEXT_FIELDS}
        return data.get("kind", ""), {name: data.get(name, "") for name in services.TEXT_FIELDS}

    def answer(self, data):
        kind_key, texts = self.texts(data)
        try:
            kind = templating.get_kind(kind_key)
        except LookupError:
            return self.render_to_response({"error": _("Choose a kind of record first.")})
        record = picked_record(kind.model_label, self.request.user, data.get("record"))
        if kind.model_label and record is None:
            return self.render_to_response(
                {"error": _("Choose a record to preview the template on.")}
            )
        previews = services.message_template_preview(
            user=self.request.user, kind=kind.key, texts=texts, record=record
        )
        by_field = {preview.field: preview for preview in previews}
        return self.render_to_response(
            {
                "record": record,
                "sections": [
                    (by_field["subject_en"], by_field["body_en"], "en", _("English")),
                    (by_field["subject_ar"], by_field["body_ar"], "ar", _("Arabic")),
                ],
            }
        )

    def get(self, request, *args, **kwargs):
        return self.answer(request.GET)

    def post(self, request, *args, **kwargs):
        return self.answer(request.POST)


class MessageTemplateDeleteView(ServiceDeleteView):
    model = MessageTemplate
    success_url_name = "activities:message_template_list"
    consequence: Any = gettext_lazy("Rules, follow-up rules and reminders using it keep it.")

    def delete(self, record) -> None:
        services.message_template_delete(actor=self.request.user, template=record)

    def get_cancel_url(self, record) -> str:
        return reverse("activities:message_template_update", args=[record.pk])

    def get_breadcrumbs(self, record):
        return [
            (_("Message templates"), reverse("activities:message_template_list")),
            (str(record), self.get_cancel_url(record)),
        ]


# --- automatic task rules ------------------------------------------------------------------


def _event_label(event: str) -> str:
    trigger = get_trigger(event)
    return str(trigger.label) if trigger else event


def _target_label(rule: AutomaticTaskRule) -> str:
    if rule.target == services.USER:
        return str(rule.target_user) if rule.target_user_id else ""
    if rule.target == services.ROLE:
        return str(rule.target_role) if rule.target_role_id else ""
    trigger = get_trigger(rule.event)
    if trigger and rule.target in trigger.people:
        return str(trigger.people[rule.target][0])
    return rule.target


class AutomaticTaskRuleListView(ListPage):
    permission_required = "activities.view_automatictaskrule"
    filterset_class = AutomaticTaskRuleFilterSet
    title = gettext_lazy("Automatic task rules")
    list_key = "automatic_task_rules"
    list_url_name = "activities:automatic_task_rule_list"
    search_field = "search"
    create_url_name = "activities:automatic_task_rule_create"
    create_label = gettext_lazy("Add rule")
    add_permission = "activities.add_automatictaskrule"
    empty_icon = "bi-lightning-charge"
    empty_text = gettext_lazy(
        "No automatic task rules yet. A rule creates a task when something happens, such as "
        "a new contact."
    )
    empty_add_label = gettext_lazy("Add the first rule")
    export_action = "view"
    columns: ClassVar[list[Column]] = [
        Column(
            "name",
            gettext_lazy("Name"),
            sort="name",
            primary=True,
            cell=_name_link("activities:automatic_task_rule_update"),
            value=lambda row: row.name,
            title=lambda row: row.name,
        ),
        Column(
            "event",
            gettext_lazy("When"),
            cell=lambda row: _event_label(row.event),
            value=lambda row: _event_label(row.event),
        ),
        Column("target", gettext_lazy("For"), cell=_target_label, value=_target_label),
        Column(
            "due_in_days",
            gettext_lazy("Due in (working days)"),
            cell=lambda row: row.due_in_days,
            th_class="col-badge",
        ),
        Column(
            "template",
            gettext_lazy("Template"),
            cell=lambda row: format_html("<bdi>{}</bdi>", row.template),
        ),
        Column("is_active", gettext_lazy("Status"), cell=_status_cell, th_class="col-badge"),
        _button_column(
            "activities:automatic_task_rule_update",
            "activities.change_automatictaskrule",
            "pencil",
            gettext_lazy("Edit"),
        ),
    ]

    def base_queryset(self, action="view"):
        return AutomaticTaskRule.objects.restrict(self.request.user, action).select_related(
            "template", "target_user", "target_role"
        )

    def row_name(self, row) -> str:
        return row.name


class RuleFormMixin:
    """Builds a rule's form and its condition rows for the event posted (or the rule's), so a
    change of event offers that event's fields, people and templates."""

    request: Any
    object: Any

    def trigger(self, data=None) -> Trigger | None:
        return trigger_for(data, self.object, self.request.GET.get("event"))

    def rule_parts(self, data=None) -> dict[str, Any]:
        trigger = self.trigger(data)
        form = AutomaticTaskRuleForm(
            data, user=self.request.user, instance=self.object, trigger=trigger
        )
        if data is None and trigger is not None:
            form.initial.setdefault("event", trigger.event)
        company_id = form.company_id_for_save() if (self.object or form.fixed_company_id) else None
        conditions = ConditionFormSet(  # type: ignore[call-arg]  # BaseConditionFormSet's
            data,
            prefix="conditions",
            initial=None if data is not None else conditions_initial(self.object),
            trigger=trigger,
            user=self.request.user,
            company_id=company_id,
        )
        # A change of event, or of a condition's field, redraws the form with its choices (on
        # the selects themselves: an ancestor's hx-* would be inherited by the buttons).
        redraw = {
            "hx-post": self.request.path,
            "hx-trigger": "change",
            "hx-include": "#rule-form",
            "hx-vals": '{"_refresh": "1"}',
            "hx-select": "#rule-form",
            "hx-target": "#rule-form",
            "hx-swap": "outerHTML",
        }
        form.fields["event"].widget.attrs.update(redraw)
        for row in conditions.forms:
            row.fields["field"].widget.attrs.update(redraw)
        return {"form": form, "conditions": conditions}

    def rule_fields(self, parts) -> dict[str, Any]:
        form = parts["form"]
        fields = {
            name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data
        }
        fields["conditions"] = [
            {"field": row["field"], "operator": row["operator"], "values": row["values"]}
            for row in formset_rows(parts["conditions"])
        ]
        return fields


class AutomaticTaskRuleFormView(RuleFormMixin, ServiceFormView):
    model = AutomaticTaskRule
    form_class = AutomaticTaskRuleForm
    formset_classes = {"conditions": ConditionFormSet}
    template_name = "activities/automation/rule_form.html"

    def build(self, data=None, files=None):
        return self.rule_parts(data)

    def post(self, request, *args, **kwargs):
        if "_refresh" in request.POST:
            # A change of event: the same values on the form of the new event, no errors yet.
            self.object = self.get_object()
            parts = self.build(request.POST)
            for part in [parts["form"], *parts["conditions"].forms]:
                part._errors = ErrorDict()
            parts["conditions"]._non_form_errors = parts["conditions"].error_class()
            return self.render_to_response(self.get_context_data(**parts))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        trigger = ctx["form"].trigger
        ctx["trigger"] = trigger
        ctx["records"] = preview_records(trigger.model, self.request.user) if trigger else []
        ctx["list_url"] = reverse("activities:automatic_task_rule_list")
        ctx["can_delete"] = self.object is not None and self.request.user.has_perm(
            "activities.delete_automatictaskrule"
        )
        return ctx

    def save(self, parts):
        fields = self.rule_fields(parts)
        if self.object is None:
            fields["company_id"] = parts["form"].company_id_for_save()
        return services.automatic_task_rule_save(
            actor=self.request.user, instance=self.object, **fields
        )

    def get_success_url(self, record) -> str:
        return reverse("activities:automatic_task_rule_list")


class AutomaticTaskRulePreviewView(
    RuleFormMixin, LoginRequiredMixin, PermissionRequiredMixin, TemplateView
):
    """The tasks a rule would create for a real record (POST from the editor with the rule as
    typed, htmx; or GET `?rule=<pk>&record=<pk>` for a saved rule): for whom, titled and
    described how, due when. Nothing is saved."""

    permission_required = "activities.view_automatictaskrule"
    template_name = "activities/automation/_rule_preview.html"

    def get(self, request, *args, **kwargs):
        rule = get_restricted_or_404(
            AutomaticTaskRule.objects.select_related("template"),
            request.user,
            "view",
            pk=request.GET.get("rule") or 0,
        )
        return self.answer(rule, request.GET.get("record"))

    def post(self, request, *args, **kwargs):
        self.object = None
        if request.POST.get("rule_pk", "").isdigit():
            self.object = get_restricted_or_404(
                AutomaticTaskRule.objects.all(), request.user, "view", pk=request.POST["rule_pk"]
            )
        parts = self.rule_parts(request.POST)
        if not all(part.is_valid() for part in parts.values()):
            return self.render_to_response({"error": _("Correct the rule's fields first.")})
        rule = AutomaticTaskRule(company_id=parts["form"].company_id_for_save())
        for name, value in self.rule_fields(parts).items():
            setattr(rule, name, value)
        try:
            services.check_rule(rule)
        except ValidationError as exc:
            return self.render_to_response({"error": " ".join(exc.messages)})
        return self.answer(rule, request.POST.get("record"))

    def answer(self, rule: AutomaticTaskRule, record_value):
        trigger = get_trigger(rule.event)
        if trigger is None:
            raise Http404
        record = picked_record(trigger.model, self.request.user, record_value)
        if record is None:
            return self.render_to_response({"error": _("Choose a record to preview the rule on.")})
        planned = services.automatic_task_rule_preview(
            user=self.request.user, rule=rule, record=record
        )
        return self.render_to_response(
            {
                "record": record,
                "planned": planned,
                "holds": services.conditions_hold(rule, trigger, record),
            }
        )


class AutomaticTaskRuleDeleteView(ServiceDeleteView):
    model = AutomaticTaskRule
    success_url_name = "activities:automatic_task_rule_list"
    consequence: Any = gettext_lazy("The tasks it already created stay.")

    def delete(self, record) -> None:
        services.automatic_task_rule_delete(actor=self.request.user, rule=record)

    def get_cancel_url(self, record) -> str:
        return reverse("activities:automatic_task_rule_update", args=[record.pk])

    def get_breadcrumbs(self, record):
        return [
            (_("Automatic task rules"), reverse("activities:automatic_task_rule_list")),
            (str(record), self.get_cancel_url(record)),
        ]
