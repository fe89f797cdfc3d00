"""Administration of roles, record rules, portal accounts and the access audit."""

import re
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import Group
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from tawasul.core.autocomplete import AutocompleteView
from tawasul.core.edit import ServiceFormView
from tawasul.core.errors import error_items
from tawasul.core.lists import EMPTY, Column, ListPage, date_cell
from tawasul.core.navigation import page_label
from tawasul.core.pagination import COUNT_CAP, InvalidCursor, capped_count, keyset_paginate
from tawasul.core.text import is_blank, search_terms
from tawasul.core.timeline import Change
from tawasul.org.models import Company

from . import services
from .filtersets import PortalAccountFilterSet, RecordRuleFilterSet, RoleFilterSet
from .forms import (
    ConditionForm,
    ConditionFormSet,
    PortalAccountForm,
    PreviewForm,
    RoleForm,
    RuleForm,
    action_label,
    company_users,
    condition_initial,
    kind_label,
    operator_label,
    user_label,
    value_labels,
    value_queryset,
)
from .models import AccessChange, AccessDenial, PortalAccount, RecordRule, RuleCondition
from .portal_services import portal_account_create, portal_account_set_active
from .querysets import action_permission, user_company_id
from .registry import CHOICE, RELATIVE, TREE, get_portal_subject, governed
from .roles import PORTAL_ROLES, ROLE_LABELS, role_label
from .rules import rules_q, user_rules

AUDIT_PAGE_SIZE = 50
RULE_FIELDS = (
    "name",
    "model",
    "actions",
    "role",
    "user",
    "all_records",
    "is_active",
    "description",
)
ROW_PREFIX = re.compile(r"^conditions-(\d{1,3})$")


class CompanyMixin:
    """Administration acts within the administrator's own company."""

    company: Company | None = None

    def dispatch(self, request, *args, **kwargs):
        company_id = user_company_id(request.user)
        if company_id is None:
            return render(request, "access/no_company.html")
        self.company = Company.objects.get(pk=company_id)  # access-ok: the user's own company
        return super().dispatch(request, *args, **kwargs)


class AdminPage(LoginRequiredMixin, PermissionRequiredMixin, CompanyMixin):
    """Signed-in staff with the permission, working for a company."""


def _rules(company):
    return RecordRule.objects.filter(company=company)  # access-ok: company-scoped admin data


def _kind_name(key: str) -> str:
    entry = governed(key)
    if entry is not None:
        return kind_label(entry)
    try:
        return capfirst(apps.get_model(key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return key


# --- describing conditions -----------------------------------------------------------------


def _value_names(entry, conditions) -> dict:
    """Labels of the values the conditions name, one query per kind of value."""
    wanted: dict = {}
    for condition in conditions:
        decl = entry.fields.get(condition["field"]) if entry else None
        if decl is None or decl.model is None or decl.kind == CHOICE:
            continue
        ids = {int(v) for v in condition.get("values") or [] if str(v).isdigit()}
        wanted.setdefault(decl.name, (decl, set()))[1].update(ids)
    names = {}
    for name, (decl, ids) in wanted.items():
        # Names only, of the values the company's own rules refer to.
        objects = decl.model._base_manager.filter(pk__in=ids)  # access-ok: labels of rule values
        for pk, label in value_labels(decl, objects).items():
            names[(name, pk)] = label
    return names


def describe_conditions(entry, conditions, names=None) -> list[str]:
    """Each condition in words: "Area is within Saudi Arabia › Riyadh · City"."""
    if names is None:
        names = _value_names(entry, conditions)
    lines = []
    for condition in conditions:
        decl = entry.fields.get(condition["field"]) if entry else None
        label = capfirst(decl.label) if decl else condition["field"]
        op = condition["operator"]
        if op in RELATIVE:
            lines.append(f"{label} {operator_label(op)}")
            continue
        values = condition.get("values") or []
        if decl is not None and decl.kind == CHOICE:
            choices = {str(k): str(v) for k, v in decl.choices}
            shown = [choices.get(str(v), str(v)) for v in values]
        else:
            shown = [
                names.get((condition["field"], int(v)), f"#{v}") if str(v).isdigit() else str(v)
                for v in values
            ]
        lines.append(f"{label} {operator_label(op)} {', '.join(shown)}")
    return lines


def _condition_dicts(rule) -> list[dict]:
    return [
        {"field": c.field, "operator": c.operator, "values": c.values}
        for c in rule.conditions.all()
    ]


# --- record rules --------------------------------------------------------------------------


def _rule_name_cell(rule):
    name = gettext(rule.name)  # a default rule's name is a msgid
    shown = (
        format_html(
            '<a href="{}" class="fw-semibold text-decoration-none"><bdi>{}</bdi></a>',
            rule.edit_url,
            name,
        )
        if rule.edit_url
        else format_html("<bdi>{}</bdi>", name)
    )
    if rule.description:
        shown = format_html(
            '{}<div class="small text-secondary fw-normal text-truncate"><bdi>{}</bdi></div>',
            shown,
            rule.description,
        )
    return shown


def _grantee_cell(rule):
    icon, kind = ("bi-people", _("Role")) if rule.role_id else ("bi-person", _("User"))
    return format_html(
        '<i class="bi {} me-1" aria-hidden="true"></i><span class="visually-hidden">{}: </span>'
        "<bdi>{}</bdi>",
        icon,
        kind,
        rule.grantee_label,
    )


def _records_cell(rule):
    if rule.all_records:
        return format_html('<span class="fw-semibold">{}</span>', _("All records of the company"))
    if not rule.condition_lines:
        return format_html('<span class="text-danger">{}</span>', _("No condition: grants nothing"))
    return format_html_join(
        "", "<div><bdi>{}</bdi></div>", ((line,) for line in rule.condition_lines)
    )


def _records_title(rule) -> str:
    if rule.all_records:
        return _("All records of the company")
    return "; ".join(rule.condition_lines) or _("No condition: grants nothing")


def _active_badge(active: bool):
    if active:
        return format_html('<span class="badge text-bg-success">{}</span>', _("Active"))
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Inactive"))


def _rule_buttons(rule):
    name = gettext(rule.name)
    parts = []
    if rule.edit_url:
        parts.append(
            format_html(
                '<a class="btn btn-sm btn-outline-secondary" href="{}" aria-label="{}">'
                '<i class="bi bi-pencil" aria-hidden="true"></i></a>',
                rule.edit_url,
                _("Edit %(name)s") % {"name": name},
            )
        )
    if rule.delete_url:
        parts.append(
            format_html(
                '<a class="btn btn-sm btn-outline-danger" href="{}" aria-label="{}">'
                '<i class="bi bi-trash" aria-hidden="true"></i></a>',
                rule.delete_url,
                _("Delete %(name)s") % {"name": name},
            )
        )
    return format_html_join(" ", "{}", ((part,) for part in parts))


ROW_BUTTONS = "row_buttons"  # the name of a list's column of buttons on each row


class AccessListPage(AdminPage, ListPage):
    """A list of the access administration: the section's tabs above core's generic list, a
    company administrator's page (`AdminPage`: signed in, permission, own company)."""

    template_name = "access/list.html"
    tab = ""
    intro: Any = ""
    create_icon = "bi-plus-lg"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tab"] = self.tab
        return ctx


class RuleListView(AccessListPage):
    """The company's record rules, each with its conditions in words."""

    permission_required = "access.view_recordrule"
    title = gettext_lazy("Record rules")
    tab = "rules"
    intro = gettext_lazy(
        "A rule lets a role or a user act on the records that meet all its conditions. People "
        "see the union of the rules that reach them; without a rule they see nothing."
    )
    list_key = "access-rules"
    list_url_name = "access:rule_list"
    table_id = "rule-table"
    filterset_class = RecordRuleFilterSet
    columns = [
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_rule_name_cell,
            title=lambda r: " · ".join(filter(None, [gettext(r.name), r.description])),
            sort="name",
            th_class="col-name",
            primary=True,
        ),
        Column(
            "model",
            gettext_lazy("Kind of record"),
            cell=lambda r: r.kind_label,
            title=lambda r: r.kind_label,
            sort="model",
            th_class="col-badge col-wide-only",
            td_class="col-wide-only",
        ),
        Column(
            "grantee",
            gettext_lazy("Granted to"),
            cell=_grantee_cell,
            title=lambda r: r.grantee_label,
            th_class="col-person",
        ),
        Column(
            "actions",
            gettext_lazy("Actions"),
            cell=lambda r: format_html_join(
                "",
                '<span class="badge rounded-pill text-bg-light border me-1">{}</span>',
                ((label,) for label in r.action_labels),
            ),
            title=lambda r: ", ".join(r.action_labels),
            td_class="text-wrap",  # every action shown: pills wrap rather than being cut
        ),
        Column(
            # Every condition on its own line, whole: what a rule grants is read here.
            "records",
            gettext_lazy("Records"),
            cell=_records_cell,
            title=_records_title,
            td_class="small text-wrap",
        ),
        Column(
            "is_active",
            gettext_lazy("Status"),
            cell=lambda r: _active_badge(r.is_active),
            th_class="col-badge",
        ),
        Column(
            ROW_BUTTONS,
            gettext_lazy("Edit"),
            label_hidden=True,
            cell=_rule_buttons,
            th_class="col-badge",
            td_class="text-end text-nowrap",
            visible=lambda request: (
                request.user.has_perm("access.change_recordrule")
                or request.user.has_perm("access.delete_recordrule")
            ),
        ),
    ]
    create_url_name = "access:rule_create"
    create_label = gettext_lazy("New rule")
    create_id = "new-rule"
    add_permission = "access.add_recordrule"
    empty_icon = "bi-funnel"
    empty_text = gettext_lazy(
        "No rules yet, so nobody but superusers sees any governed record. Start with a rule that "
        "gives a role the records it works on."
    )
    empty_filtered_text = gettext_lazy("No rules match these filters.")
    empty_add_label = gettext_lazy("Write the first rule")
    past_end_text = gettext_lazy("There are no more rules past this point.")

    def base_queryset(self, action="view"):
        return (
            _rules(self.company)
            .select_related("role", "user__employee")
            .prefetch_related("conditions")
        )

    def prepare_rows(self, rows):
        """Each rule's kind, grantee, actions and conditions in words; the names of the values
        the conditions refer to are read once per kind of record on the page."""
        user = self.request.user
        can_change = user.has_perm("access.change_recordrule")
        can_delete = user.has_perm("access.delete_recordrule")
        by_kind: dict = {}
        for rule in rows:
            by_kind.setdefault(rule.model, []).append(rule)
        for key, group in by_kind.items():
            entry = governed(key)
            names = _value_names(entry, [c for rule in group for c in _condition_dicts(rule)])
            for rule in group:
                rule.kind_label = _kind_name(key)
                rule.action_labels = [action_label(a) for a in rule.actions or []]
                rule.grantee_label = (
                    role_label(rule.role.name) if rule.role else user_label(rule.user)
                )
                rule.condition_lines = describe_conditions(entry, _condition_dicts(rule), names)
                rule.edit_url = reverse("access:rule_update", args=[rule.pk]) if can_change else ""
                rule.delete_url = (
                    reverse("access:rule_delete", args=[rule.pk]) if can_delete else ""
                )
        return rows

    def row_name(self, row):
        return gettext(row.name)

    def count_text(self, total, more):
        if more:
            return _("More than %(n)s rules") % {"n": intcomma(total)}
        return ngettext("%(n)s rule", "%(n)s rules", total) % {"n": intcomma(total)}


class RuleFormView(AdminPage, TemplateView):
    """Create or edit a rule: kind, actions, grantee, conditions on declared link fields, preview."""

    template_name = "access/rule_form.html"

    def get_permission_required(self):
        return ["access.change_recordrule" if "pk" in self.kwargs else "access.add_recordrule"]

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            _rules(self.company).prefetch_related("conditions"), pk=self.kwargs["pk"]
        )

    def build(self, data=None):
        rule, user, company_id = self.object, self.request.user, self.company.pk
        initial = {}
        if rule is not None:
            initial = {
                "name": rule.name,
                "model": rule.model,
                "actions": list(rule.actions or []),
                "role": rule.role_id,
                "user": rule.user_id,
                "all_records": rule.all_records,
                "is_active": rule.is_active,
                "description": rule.description,
            }
        form = RuleForm(data, initial=initial, user=user, company_id=company_id)
        formset = ConditionFormSet(
            data,
            prefix="conditions",
            initial=condition_initial(rule) if rule is not None else [{}],
            form_kwargs={"entry": form.entry, "user": user, "company_id": company_id},
        )
        preview = PreviewForm(
            data,
            user=user,
            company_id=company_id,
            initial={"preview_user": rule.user_id if rule is not None else None},
        )
        return form, formset, preview

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        form, formset, preview = self.build()
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, preview_form=preview)
        )

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form, formset, preview = self.build(request.POST)
        self.conditions_errors: list[str] = []
        rule = self.save(form, formset)
        if rule is not None:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("access:rule_list")
        return self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                preview_form=preview,
                conditions_errors=self.conditions_errors,
                has_errors=True,
            )
        )

    def save(self, form, formset) -> RecordRule | None:
        """Save through the rule service; on any error put its messages on the page instead."""
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        data = form.cleaned_data
        conditions, rows = formset.conditions()
        params = {
            "model": data.get("model") or form.data.get("model") or "",
            "actions": data.get("actions") or [],
            "role": data.get("role"),
            "user": data.get("user"),
            "all_records": bool(data.get("all_records")),
            "conditions": conditions,
        }
        if not (form_ok and formset_ok):
            # Still ask the service, so every message shows at once.
            try:
                services.rule_validate(company=self.company, **params)
            except ValidationError as exc:
                self.attach_errors(exc, form, rows)
            return None
        try:
            return services.rule_save(
                actor=self.request.user,
                company=self.company,
                instance=self.object,
                name=data["name"],
                is_active=data["is_active"],
                description=data["description"],
                **params,
            )
        except ValidationError as exc:
            self.attach_errors(exc, form, rows)
            return None

    def attach_errors(self, exc: ValidationError, form, rows) -> None:
        """The service's messages at the rule's fields (once: an invalid form is checked by
        the service too, to show every message at once), at the condition rows (`rows`, in the
        order the service numbers them) or above the conditions."""
        for path, message in error_items(exc):
            head, _sep, index = path.partition(".")
            if path in RULE_FIELDS:
                if not form.has_error(path):
                    form.add_error(path, message)
            elif head == "conditions" and index.isdigit() and int(index) < len(rows):
                rows[int(index)].add_error(None, message)
            elif head == "conditions":
                self.conditions_errors.append(message)
            else:
                form.add_error(None, message)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(rule=self.object, tab="rules")
        return ctx


class RuleModelPartsView(AdminPage, View):
    """The actions and a fresh conditions block for another kind of record (htmx)."""

    permission_required = "access.view_recordrule"

    def get(self, request):
        if governed(request.GET.get("model") or "") is None:
            return HttpResponseBadRequest(_("Unknown kind of record."))
        form = RuleForm(
            initial={"model": request.GET["model"], "is_active": True},
            user=request.user,
            company_id=self.company.pk,
        )
        formset = ConditionFormSet(
            prefix="conditions",
            initial=[{}],
            form_kwargs={"entry": form.entry, "user": request.user, "company_id": self.company.pk},
        )
        return render(request, "access/_rule_model_parts.html", {"form": form, "formset": formset})


class ConditionRowView(AdminPage, View):
    """One condition row re-drawn for the chosen field and operator, or a new row (htmx)."""

    permission_required = "access.view_recordrule"
    max_rows = 30

    def get(self, request):
        entry = governed(request.GET.get("model") or "")
        if entry is None:
            return HttpResponseBadRequest(_("Unknown kind of record."))
        kwargs = {"entry": entry, "user": request.user, "company_id": self.company.pk}
        if request.GET.get("add"):
            try:
                index = int(request.GET.get("conditions-TOTAL_FORMS", "0"))
            except ValueError:
                return HttpResponseBadRequest(_("Bad row number."))
            if not 0 <= index < self.max_rows:
                return HttpResponse(status=204)
            form = ConditionForm(prefix=f"conditions-{index}", initial={}, **kwargs)
            return render(
                request, "access/_condition_added.html", {"form": form, "total": index + 1}
            )
        row = request.GET.get("row", "")
        if not ROW_PREFIX.match(row):
            return HttpResponseBadRequest(_("Bad row number."))
        field = request.GET.get(f"{row}-field", "")
        initial = {"field": field, "shown_field": field}
        if field and field == request.GET.get(f"{row}-shown_field"):
            initial["operator"] = request.GET.get(f"{row}-operator", "")
            initial["values"] = request.GET.getlist(f"{row}-values")
        form = ConditionForm(prefix=row, initial=initial, **kwargs)
        return render(request, "access/_condition_row_inner.html", {"form": form})


class _UnsavedRule:
    """A rule being edited, shaped like a saved one for `rules.rules_q`."""

    pk = None

    def __init__(self, *, all_records: bool, actions, conditions):
        self.all_records = all_records
        self.actions = list(actions or [])
        items = [RuleCondition(**condition) for condition in conditions]
        self.conditions = SimpleNamespace(all=lambda: items)


def _company_rows(entry, company):
    path = getattr(entry.model, "access_company_path", "company")
    rows = entry.model._base_manager.all()  # access-ok: preview counts what a rule grants
    return rows.filter(**{path: company.pk}) if path else rows


def _count_text(count: tuple[int, bool]) -> str:
    n, more = count
    if more:
        return _("more than %(n)s") % {"n": number_format(COUNT_CAP, force_grouping=True)}
    return number_format(n, force_grouping=True)


class RulePreviewView(AdminPage, View):
    """What an unsaved rule would show to one user, alone and with their other rules (htmx)."""

    permission_required = "access.view_recordrule"

    def post(self, request):
        company_id = self.company.pk
        form = RuleForm(request.POST, user=request.user, company_id=company_id)
        formset = ConditionFormSet(
            request.POST,
            prefix="conditions",
            form_kwargs={"entry": form.entry, "user": request.user, "company_id": company_id},
        )
        preview = PreviewForm(request.POST, user=request.user, company_id=company_id)
        form.is_valid()
        formset.is_valid()
        preview.is_valid()
        data = form.cleaned_data
        conditions, _rows = formset.conditions()
        model = data.get("model") or request.POST.get("model") or ""
        errors: list[str] = []
        cleaned: list = []
        try:
            cleaned = services.rule_validate(
                company=self.company,
                model=model,
                actions=data.get("actions") or [],
                role=data.get("role"),
                user=data.get("user"),
                all_records=bool(data.get("all_records")),
                conditions=conditions,
            )
        except ValidationError as exc:
            errors = self.describe_errors(exc, form)
        target = preview.cleaned_data.get("preview_user") or data.get("user")
        if not errors and target is None:
            errors = [_("Choose whom to preview the rule as.")]
        context = {"errors": errors}
        if not errors:
            context.update(self.counts(form, data, cleaned, target))
        return render(request, "access/_preview.html", context)

    def describe_errors(self, exc: ValidationError, form) -> list[str]:
        """The service's messages as lines, each named by what it is about."""
        lines = []
        for path, message in error_items(exc):
            head, _sep, index = path.partition(".")
            if head == "conditions" and index.isdigit():
                where = _("Condition %(n)s") % {"n": int(index) + 1}
            elif path == "conditions":
                where = _("Conditions")
            elif path in form.fields:
                where = str(form.fields[path].label)
            else:
                where = ""
            lines.append(f"{where}: {message}" if where else message)
        return lines

    def counts(self, form, data, cleaned, target) -> dict:
        entry = form.entry
        actions = data.get("actions") or []
        rule = _UnsavedRule(
            all_records=bool(data.get("all_records")), actions=actions, conditions=cleaned
        )
        rows = _company_rows(entry, self.company)
        alone_q = rules_q([rule], entry, target)
        alone = capped_count(rows.filter(alone_q)) if alone_q is not None else (0, False)
        notes = []
        if not target.is_active:
            total = (0, False)
            notes.append(_("This account is inactive: it sees nothing."))
        elif target.is_superuser:
            total = capped_count(rows)
            notes.append(_("This user is a superuser and sees every record whatever the rules."))
        elif not target.has_perm(action_permission(entry.model, "view")):
            total = (0, False)
            notes.append(
                _(
                    "This user does not hold the permission to view %(kind)s, so no rule shows them any."
                )
                % {"kind": entry.model._meta.verbose_name_plural}
            )
        else:
            editing = self.request.POST.get("rule")
            others = [
                r
                for r in user_rules(target, entry.key)
                if "view" in (r.actions or []) and str(r.pk) != editing
            ]
            mine = others + ([rule] if "view" in actions else [])
            total_q = rules_q(mine, entry, target)
            total = capped_count(rows.filter(total_q)) if total_q is not None else (0, False)
        if "view" not in actions:
            notes.append(
                _("This rule does not grant viewing: the first count is of the records it covers.")
            )
        role, user = data.get("role"), data.get("user")
        if role is not None and not target.groups.filter(pk=role.pk).exists():
            notes.append(
                _(
                    "%(user)s does not hold the role “%(role)s”: once saved, this rule will not reach them."
                )
                % {"user": user_label(target), "role": role_label(role.name)}
            )
        if user is not None and user.pk != target.pk:
            notes.append(
                _("The rule is granted to %(grantee)s, not to %(user)s.")
                % {"grantee": user_label(user), "user": user_label(target)}
            )
        kind = entry.model._meta.verbose_name_plural
        return {
            "preview_name": user_label(target),
            "alone": _count_text(alone),
            "total": _count_text(total),
            "kind": kind,
            "notes": notes,
        }


class RuleDeleteView(AdminPage, TemplateView):
    """Confirm, then delete a rule through the service."""

    permission_required = "access.delete_recordrule"
    template_name = "access/confirm_delete.html"

    def get_object(self):
        return get_object_or_404(
            _rules(self.company).prefetch_related("conditions"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rule = self.get_object()
        ctx.update(
            tab="rules",
            object_label=rule.name,
            cancel_url=reverse("access:rule_update", args=[rule.pk]),
            heading=_("Delete rule"),
            consequence=_(
                "Whoever this rule reaches loses what it grants, at once. The change is kept in the access history."
            ),
            breadcrumb_url=reverse("access:rule_list"),
            breadcrumb_label=_("Record rules"),
        )
        return ctx

    def post(self, request, pk):
        rule = self.get_object()
        services.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("Rule deleted."))
        return redirect("access:rule_list")


# --- roles ---------------------------------------------------------------------------------


def _role_name_cell(group):
    shown = (
        format_html(
            '<a href="{}" class="fw-semibold text-decoration-none"><bdi>{}</bdi></a>',
            group.edit_url,
            group.label,
        )
        if group.edit_url
        else format_html("<bdi>{}</bdi>", group.label)
    )
    if group.is_portal:
        badge = format_html(
            '<span class="badge rounded-pill text-bg-info ms-1">{}</span>', _("Portal")
        )
    elif group.is_default:
        badge = format_html(
            '<span class="badge rounded-pill text-bg-light border ms-1">{}</span>', _("Default")
        )
    else:
        return shown
    return format_html("{} {}", shown, badge)


def _count_column(name, label):
    return Column(
        name,
        label,
        cell=lambda group: getattr(group, name),
        value=lambda group: getattr(group, name),
        sort=name,
        descending_first=True,
        th_class="col-num text-end",
        td_class="text-md-end",
        text=False,
    )


class RoleListView(AccessListPage):
    """Roles with how many of the company's staff hold each, and the company's rules for it.

    Roles are Django groups shared by every company (`services.role_save`): every role is
    listed, its counts are of this company's staff and rules only."""

    permission_required = "auth.view_group"
    title = gettext_lazy("Roles")
    tab = "roles"
    intro = gettext_lazy(
        "A role grants actions per kind of record (view, add, change, delete, export, assign…). "
        "Record rules then say which records."
    )
    list_key = "access-roles"
    list_url_name = "access:role_list"
    table_id = "role-table"
    filterset_class = RoleFilterSet
    columns = [
        Column(
            "name",
            gettext_lazy("Role"),
            cell=_role_name_cell,
            value=lambda group: group.label,
            sort="name",
            primary=True,
        ),
        _count_column("member_count", gettext_lazy("Members")),
        _count_column("permission_count", gettext_lazy("Permissions")),
        _count_column("rule_count", gettext_lazy("Record rules")),
    ]
    create_url_name = "access:role_create"
    create_label = gettext_lazy("New role")
    create_id = "new-role"
    add_permission = "auth.add_group"
    empty_icon = "bi-people"
    empty_text = gettext_lazy("No roles yet.")
    empty_filtered_text = gettext_lazy("No roles match these filters.")
    empty_add_label = gettext_lazy("Create the first role")
    past_end_text = gettext_lazy("There are no more roles past this point.")

    def base_queryset(self, action="view"):
        company_id = self.company.pk
        membership = get_user_model().groups.through
        memberships = membership._default_manager.filter(  # this company's members per role
            group_id=OuterRef("pk"), user__employee__company_id=company_id
        )
        permissions = Group.permissions.through._default_manager.filter(group_id=OuterRef("pk"))
        rules = _rules(self.company).filter(role_id=OuterRef("pk"))

        def count(rows, key):
            counted = rows.order_by().values(key).annotate(n=Count("pk")).values("n")
            return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

        # Subqueries rather than a join and GROUP BY, so that the counts can be sorted by and
        # a page cursor compared with them.
        return Group.objects.annotate(
            member_count=count(memberships, "group_id"),
            permission_count=count(permissions, "group_id"),
            rule_count=count(rules, "role_id"),
        )

    def prepare_rows(self, rows):
        user = self.request.user
        can_change = user.has_perm("auth.change_group")
        for group in rows:
            group.label = role_label(group.name)
            group.is_default = group.name in ROLE_LABELS
            group.is_portal = group.name in PORTAL_ROLES
            group.edit_url = reverse("access:role_update", args=[group.pk]) if can_change else ""
        return rows

    def row_name(self, row):
        return role_label(row.name)

    def count_text(self, total, more):
        if more:
            return _("More than %(n)s roles") % {"n": intcomma(total)}
        return ngettext("%(n)s role", "%(n)s roles", total) % {"n": intcomma(total)}


class RoleFormView(AdminPage, ServiceFormView):
    """Create or edit a role: name, permissions as a matrix, members."""

    model = Group
    form_class = RoleForm
    template_name = "access/role_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(Group, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "company_id": self.company.pk}

    def save(self, parts):
        data = parts["form"].cleaned_data
        return services.role_save(
            actor=self.request.user,
            company=self.company,
            instance=self.object,
            name=data["name"],
            permissions=data["permissions"],
            members=data["members"],
        )

    def saved(self, record, *, created):
        messages.success(
            self.request, _("Role “%(name)s” saved.") % {"name": role_label(record.name)}
        )
        return redirect("access:role_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        group = self.object
        ctx.update(
            role=group,
            tab="roles",
            role_name=role_label(group.name) if group else "",
            role_rules=list(_rules(self.company).filter(role=group).order_by("model", "name"))
            if group
            else [],
        )
        return ctx


class RoleDeleteView(AdminPage, TemplateView):
    """Confirm, then delete a role that no rule refers to."""

    permission_required = "auth.delete_group"
    template_name = "access/confirm_delete.html"

    def get_object(self):
        return get_object_or_404(Group, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        group = self.get_object()
        members = group.user_set.count()
        ctx.update(
            tab="roles",
            object_label=role_label(group.name),
            heading=_("Delete role"),
            cancel_url=reverse("access:role_update", args=[group.pk]),
            breadcrumb_url=reverse("access:role_list"),
            breadcrumb_label=_("Roles"),
            consequence=_(
                "%(n)s users hold this role; they lose its permissions at once. "
                "The change is kept in the access history."
            )
            % {"n": members},
            refused=_("A default role cannot be deleted: the application refers to it.")
            if group.name in ROLE_LABELS
            else None,
        )
        return ctx

    def post(self, request, pk):
        group = self.get_object()
        try:
            services.role_delete(actor=request.user, company=self.company, group=group)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("access:role_update", pk=group.pk)
        messages.success(request, _("Role deleted."))
        return redirect("access:role_list")


# --- audit ---------------------------------------------------------------------------------

CHANGE_KINDS = {
    "rule.created": _("Rule created"),
    "rule.changed": _("Rule changed"),
    "rule.deleted": _("Rule deleted"),
    "role.created": _("Role created"),
    "role.changed": _("Role changed"),
    "role.deleted": _("Role deleted"),
    "portal_account.created": _("Portal account created"),
    "portal_account.deactivated": _("Portal account deactivated"),
    "portal_account.reactivated": _("Portal account reactivated"),
    "employee.default_roles": _("Default roles followed the employee"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "mfa.enabled": _("Two-factor authentication turned on"),
    "mfa.disabled": _("Two-factor authentication turned off"),
    "mfa.recovery_codes_renewed": _("New recovery codes made"),
    "mfa.reset": _("Two-factor authentication removed by an operator"),
}
CHANGE_KEYS = {
    "name": _("Name"),
    "model": _("Kind of record"),
    "actions": _("Actions"),
    "role": _("Role"),
    "user": _("User"),
    "all_records": _("All records"),
    "is_active": _("Active"),
    "conditions": _("Conditions"),
    "permissions": _("Permissions"),
    "members": _("Members"),
    "username": _("Username"),
    "contact": _("Contact"),
    "contact_name": _("Contact"),
    "roles": _("Roles"),
    "withheld": _("Not moved: the person who changed the employee does not hold them"),
}


def _shown(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _grantee_names(changes) -> dict[str, dict]:
    """Names of the roles and users that rule snapshots refer to by id, one query each."""
    ids: dict[str, set] = {"role": set(), "user": set()}
    for change in changes:
        for snapshot in (change.before or {}, change.after or {}):
            for key in ids:
                if isinstance(snapshot.get(key), int):
                    ids[key].add(snapshot[key])
    roles = {pk: role_label(group.name) for pk, group in Group.objects.in_bulk(ids["role"]).items()}
    users = get_user_model().objects.select_related("employee").in_bulk(ids["user"]).values()
    return {"role": roles, "user": {u.pk: user_label(u) for u in users}}


def describe_change(change: AccessChange, names: dict | None = None) -> list[Change]:
    """What an audit row changed, key by key, as timeline changes (`core.timeline.Change`):
    lists as added and removed, the rest before → after (empty when there was no before or
    no after)."""
    names = names if names is not None else _grantee_names([change])
    before, after = change.before or {}, change.after or {}
    model = after.get("model") or before.get("model")
    entry = governed(model) if model else None
    lines = []
    for key in [k for k in CHANGE_KEYS if k in before or k in after]:
        if key == "contact" and "contact_name" in after:
            continue
        old, new = before.get(key), after.get(key)
        if old == new and before and after:
            continue
        label = str(CHANGE_KEYS[key])
        if key == "conditions":
            lines.append(
                Change(
                    field=label,
                    old="; ".join(describe_conditions(entry, old or [])) if before else "",
                    new="; ".join(describe_conditions(entry, new or [])) if after else "",
                )
            )
        elif key in ("permissions", "members", "actions", "roles") and before and after:
            shown = {"actions": action_label, "roles": role_label}.get(key, str)
            added = [shown(x) for x in new or [] if x not in (old or [])]
            removed = [shown(x) for x in old or [] if x not in (new or [])]
            lines.append(Change(field=label, added=tuple(added), removed=tuple(removed)))
        elif key == "actions":
            lines.append(
                Change(
                    field=label,
                    old=", ".join(action_label(a) for a in old or []) if before else "",
                    new=", ".join(action_label(a) for a in new or []) if after else "",
                )
            )
        elif key == "withheld":
            lines.append(Change(field=label, old="", new=", ".join(map(role_label, new or []))))
        elif key in ("role", "user"):
            known = names.get(key, {})
            lines.append(
                Change(
                    field=label,
                    old=known.get(old, _shown(old)) if before else "",
                    new=known.get(new, _shown(new)) if after else "",
                )
            )
        elif key == "model":
            lines.append(
                Change(
                    field=label,
                    old=_kind_name(old) if old else "",
                    new=_kind_name(new) if new else "",
                )
            )
        else:
            lines.append(
                Change(
                    field=label,
                    old=_shown(old) if before else "",
                    new=_shown(new) if after else "",
                )
            )
    return lines


class AuditView(AdminPage, TemplateView):
    """Denied attempts on governed records, and the history of roles, rules and portal accounts."""

    permission_required = "access.view_audit"
    template_name = "access/audit.html"

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "audit-results":
            return ["access/_audit_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        tab = request.GET.get("tab", "denials")
        if tab not in ("denials", "changes"):
            tab = "denials"
        company_id = self.company.pk
        if tab == "denials":
            rows = AccessDenial.objects.filter(  # access-ok: this company's audit rows
                company_id=company_id
            ).select_related("user__employee")
        else:
            rows = AccessChange.objects.filter(  # access-ok: this company's audit rows
                company_id=company_id
            ).select_related("actor__employee")
        error = None
        try:
            page = keyset_paginate(
                rows, sort="-at", cursor=request.GET.get("cursor"), size=AUDIT_PAGE_SIZE
            )
        except InvalidCursor:
            error = _("That page link is no longer valid; showing the first page.")
            page = keyset_paginate(rows, sort="-at", cursor=None, size=AUDIT_PAGE_SIZE)
        names = _grantee_names(page.rows) if tab == "changes" else {}
        for row in page.rows:
            if tab == "denials":
                row.who = user_label(row.user) if row.user else _("(deleted user)")
                # A refused page (403) is logged by its URL name: show the page's name instead.
                row.kind_label = (
                    _kind_name(row.model) if "." in row.model else page_label(row.model)
                )
                row.action_label = action_label(row.action) if row.action else ""
            else:
                row.who = user_label(row.actor) if row.actor else _("System")
                row.kind_label = CHANGE_KINDS.get(row.kind, row.kind)
                row.lines = describe_change(row, names)
        ctx.update(tab=tab, audit_tab=tab, page=page, rows=page.rows, page_error=error)
        return ctx


# --- portal accounts -----------------------------------------------------------------------


def _portal_contact_cell(account):
    contact = (
        format_html('<a href="{}"><bdi>{}</bdi></a>', account.subject_url, account.contact)
        if account.subject_url
        else format_html("<bdi>{}</bdi>", account.contact)
    )
    if not account.subject_kind:
        return contact
    return format_html(
        '{} <span class="small text-secondary"><bdi>{}</bdi></span>', contact, account.subject_kind
    )


def _portal_buttons(account):
    if account.is_active:
        return format_html(
            '<a class="btn btn-sm btn-outline-danger" href="{}" id="deactivate-{}">'
            '<i class="bi bi-person-slash me-1" aria-hidden="true"></i>{}</a>',
            reverse("access:portal_account_deactivate", args=[account.pk]),
            account.pk,
            _("Deactivate"),
        )
    return format_html(
        '<a class="btn btn-sm btn-outline-primary" href="{}" id="reactivate-{}">'
        '<i class="bi bi-person-check me-1" aria-hidden="true"></i>{}</a>',
        reverse("access:portal_account_reactivate", args=[account.pk]),
        account.pk,
        _("Reactivate"),
    )


class PortalAccountListView(AccessListPage):
    """Portal accounts of the contacts the administrator may view."""

    permission_required = "access.view_portalaccount"
    title = gettext_lazy("Portal accounts")
    tab = "portal"
    intro = gettext_lazy(
        "A portal account lets a customer, dealer or agent sign in to the portal and see only "
        "their own records."
    )
    list_key = "access-portal-accounts"
    list_url_name = "access:portal_account_list"
    table_id = "portal-table"
    filterset_class = PortalAccountFilterSet
    columns = [
        Column(
            "username",
            gettext_lazy("Username"),
            sort="username",
            th_class="col-name",
            primary=True,
        ),
        Column(
            "contact",
            gettext_lazy("Contact"),
            cell=_portal_contact_cell,
            title=lambda a: str(a.contact),
            sort="contact_name",
        ),
        Column(
            "roles",
            gettext_lazy("Portal role"),
            cell=lambda a: ", ".join(a.role_labels) or EMPTY,
        ),
        Column(
            "is_active",
            gettext_lazy("Status"),
            cell=lambda a: _active_badge(a.is_active and a.user.is_active),
            th_class="col-badge",
        ),
        Column(
            "created_at",
            gettext_lazy("Created"),
            cell=lambda a: date_cell(a.created_at),
            sort="created_at",
            descending_first=True,
            th_class="col-date",
            td_class="small text-secondary",
        ),
        Column(
            ROW_BUTTONS,
            gettext_lazy("Actions"),
            label_hidden=True,
            cell=_portal_buttons,
            th_class="col-person",
            td_class="text-end",
            visible=lambda request: request.user.has_perm("access.change_portalaccount"),
        ),
    ]
    default_sort = "-created_at"
    create_url_name = "access:portal_account_create"
    create_label = gettext_lazy("New portal account")
    create_id = "new-portal-account"
    create_icon = "bi-person-plus"
    add_permission = "access.add_portalaccount"
    empty_icon = "bi-door-open"
    empty_text = gettext_lazy(
        "No portal accounts yet. Give a customer, dealer or agent a sign-in to see their own "
        "records."
    )
    empty_filtered_text = gettext_lazy("No portal accounts match these filters.")
    empty_add_label = gettext_lazy("Create the first portal account")
    past_end_text = gettext_lazy("There are no more portal accounts past this point.")

    def base_queryset(self, action="view"):
        # What each account is about, and how to show it, is the portal subject's declaration.
        subject = get_portal_subject()
        related = [f"contact__{name}" for name in subject.related] if subject else []
        return (
            _visible_portal_accounts(self.request.user, self.company)
            .select_related("user", "contact", *related)
            .prefetch_related("user__groups")
            .annotate(username=F("user__username"), contact_name=F("contact__name"))
        )

    def prepare_rows(self, rows):
        subject = get_portal_subject()
        detail_url = subject.detail_url if subject else None
        describe = subject.describe if subject else None
        for account in rows:
            account.subject_url = detail_url(account.contact_id) if detail_url else ""
            account.subject_kind = describe(account.contact) if describe else ""
            account.role_labels = [role_label(g.name) for g in account.user.groups.all()]
        return rows

    def row_name(self, row):
        return row.username

    def count_text(self, total, more):
        if more:
            return _("More than %(n)s portal accounts") % {"n": intcomma(total)}
        return ngettext("%(n)s portal account", "%(n)s portal accounts", total) % {
            "n": intcomma(total)
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "rows" in ctx:
            ctx["accounts"] = ctx["rows"]  # the page's accounts, by their old name
        return ctx


class PortalAccountCreateView(AdminPage, ServiceFormView):
    """Give a contact a sign-in to the portal."""

    model = PortalAccount
    form_class = PortalAccountForm
    template_name = "access/portal_account_form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user, "company_id": self.company.pk}

    def save(self, parts):
        data = parts["form"].cleaned_data
        return portal_account_create(
            actor=self.request.user,
            contact=data["contact"],
            username=data["username"],
            password=data["password"],
            role=data["role"],
        )

    def saved(self, record, *, created):
        messages.success(
            self.request,
            _("Portal account “%(name)s” created.") % {"name": record.user.username},
        )
        return redirect("access:portal_account_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tab"] = "portal"
        return ctx


def _visible_portal_accounts(user, company):
    """Portal accounts of the company's contacts that `user` may view."""
    contact_model = PortalAccount._meta.get_field("contact").related_model
    contacts = contact_model.objects.restrict(user, "view").filter(company_id=company.pk)
    return PortalAccount.objects.filter(contact__in=contacts)  # access-ok: via visible contacts


class PortalAccountActiveView(AdminPage, TemplateView):
    """Confirm, then deactivate (or reactivate) a portal sign-in through the service."""

    permission_required = "access.change_portalaccount"
    template_name = "access/portal_account_active.html"
    active = False  # what the account becomes

    def get_object(self) -> PortalAccount:
        accounts = _visible_portal_accounts(self.request.user, self.company)
        return get_object_or_404(accounts.select_related("user", "contact"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(tab="portal", account=self.get_object(), active=self.active)
        return ctx

    def post(self, request, pk):
        account = self.get_object()
        try:
            portal_account_set_active(actor=request.user, account=account, active=self.active)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            message = (
                _("Portal account “%(name)s” reactivated: it can sign in again.")
                if self.active
                else _("Portal account “%(name)s” deactivated: it can no longer sign in.")
            )
            messages.success(request, message % {"name": account.user.get_username()})
        return redirect("access:portal_account_list")


# --- autocompletes -------------------------------------------------------------------------


class UserAutocompleteView(AdminPage, AutocompleteView):
    """Users of the company matching what is typed, for rule grantees, previews and members."""

    permission_required = (
        "access.view_recordrule",
        "auth.view_group",
        "access.add_portalaccount",
    )

    def has_permission(self) -> bool:
        return any(self.request.user.has_perm(p) for p in self.permission_required)

    def get_queryset(self):
        return company_users(self.request.user, self.company.pk)

    def matches(self, query: str):
        users = self.get_queryset()
        # The user name, or the employee's names and code in the one normalised form
        # (BilingualName.search_text); only symbols match nothing, as in every search.
        words = search_terms(query).split()[:5]
        if not words and not is_blank(query):
            users = users.none()
        for word in words:
            users = users.filter(
                Q(username__icontains=word) | Q(employee__search_text__contains=word)
            )
        return users

    def label(self, user) -> str:
        return user_label(user)


class ValueAutocompleteView(AdminPage, AutocompleteView):
    """Values of one declared link field matching what is typed (for long lists): only values
    the administrator may view, of their company (`forms.value_queryset`), inactive ones too
    (a rule may name them; their label says so)."""

    permission_required = "access.view_recordrule"

    def get(self, request, model, field):
        entry = governed(model)
        decl = entry.fields.get(field) if entry else None
        if decl is None or decl.model is None:
            return JsonResponse({"results": []})
        self.decl = decl
        self.model = decl.model
        self.order_by = "path" if decl.kind == TREE else "name"
        return super().get(request, model, field)

    def labels(self, rows):
        # An area is named with its ancestors, read in one query for the whole answer.
        return value_labels(self.decl, rows)

    def get_queryset(self):
        return value_queryset(self.decl, self.request.user, self.company.pk)
