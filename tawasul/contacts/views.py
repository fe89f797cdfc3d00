"""Contact pages: the record page, its lifecycle action, and the autocomplete for pickers."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from tawasul.access.fields import can_see
from tawasul.access.links import is_hidden
from tawasul.access.querysets import get_restricted_or_404
from tawasul.core import autocomplete
from tawasul.core.records import (
    Action,
    Fact,
    RecordHeader,
    RecordView,
    Status,
    Tab,
    without_replaced,
)
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
        # Tabs other modules add (tasks, follow-ups, files, notes...); a placeholder stays
        # until a module's tab takes its place.
        contributed = self.contributed_tabs(contact)
        placeholders = [
            Tab(
                "activity",
                _("Activity"),
                note=_(
                    "Calls, visits and e-mails with this contact will appear here when the "
                    "Field and Mail modules are enabled."
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
        tabs += [
            Tab("history", _("History")),
            *contributed,
            *without_replaced(placeholders, contributed),
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


class EmployeeAutocomplete(autocomplete.AutocompleteView):
    """Active employees; with `?for=<field>`, only those the user may put in a contact's
    representative, coordinator or manager (re-assigning, or with `?action=add` in a new
    contact), as the services check."""

    model = Employee

    def get_queryset(self):
        field = self.request.GET.get("for", "")
        if not field:
            return super().get_queryset()
        action = "add" if self.request.GET.get("action") == "add" else "assign"
        return selectors.employee_assignable_list(
            user=self.request.user, field=field, action=action
        )

    def label(self, employee) -> str:
        return f"{employee.display_name} ({employee.code})"


class AreaAutocomplete(autocomplete.AutocompleteView):
    model = Area

    def label(self, area) -> str:
        return f"{area.display_name} · {area.get_level_display()}"


class ContactAutocomplete(autocomplete.AutocompleteView):
    """Contacts the user may view: the contacts' own search, or all by name."""

    model = Contact

    def matches(self, query: str):
        user = self.request.user
        if query:
            return selectors.contact_search(user=user, query=query)
        return selectors.contact_list(user=user).order_by("name", "pk")

    def label(self, contact) -> str:
        return f"{contact.display_name} ({contact.code})"


class DealerAutocomplete(ContactAutocomplete):
    """Dealers and agents the user may view."""

    def matches(self, query: str):
        return super().matches(query).filter(contact_type__code__in=DEALER_TYPE_CODES)


class AutocompleteView(autocomplete.AutocompleteKinds):
    """Matches for a contact's link fields as the user types, at `autocomplete/<kind>/`."""

    kinds = {
        "employee": EmployeeAutocomplete,
        "area": AreaAutocomplete,
        "contact": ContactAutocomplete,
        "dealer": DealerAutocomplete,
    }
