"""Follow-up pages: the list (mine, my team's, filtered), a follow-up's page with its trail,
setting one, acting on one in place (done, forward, postpone, cancel: htmx forms), and the
follow-up rules' pages (administrators)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from tawasul.contacts.models import Contact
from tawasul.core import clock
from tawasul.core.access import get_restricted_or_404, user_company_id
from tawasul.core.edit import ServiceDeleteView, ServiceFormView
from tawasul.core.errors import apply_error
from tawasul.core.lists import Column, ListPage, choice_label, date_cell
from tawasul.core.records import RecordView, Tab

from .choices import Cadence, FollowUpStatus
from .followups_filtersets import FollowUpFilterSet, FollowUpRuleFilterSet
from .followups_forms import (
    FollowUpCancelForm,
    FollowUpCompleteForm,
    FollowUpForm,
    FollowUpForwardForm,
    FollowUpPostponeForm,
    FollowUpRuleForm,
)
from .followups_generator import rule_preview
from .followups_rules import follow_up_rule_delete, follow_up_rule_save
from .followups_selectors import follow_up_trail, label_follow_ups, record_follow_ups
from .followups_services import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    follow_up_forward,
    follow_up_postpone,
)
from .models import FollowUp, FollowUpRule

_STATUS = choice_label(FollowUp, "status")
_CHANNEL = choice_label(FollowUp, "channel")
STATUS_CSS: dict[str, str] = {
    FollowUpStatus.OPEN: "text-bg-primary",
    FollowUpStatus.DONE: "text-bg-success",
    FollowUpStatus.CANCELLED: "text-bg-secondary",
}


def _status_cell(f: FollowUp):
    css = STATUS_CSS.get(f.status, "text-bg-secondary")
    if f.status == FollowUpStatus.OPEN and f.due_at < clock.now():
        return format_html('<span class="badge text-bg-danger">{}</span>', _("Overdue"))
    return format_html('<span class="badge {}">{}</span>', css, _STATUS(f))


def _purpose_cell(f: FollowUp):
    return format_html(
        '<a href="{}"><bdi>{}</bdi></a>',
        reverse("activities:follow_up_detail", args=[f.pk]),
        f.purpose,
    )


def _subject_cell(f: FollowUp):
    label = getattr(f, "subject_label")  # noqa: B009 - set by label_follow_ups
    if not label.label:
        return mark_safe("<bdi>—</bdi>")
    if label.hidden:
        return format_html('<span class="text-secondary">{}</span>', label.label)
    if label.url:
        return format_html('<a href="{}"><bdi>{}</bdi></a>', label.url, label.label)
    return format_html("<bdi>{}</bdi>", label.label)


def _person(employee) -> str:
    return employee.display_name if employee is not None else "—"


class FollowUpListView(ListPage):
    """Follow-ups the user may see: by default open ones first by due time."""

    permission_required = "activities.view_followup"
    filterset_class = FollowUpFilterSet
    list_key = "follow_ups"
    list_url_name = "activities:follow_up_list"
    title = gettext_lazy("Follow-ups")
    default_sort = "due_at"
    search_field = "q"
    create_url_name = "activities:follow_up_create"
    create_label = gettext_lazy("Set a follow-up")
    add_permission = "activities.add_followup"
    empty_icon = "bi-arrow-repeat"
    empty_text = gettext_lazy("No follow-ups yet.")
    empty_filtered_text = gettext_lazy("No follow-ups match these filters.")
    columns: ClassVar[list[Column]] = [
        Column(
            "due_at",
            gettext_lazy("Due"),
            cell=lambda f: date_cell(f.due_at),
            value=lambda f: f.due_at.isoformat(),
            sort="due_at",
            th_class="col-date",
        ),
        Column(
            "purpose",
            gettext_lazy("Purpose"),
            cell=_purpose_cell,
            primary=True,
            title=lambda f: f.purpose,
            th_class="col-name",
        ),
        Column(
            "subject",
            gettext_lazy("About"),
            cell=_subject_cell,
            value=lambda f: f.subject_label.label,
        ),
        Column(
            "assignee",
            gettext_lazy("Assignee"),
            cell=lambda f: format_html("<bdi>{}</bdi>", _person(f.assignee)),
            value=lambda f: _person(f.assignee),
            th_class="col-person",
        ),
        Column("channel", gettext_lazy("Channel"), cell=_CHANNEL, value=_CHANNEL),
        Column(
            "status",
            gettext_lazy("Status"),
            cell=_status_cell,
            value=_STATUS,
            th_class="col-badge",
        ),
    ]

    def base_queryset(self, action: str = "view"):
        return FollowUp.objects.restrict(self.request.user, action).select_related("assignee")

    def prepare_rows(self, rows: list) -> list:
        return label_follow_ups(self.request.user, rows)

    def row_class(self, row) -> str:
        return "text-secondary" if row.status != FollowUpStatus.OPEN else ""


class FollowUpDetailView(RecordView):
    """One follow-up: its facts, the record it is about (named only if visible), its trail
    and, while open, the actions the user may take."""

    model = FollowUp
    permission_required = "activities.view_followup"
    template_name = "activities/followups/detail.html"
    timeline_tab = None

    def get_queryset(self):
        return FollowUp.objects.select_related(
            "assignee", "set_by", "rule", "created_by", "next", "previous"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        follow_up = ctx["record"]
        user = self.request.user
        label_follow_ups(user, [follow_up])
        can_change = (
            user.has_perm("activities.change_followup")
            and FollowUp.objects.restrict(user, "change").filter(pk=follow_up.pk).exists()
        )
        follow_up.read_only = not can_change
        ctx.update(
            follow_up=follow_up,
            trail=follow_up_trail(follow_up),
            can_change=can_change,
            now=clock.now(),
        )
        return ctx


class FollowUpCreateView(ServiceFormView):
    """Set a follow-up (for oneself by default); `?contact=<pk>` fills in the contact."""

    model = FollowUp
    form_class = FollowUpForm
    template_name = "activities/followups/form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def build(self, data=None, files=None):
        parts = super().build(data, files)
        contact = self.request.GET.get("contact")
        if data is None and contact:
            parts["form"].initial["contact"] = contact
        return parts

    def save(self, parts):
        data = parts["form"].cleaned_data
        return follow_up_create(
            actor=self.request.user,
            assignee=data["assignee"],
            due_at=data["due_at"],
            purpose=data["purpose"],
            channel=data["channel"],
            record=data.get("contact"),
        )

    error_aliases = {"record": "contact"}  # noqa: RUF012 - the base's instance default

    def success_message(self, record, *, created):
        return _("Follow-up set.")


# --- acting on one follow-up, in place -------------------------------------------------------


class FollowUpActionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """GET: the action's form (a partial with htmx, else a page); POST: the service call. With
    htmx a success answers the follow-up's row again (`_row.html`) and triggers
    `followUpChanged` for other widgets; errors answer the form with its messages."""

    permission_required = "activities.change_followup"
    form_class: Any = None
    verb = ""
    title: Any = ""
    submit: Any = ""
    done_message: Any = ""

    def get_follow_up(self) -> FollowUp:
        return get_restricted_or_404(
            FollowUp.objects.select_related("assignee", "set_by"),
            self.request.user,
            "change",
            pk=self.kwargs["pk"],
        )

    def form(self, follow_up, data=None):
        return self.form_class(data, user=self.request.user, follow_up=follow_up)

    def render_form(self, follow_up, form, status=200):
        htmx = bool(getattr(self.request, "htmx", None))
        template = (
            "activities/followups/_action_form.html"
            if htmx
            else "activities/followups/action_page.html"
        )
        label_follow_ups(self.request.user, [follow_up])
        return TemplateResponse(
            self.request,
            template,
            {
                "follow_up": follow_up,
                "form": form,
                "verb": self.verb,
                "title": self.title,
                "submit": self.submit,
                "action_url": reverse(f"activities:follow_up_{self.verb}", args=[follow_up.pk]),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        follow_up = self.get_follow_up()
        if request.GET.get("close"):
            return HttpResponse("")  # the panel's Close button empties it
        return self.render_form(follow_up, self.form(follow_up))

    def post(self, request, *args, **kwargs):
        follow_up = self.get_follow_up()
        form = self.form(follow_up, request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    follow_up = self.act(follow_up, form.cleaned_data)
            except ValidationError as exc:
                apply_error(form, exc, {})
            else:
                return self.done(follow_up)
        return self.render_form(follow_up, form)

    def act(self, follow_up: FollowUp, data: dict) -> FollowUp:
        raise NotImplementedError

    def done(self, follow_up: FollowUp) -> HttpResponse:
        htmx = getattr(self.request, "htmx", None)
        detail = reverse("activities:follow_up_detail", args=[follow_up.pk])
        if htmx and urlsplit(htmx.current_url or "").path == detail:
            messages.success(self.request, str(self.done_message))
            response = HttpResponse("")
            response["HX-Redirect"] = self.after_url(follow_up)
            return response
        if htmx:
            follow_up = FollowUp.objects.select_related("assignee").get(pk=follow_up.pk)
            label_follow_ups(self.request.user, [follow_up])
            follow_up.read_only = not (  # type: ignore[attr-defined]
                FollowUp.objects.restrict(self.request.user, "change")
                .filter(pk=follow_up.pk)
                .exists()
            )
            response = TemplateResponse(
                self.request,
                "activities/followups/_row.html",
                {"follow_up": follow_up, "now": clock.now(), "message": self.done_message},
            )
            response["HX-Trigger"] = "followUpChanged"
            return response
        messages.success(self.request, str(self.done_message))
        return redirect(self.after_url(follow_up))

    def after_url(self, follow_up: FollowUp) -> str:
        """The follow-up's page while the user may still see it (a forward can take it out of
        their sight), else the list."""
        if FollowUp.objects.restrict(self.request.user, "view").filter(pk=follow_up.pk).exists():
            return reverse("activities:follow_up_detail", args=[follow_up.pk])
        return reverse("activities:follow_up_list")


class FollowUpCompleteView(FollowUpActionView):
    form_class = FollowUpCompleteForm
    verb = "complete"
    title = gettext_lazy("Mark done")
    submit = gettext_lazy("Done")
    done_message = gettext_lazy("Follow-up done.")

    def act(self, follow_up, data):
        return follow_up_complete(
            actor=self.request.user,
            follow_up=follow_up,
            outcome=data["outcome"],
            next_due_at=data.get("next_due_at"),
            next_purpose=data.get("next_purpose") or None,
            next_channel=data.get("next_channel") or None,
        )


class FollowUpForwardView(FollowUpActionView):
    form_class = FollowUpForwardForm
    verb = "forward"
    title = gettext_lazy("Forward")
    submit = gettext_lazy("Forward")
    done_message = gettext_lazy("Follow-up forwarded.")

    def act(self, follow_up, data):
        return follow_up_forward(
            actor=self.request.user,
            follow_up=follow_up,
            to=data["to"],
            instruction=data["instruction"],
        )


class FollowUpPostponeView(FollowUpActionView):
    form_class = FollowUpPostponeForm
    verb = "postpone"
    title = gettext_lazy("Postpone")
    submit = gettext_lazy("Postpone")
    done_message = gettext_lazy("Follow-up postponed.")

    def act(self, follow_up, data):
        return follow_up_postpone(
            actor=self.request.user,
            follow_up=follow_up,
            due_at=data["due_at"],
            remark=data["remark"],
        )


class FollowUpCancelView(FollowUpActionView):
    form_class = FollowUpCancelForm
    verb = "cancel"
    title = gettext_lazy("Cancel the follow-up")
    submit = gettext_lazy("Cancel it")
    done_message = gettext_lazy("Follow-up cancelled.")

    def act(self, follow_up, data):
        return follow_up_cancel(
            actor=self.request.user, follow_up=follow_up, remark=data.get("remark", "")
        )


# --- rules ------------------------------------------------------------------------------------


def _rule_name_cell(rule: FollowUpRule):
    return format_html(
        '<a href="{}"><bdi>{}</bdi></a>',
        reverse("activities:follow_up_rule_update", args=[rule.pk]),
        rule.name,
    )


def _active_cell(rule: FollowUpRule):
    if rule.is_active:
        return format_html('<span class="badge text-bg-success">{}</span>', _("Active"))
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Inactive"))


_ASSIGN_TO = choice_label(FollowUpRule, "assign_to")


def _cadence_text(rule: FollowUpRule) -> str:
    if rule.cadence == Cadence.DAYS_OF_MONTH:
        return _("On days %(days)s of the month") % {
            "days": ", ".join(str(d) for d in rule.days_of_month or [])
        }
    if rule.cadence == Cadence.SINCE_ACTIVITY:
        return _("Every %(n)s days since the last activity") % {"n": rule.interval_days}
    return _("Every %(n)s days since the last completed follow-up") % {"n": rule.interval_days}


class FollowUpRuleListView(ListPage):
    permission_required = "activities.view_followuprule"
    filterset_class = FollowUpRuleFilterSet
    list_key = "follow_up_rules"
    list_url_name = "activities:follow_up_rule_list"
    title = gettext_lazy("Follow-up rules")
    default_sort = "name"
    create_url_name = "activities:follow_up_rule_create"
    create_label = gettext_lazy("Add rule")
    add_permission = "activities.add_followuprule"
    empty_icon = "bi-arrow-repeat"
    empty_text = gettext_lazy(
        "No follow-up rules yet. A rule sets periodic follow-ups for the contacts it picks."
    )
    empty_filtered_text = gettext_lazy("No rules match these filters.")
    columns: ClassVar[list[Column]] = [
        Column("name", gettext_lazy("Name"), cell=_rule_name_cell, sort="name", primary=True),
        Column("cadence", gettext_lazy("Cadence"), cell=_cadence_text, value=_cadence_text),
        Column("assign_to", gettext_lazy("Assigned to"), cell=_ASSIGN_TO, value=_ASSIGN_TO),
        Column("is_active", gettext_lazy("Status"), cell=_active_cell, th_class="col-badge"),
    ]

    def base_queryset(self, action: str = "view"):
        return FollowUpRule.objects.restrict(self.request.user, "view")


class FollowUpRuleFormView(ServiceFormView):
    model = FollowUpRule
    form_class = FollowUpRuleForm
    template_name = "activities/followups/rule_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_restricted_or_404(
            FollowUpRule.objects.all(), self.request.user, "change", pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        return {"user": self.request.user, "instance": self.object}

    def save(self, parts):
        return follow_up_rule_save(
            actor=self.request.user, rule=self.object, **parts["form"].service_fields()
        )

    error_aliases = {"criteria": "criteria_contact_type"}  # noqa: RUF012

    def get_success_url(self, record):
        return reverse("activities:follow_up_rule_list")


class FollowUpRuleDeleteView(ServiceDeleteView):
    model = FollowUpRule
    success_url_name = "activities:follow_up_rule_list"
    consequence = gettext_lazy(  # type: ignore[assignment]
        "No new follow-ups will be set by this rule. Those it already set stay as they are."
    )

    def get_cancel_url(self, record):
        return reverse("activities:follow_up_rule_update", args=[record.pk])

    def get_breadcrumbs(self, record):
        return [
            (_("Follow-up rules"), reverse("activities:follow_up_rule_list")),
            (str(record), self.get_cancel_url(record)),
        ]

    def delete(self, record):
        follow_up_rule_delete(actor=self.request.user, rule=record)


class FollowUpRulePreviewView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """How many contacts a rule (as typed in its form, not yet saved) matches, and when the
    next follow-ups of the first few would be due and to whom: a partial for the rule form."""

    permission_required = "activities.view_followuprule"

    def post(self, request, *args, **kwargs):
        instance = None
        if kwargs.get("pk"):
            instance = get_restricted_or_404(
                FollowUpRule.objects.all(), request.user, "view", pk=kwargs["pk"]
            )
        form = FollowUpRuleForm(request.POST, user=request.user, instance=instance)
        ctx: dict[str, Any] = {"form": form}
        if form.is_valid():
            data = form.service_fields()
            rule = FollowUpRule(
                company_id=user_company_id(request.user), pk=getattr(instance, "pk", None)
            )
            for name, value in data.items():
                setattr(rule, name, value)
            matching, rows = rule_preview(rule)
            contacts = Contact.objects.restrict(request.user, "view").in_bulk(
                [pk for pk, _due, _who in rows]
            )
            people = {
                e.pk: e
                for e in form.fields["user"].queryset.filter(
                    pk__in=[who for _pk, _due, who in rows if who]
                )
            }
            ctx.update(
                matching=matching,
                rows=[
                    {
                        "contact": contacts.get(pk),
                        "due_on": due,
                        "assignee": people.get(who) if who else None,
                    }
                    for pk, due, who in rows
                ],
            )
        return TemplateResponse(request, "activities/followups/_rule_preview.html", ctx)


def record_tab(request, record) -> list[Tab]:
    """The "Follow-ups" tab on a contact's page (`registry.record_tab`): the follow-ups about
    it the user may see, acted on in place, and "Set a follow-up" prefilled with the contact."""
    user = request.user
    if not user.has_perm("activities.view_followup") or user_company_id(user) is None:
        return []
    rows = record_follow_ups(user, record)
    new_url = ""
    if user.has_perm("activities.add_followup"):
        new_url = reverse("activities:follow_up_create") + f"?contact={record.pk}"
    return [
        Tab(
            "follow-ups",
            gettext_lazy("Follow-ups"),
            count=len(rows),
            template="activities/followups/_record_tab.html",
            context={"rows": rows, "new_url": new_url, "now": clock.now()},
        )
    ]
