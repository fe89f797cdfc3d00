"""Contact pages: the record page, its lifecycle action, and the autocomplete for pickers."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from tawasul.access.fields import can_see
from tawasul.access.links import is_hidden
from tawasul.access.querysets import get_restricted_or_404
from tawasul.core.records import Action, Fact, RecordHeader, RecordView, Status, Tab
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


class ContactDetailView(RecordView):
    """A contact's page: header with key facts and actions, tabs, history timeline."""

    model = Contact
    permission_required = "contacts.view_contact"
    template_name = "contacts/contact_detail.html"
    timeline_id = "contact-history"

    def get_object(self) -> Contact:
        if not hasattr(self, "_record"):
            self._record = selectors.contact_detail(user=self.request.user, pk=self.kwargs["pk"])
        return self._record

    def can_change(self, contact: Contact) -> bool:
        if not hasattr(self, "_can_change"):
            self._can_change = (
                Contact.objects.restrict(self.request.user, "change").filter(pk=contact.pk).exists()
            )
        return self._can_change

    def header(self, contact: Contact) -> RecordHeader:
        type_text = str(contact.contact_type)
        if contact.category:
            type_text = f"{type_text} · {contact.category}"
        facts = [
            Fact(_("Code"), contact.code, css="font-monospace"),
            Fact(_("Type"), type_text),
            Fact(_("Representative"), contact.representative),
            Fact(_("Area"), contact.area),
        ]
        if contact.name_ar and contact.name_ar != contact.display_name:
            facts.append(Fact(_("Arabic name"), contact.name_ar, lang="ar"))
        elif contact.name != contact.display_name:
            facts.append(Fact(_("Name"), contact.name, lang="en"))
        actions = []
        if self.can_change(contact):
            url = reverse("contacts:contact_update", args=[contact.pk])
            actions.append(Action(_("Edit"), url, icon="pencil", id="edit-contact"))
        return RecordHeader(
            name=contact.display_name,
            code=contact.code,
            status=Status(contact.get_lifecycle_display(), f"lifecycle-{contact.lifecycle}"),
            facts=facts,
            actions=actions,
        )

    def tabs(self, contact: Contact) -> list[Tab]:
        panes = "contacts/_contact_tabs.html"
        tabs = [
            Tab("details", _("Details"), template=panes),
            Tab("persons", _("Persons"), count=len(contact.persons.all()), template=panes),
            Tab("addresses", _("Addresses"), count=len(contact.addresses.all()), template=panes),
        ]
        if contact.contact_type.code in DEALER_TYPE_CODES:
            tabs.append(Tab("dealer", _("Dealer terms"), template=panes))
        tabs += [
            Tab("history", _("History")),
            Tab(
                "activity",
                _("Activity"),
                note=_(
                    "Tasks, follow-ups, calls, visits and e-mails with this contact will appear "
                    "here when the Communicator and Field modules are enabled."
                ),
            ),
            Tab(
                "documents",
                _("Documents"),
                note=_(
                    "Documents attached to this contact will appear here when the Documents "
                    "module is enabled."
                ),
            ),
            Tab(
                "inquiries",
                _("Inquiries"),
                note=_(
                    "Inquiries, quotations and orders of this contact will appear here when the "
                    "Sales modules are enabled."
                ),
            ),
        ]
        return tabs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        contact = ctx["record"]
        ctx.update(
            contact=contact,
            lifecycle_changes=contact.lifecycle_changes.select_related("changed_by")[:20],
            lifecycle_moves=[
                (s, Lifecycle(s).label) for s in sorted(LIFECYCLE_MOVES[contact.lifecycle])
            ],
            can_change=self.can_change(contact),
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
