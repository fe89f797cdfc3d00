"""Contact pages: the record page, its lifecycle action, and the autocomplete for pickers."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.fields import can_see
from tawasul.access.links import is_hidden
from tawasul.access.querysets import get_restricted_or_404
from tawasul.core.search import ranked_sort, text_filter
from tawasul.org.models import Employee

from . import selectors, services
from .choices import DEALER_TYPE_CODES, LIFECYCLE_MOVES, Lifecycle
from .forms import (
    LifecycleForm,
)
from .models import Area, Contact

COMMISSION = "contacts.dealerprofile.commission_rate"


def contact_or_404(request, pk, action="view"):
    """The contact `pk` if the user may `action` it; 404 alike for missing and forbidden."""
    return get_restricted_or_404(Contact.objects.all(), request.user, action, pk=pk)


class ContactDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A contact's page: header with key facts and actions, tabs, history timeline."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/contact_detail.html"

    @property
    def history_only(self) -> bool:
        """The history tab's timeline, fetched by the page when the tab is first opened."""
        return bool(self.request.htmx and self.request.htmx.target == "contact-history")

    def get_template_names(self):
        return ["contacts/_contact_history.html"] if self.history_only else [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        contact = selectors.contact_detail(user=self.request.user, pk=self.kwargs["pk"])
        if self.history_only:
            ctx.update(
                contact=contact,
                history=selectors.contact_history(user=self.request.user, contact=contact),
            )
            return ctx
        user = self.request.user
        can_change = Contact.objects.restrict(user, "change").filter(pk=contact.pk).exists()
        ctx.update(
            contact=contact,
            lifecycle_changes=contact.lifecycle_changes.select_related("changed_by")[:20],
            lifecycle_form=LifecycleForm(),
            lifecycle_moves=[
                (s, Lifecycle(s).label) for s in sorted(LIFECYCLE_MOVES[contact.lifecycle])
            ],
            can_change=can_change,
            can_delete=user.has_perm("contacts.delete_contact"),
            tab=self.request.GET.get("tab", "details"),
            contact_phones=[p for p in contact.phones.all() if p.person_id is None],
            contact_emails=[e for e in contact.emails.all() if e.person_id is None],
            can_see_commission=can_see(user, COMMISSION),
            # The selector masked links the user may not view (see tawasul.access.links).
            dealer_visible=contact.dealer_id is not None and not is_hidden(contact.dealer),
            referrer_visible=contact.referred_by_contact_id is not None
            and not is_hidden(contact.referred_by_contact),
            served=selectors.contact_served_customers(user=user, contact=contact)
            if contact.contact_type.code in DEALER_TYPE_CODES
            else None,
        )
        return ctx


class ContactLifecycleView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "contacts.change_contact"

    def post(self, request, pk):
        contact = contact_or_404(request, pk, "change")
        form = LifecycleForm(request.POST)
        if form.is_valid():
            try:
                services.contact_set_lifecycle(
                    actor=request.user,
                    contact=contact,
                    stage=form.cleaned_data["stage"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Lifecycle updated."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, _("Choose a stage."))
        return redirect("contacts:contact_detail", pk=contact.pk)


def _name_matches(queryset, query: str):
    """Records of a `BilingualName` model whose names or code hold every word typed, in the
    normalised form, names starting with the words first (`ranked_sort`)."""
    return text_filter(queryset, query, rank_by=("search_text",))


class AutocompleteView(LoginRequiredMixin, View):
    """Matches for a link field as the user types; reads through the access entry point."""

    def get(self, request, kind):
        query = request.GET.get("q", "").strip()[:80]
        limit = 20
        if kind == "employee":
            field = request.GET.get("for", "")
            if field:
                # A contact's representative, coordinator or manager: only employees the user
                # may put there (re-assigning, or in a new contact), as the services check.
                action = "add" if request.GET.get("action") == "add" else "assign"
                queryset = selectors.employee_assignable_list(
                    user=request.user, field=field, action=action
                )
            else:
                queryset = Employee.objects.restrict(request.user, "view").filter(is_active=True)
            queryset = _name_matches(queryset, query)
            rows = [
                {"value": e.pk, "text": f"{e.display_name} ({e.code})"}
                for e in queryset.order_by(ranked_sort(queryset, "name"), "pk")[:limit]
            ]
        elif kind == "area":
            queryset = Area.objects.restrict(request.user, "view").filter(is_active=True)
            queryset = _name_matches(queryset, query)
            rows = [
                {"value": a.pk, "text": f"{a.display_name} · {a.get_level_display()}"}
                for a in queryset.order_by(ranked_sort(queryset, "name"), "pk")[:limit]
            ]
        elif kind in ("contact", "dealer"):
            queryset = (
                selectors.contact_search(user=request.user, query=query)
                if query
                else selectors.contact_list(user=request.user).order_by("name", "pk")
            )
            if kind == "dealer":
                queryset = queryset.filter(contact_type__code__in=DEALER_TYPE_CODES)
            rows = [
                {"value": c.pk, "text": f"{c.display_name} ({c.code})"} for c in queryset[:limit]
            ]
        else:
            raise Http404
        return JsonResponse({"results": rows})
