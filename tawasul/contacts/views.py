"""Contact pages: list with filters and bulk actions, detail, create and edit, export."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.fields import can_see
from tawasul.access.links import is_hidden
from tawasul.access.querysets import get_restricted_or_404, user_company, user_company_id
from tawasul.core.cleaning import bad_characters, parse_id, parse_ids
from tawasul.core.export import csv_response, xlsx_response
from tawasul.core.http import safe_next
from tawasul.core.models import SavedFilter
from tawasul.core.pagination import InvalidCursor, capped_count, keyset_paginate, narrow_to_keys
from tawasul.core.search import ranked_sort, text_filter
from tawasul.org.models import Employee

from . import fileformat, selectors, services
from .choices import DEALER_TYPE_CODES, LIFECYCLE_MOVES, Lifecycle
from .filtersets import ContactFilterSet
from .forms import (
    AddressFormSet,
    BulkAssignForm,
    BulkCategoryForm,
    ContactForm,
    EmailFormSet,
    LifecycleForm,
    PersonFormSet,
    PhoneFormSet,
    SavedFilterForm,
)
from .models import Area, Contact
from .phones import phone_region

PAGE_SIZE = 25
COMMISSION = "contacts.dealerprofile.commission_rate"
SORTS = {
    "name": gettext_lazy("Name"),
    "code": gettext_lazy("Code"),
    "created_at": gettext_lazy("Created"),
    "updated_at": gettext_lazy("Updated"),
}
LIST_VIEW_KEY = "contacts"


def _filter_chips(filterset) -> list[dict]:
    """Active filters as removable chips: label, shown value, and raw value to remove."""
    form = filterset.form
    chips = []
    for name, value in form.cleaned_data.items():
        if value is None or value == "":
            continue
        field = form.fields[name]
        items = list(value) if isinstance(value, (list, tuple, QuerySet)) else [value]
        labels = {} if hasattr(field, "queryset") else dict(getattr(field, "choices", []))
        for item in items:
            raw = item.pk if isinstance(item, Model) else item
            chips.append(
                {
                    "name": name,
                    "label": field.label or name,
                    "value": labels.get(item, item),
                    "raw": raw,
                }
            )
    return chips


class ContactListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Contacts the user may see: search, filters, sort, keyset pages, saved views, bulk bar."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/contact_list.html"
    title = gettext_lazy("Contacts")
    list_key = LIST_VIEW_KEY

    def base_queryset(self):
        return selectors.contact_list(user=self.request.user)

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "contact-table":
            return ["contacts/_contact_table.html"]
        if self.counting:
            return ["contacts/_row_count.html"]
        return [self.template_name]

    @property
    def counting(self) -> bool:
        """The row count, asked for by the page once it is shown (it can cost more than the
        page itself for users whose rules match few rows)."""
        return bool(self.request.htmx and self.request.htmx.target == "row-count")

    def filtered(self):
        """The filter set, the rows it selects, and their count when already known."""
        request = self.request
        filterset = ContactFilterSet(
            request.GET or None, queryset=self.base_queryset(), request=request
        )
        queryset = (
            filterset.qs if filterset.is_bound and filterset.is_valid() else self.base_queryset()
        )
        known_count = None
        if (
            filterset.is_bound
            and filterset.is_valid()
            and any(filterset.form.cleaned_data.values())
        ):
            queryset, known_count = narrow_to_keys(queryset)
        return filterset, queryset, known_count

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        filterset, queryset, known_count = self.filtered()
        if self.counting:
            total, more = (
                (known_count, False) if known_count is not None else capped_count(queryset)
            )
            ctx.update(total=total, total_more=more)
            return ctx
        # A search that ranked its matches shows the best first unless a sort was chosen.
        sort = request.GET.get("sort") or ranked_sort(queryset, "name")
        if sort.lstrip("-") not in SORTS and sort != ranked_sort(queryset, "name"):
            sort = "name"
        error = None
        try:
            page = keyset_paginate(
                queryset,
                sort=sort,
                cursor=request.GET.get("cursor"),
                size=PAGE_SIZE,
                keys_first=True,
            )
        except InvalidCursor:
            error = _("That page link is no longer valid; showing the first page.")
            page = keyset_paginate(
                queryset, sort=sort, cursor=None, size=PAGE_SIZE, keys_first=True
            )
        if request.GET.get("cursor") and not page.rows and error is None:
            error = _("There are no more contacts past this point.")
        ctx.update(
            title=self.title,
            filterset=filterset,
            page=page,
            # Linked records the user may not view are shown as "(not visible to you)"; rows
            # show only the links they join in (LIST_RELATED), so only those are asked about.
            contacts=selectors.contact_mask_links(
                user=request.user, contacts=page.rows, fields=selectors.LIST_RELATED
            ),
            total=known_count,  # None: the page asks for the count once it is shown
            total_more=False,
            sort=sort,
            sorts=SORTS,
            chips=_filter_chips(filterset) if filterset.is_bound else [],
            page_error=error,
            saved_filters=request.user.saved_filters.filter(view=self.list_key),
            current_query=request.GET.urlencode(),
            bulk_assign_form=BulkAssignForm(user=request.user),
            bulk_category_form=BulkCategoryForm(user=request.user),
            can_add=request.user.has_perm("contacts.add_contact"),
            can_export=request.user.has_perm("contacts.export_contact"),
            can_assign=request.user.has_perm("contacts.assign_contact"),
            can_change=request.user.has_perm("contacts.change_contact"),
            list_url=request.path,
            show_dealer_columns=False,
            can_see_commission=can_see(request.user, COMMISSION),
        )
        return ctx


class DealerListView(ContactListView):
    """Dealers and agents, with their terms."""

    title = gettext_lazy("Dealers & agents")
    list_key = "dealers"

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .filter(contact_type__code__in=DEALER_TYPE_CODES)
            .select_related("dealer_profile")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["show_dealer_columns"] = True
        return ctx


class ContactExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The filtered (or selected) contacts as CSV or XLSX; reads through restrict(export).

    The file is the contacts file format (`fileformat`): it imports again as it is. Headers
    are in the user's language, times in the user's zone (the middleware activates both).
    """

    permission_required = "contacts.export_contact"

    def get(self, request):
        queryset = selectors.contact_list(user=request.user, action="export")
        filterset = ContactFilterSet(request.GET, queryset=queryset, request=request)
        if not filterset.is_valid():
            return HttpResponseBadRequest(_("Invalid filters."))
        queryset = filterset.qs
        pks = parse_ids(request.GET.getlist("pk"))
        if pks:
            queryset = queryset.filter(pk__in=pks)
        columns = fileformat.export_columns(queryset)
        header = [str(c.label) for c in columns]
        rows = fileformat.export_rows(
            queryset, columns, user=request.user, company_id=user_company_id(request.user)
        )
        if request.GET.get("format", "csv") == "xlsx":
            return xlsx_response(
                "contacts.xlsx",
                header,
                rows,
                title=str(_("Contacts")),
                widths=[c.width for c in columns],
                text_columns=[c.text for c in columns],
            )
        return csv_response("contacts.csv", header, rows)


class ContactBulkView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Bulk actions on the selected rows: assign, change category."""

    permission_required = "contacts.change_contact"

    def post(self, request):
        pks = parse_ids(request.POST.getlist("pk"))
        back = safe_next(request, "contacts:contact_list")
        if not pks:
            messages.error(request, _("Select at least one contact."))
            return redirect(back)
        action = request.POST.get("action")
        try:
            if action == "assign":
                if not request.user.has_perm("contacts.assign_contact"):
                    raise PermissionDenied
                form = BulkAssignForm(request.POST, user=request.user)
                if not form.is_valid():
                    messages.error(request, _("Choose a valid employee."))
                    return redirect(back)
                # Re-assigning needs both rights on each contact: assign and change.
                changeable = Contact.objects.restrict(request.user, "change").filter(pk__in=pks)
                contacts = Contact.objects.restrict(request.user, "assign").filter(
                    pk__in=changeable.values("pk")
                )
                count = services.contact_bulk_assign(
                    actor=request.user,
                    contacts=contacts,
                    reason=form.cleaned_data["reason"],
                    **{form.cleaned_data["field"]: form.cleaned_data["employee"]},
                )
            elif action == "category":
                form = BulkCategoryForm(request.POST, user=request.user)
                if not form.is_valid():
                    messages.error(request, _("Choose a valid category."))
                    return redirect(back)
                contacts = Contact.objects.restrict(request.user, "change").filter(pk__in=pks)
                count = services.contact_bulk_set_category(
                    actor=request.user, contacts=contacts, category=form.cleaned_data["category"]
                )
            else:
                messages.error(request, _("Unknown action."))
                return redirect(back)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(request, _("%(count)s contacts updated.") % {"count": count})
        return redirect(back)


class SavedFilterView(LoginRequiredMixin, View):
    """Save the current filters as a named view, or delete one."""

    def post(self, request):
        view_key = request.POST.get("view", LIST_VIEW_KEY)
        if view_key not in (LIST_VIEW_KEY, DealerListView.list_key):
            raise Http404
        back = reverse("contacts:dealer_list" if view_key == "dealers" else "contacts:contact_list")
        if "delete" in request.POST:
            key = parse_id(request.POST["delete"])
            deleted = request.user.saved_filters.filter(pk=key).delete()[0] if key else 0
            if not deleted:
                raise Http404
            messages.success(request, _("Saved view removed."))
            return redirect(back)
        form = SavedFilterForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the view a name."))
            typed = request.POST.get("query", "")
            return redirect(back + ("" if bad_characters(typed) else "?" + typed))
        query = form.cleaned_data["query"]
        SavedFilter.objects.update_or_create(
            user=request.user,
            view=view_key,
            name=form.cleaned_data["name"],
            defaults={"query": query},
        )
        messages.success(request, _("View saved."))
        return redirect(back + ("?" + query if query else ""))


def _contact_for(request, pk, action="view"):
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
        contact = _contact_for(request, pk, "change")
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


class ContactDeleteView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "contacts.delete_contact"

    def post(self, request, pk):
        contact = _contact_for(request, pk, "delete")
        try:
            services.contact_delete(actor=request.user, contact=contact)
        except Exception as exc:  # protected links (e.g. referenced as a dealer elsewhere)
            from django.db.models import ProtectedError

            if not isinstance(exc, ProtectedError):
                raise
            messages.error(request, _("This contact is still referenced and cannot be deleted."))
            return redirect("contacts:contact_detail", pk=pk)
        messages.success(request, _("Contact deleted."))
        return redirect("contacts:contact_list")


# --- create and edit -----------------------------------------------------------------------


def _children_initial(contact: Contact) -> dict[str, list[dict]]:
    persons = []
    for person in contact.persons.all():
        phones = [p.number for p in person.phones.all()]
        emails = [e.address for e in person.emails.all()]
        persons.append(
            {
                "id": person.pk,
                "name": person.name,
                "name_ar": person.name_ar,
                "title": person.title,
                "department": person.department,
                "is_primary": person.is_primary,
                "phone": phones[0] if phones else "",
                "email": emails[0] if emails else "",
            }
        )
    addresses = [
        {
            k: getattr(a, k)
            for k in (
                "kind",
                "line1",
                "line2",
                "city",
                "postal_code",
                "country",
                "latitude",
                "longitude",
            )
        }
        | {"id": a.pk}
        for a in contact.addresses.all()
    ]
    phones = [
        {"id": p.pk, "kind": p.kind, "number": p.number}
        for p in contact.phones.all()
        if p.person_id is None
    ]
    emails = [
        {"id": e.pk, "kind": e.kind, "address": e.address}
        for e in contact.emails.all()
        if e.person_id is None
    ]
    return {"persons": persons, "addresses": addresses, "phones": phones, "emails": emails}


def _rows(formset, convert) -> list[dict]:
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        if data.get("DELETE"):
            continue
        rows.append(convert({k: v for k, v in data.items() if k != "DELETE"}))
    return rows


def _person_row(data):
    row = {k: data[k] for k in ("name", "name_ar", "title", "department", "is_primary")}
    if data.get("id"):
        row["id"] = data["id"]
    row["phones"] = [data["phone"]] if data.get("phone") else []
    row["emails"] = [data["email"]] if data.get("email") else []
    return row


def _plain_row(data):
    row = {k: v for k, v in data.items() if k != "id"}
    if data.get("id"):
        row["id"] = data["id"]
    return row


class ContactFormView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Create or edit a contact with its persons, addresses, phones and e-mails on one page."""

    template_name = "contacts/contact_form.html"

    def get_permission_required(self):
        return ["contacts.change_contact" if "pk" in self.kwargs else "contacts.add_contact"]

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        contact = _contact_for(self.request, self.kwargs["pk"], "change")
        return (
            Contact.objects.restrict(self.request.user, "change")
            .filter(pk=contact.pk)
            .prefetch_related(
                "persons__phones",
                "persons__emails",
                "addresses",
                "phones",
                "emails",
                "product_groups",
            )
            .get()
        )

    def build(self, data=None):
        contact = self.object
        initial = _children_initial(contact) if contact else {}
        form_initial = {}
        employee = getattr(self.request.user, "employee", None)
        if contact is None and employee is not None:
            # New contacts start assigned to whoever creates them; record rules often say
            # "my contacts", so this keeps a representative's new contact within reach.
            form_initial = {"representative": employee.pk, "branch": employee.branch_id}
        # Phones are checked in the forms as the service will, so their errors show at once.
        company = contact.company if contact else user_company(self.request.user)
        region = {"region": phone_region(company)}
        return {
            "form": ContactForm(
                data, instance=contact, user=self.request.user, initial=form_initial
            ),
            "persons": PersonFormSet(
                data, prefix="persons", initial=initial.get("persons"), form_kwargs=region
            ),
            "addresses": AddressFormSet(data, prefix="addresses", initial=initial.get("addresses")),
            "phones": PhoneFormSet(
                data, prefix="phones", initial=initial.get("phones"), form_kwargs=region
            ),
            "emails": EmailFormSet(data, prefix="emails", initial=initial.get("emails")),
        }

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(**self.build()))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["contact"] = self.object
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        # What identified the contact before this edit, read before the form writes the
        # typed values onto the instance (duplicates are asked about only for what is new).
        self.saved_identity = (
            services.contact_stored_duplicate_values(self.object) if self.object else None
        )
        parts = self.build(request.POST)
        valid = all(p.is_valid() for p in parts.values())
        if valid:
            form = parts["form"]
            nested = {
                "product_groups": form.cleaned_data["product_groups"],
                "persons": _rows(parts["persons"], _person_row),
                "addresses": _rows(parts["addresses"], _plain_row),
                "phones": _rows(parts["phones"], _plain_row),
                "emails": _rows(parts["emails"], _plain_row),
            }
            duplicates = self.find_duplicates(form, nested)
            if duplicates and not request.POST.get("confirm_duplicates"):
                return self.render_to_response(
                    self.get_context_data(duplicates=duplicates, **parts)
                )
            try:
                with transaction.atomic():
                    contact = self.save(form, nested)
            except ValidationError as exc:
                self.attach_errors(parts, exc)
            except PermissionDenied as exc:
                parts["form"].add_error(None, str(exc) or _("You may not save this contact."))
            else:
                messages.success(request, _("Contact saved."))
                return redirect("contacts:contact_detail", pk=contact.pk)
        return self.render_to_response(self.get_context_data(**parts), status=200)

    def find_duplicates(self, form, nested):
        """Visible contacts sharing the code, a name, a phone or an e-mail (persons' too); for
        an edit, only matches its saved values did not already have (a save without changes
        never asks again)."""
        company = user_company(self.request.user)
        if company is None:
            return []
        values = services.contact_duplicate_values(
            data=form.cleaned_data,
            persons=nested["persons"],
            phones=nested["phones"],
            emails=nested["emails"],
        )
        if self.object is not None:
            return services.contact_find_new_duplicates(
                user=self.request.user,
                contact=self.object,
                before=self.saved_identity,
                **values,
            )
        return services.contact_find_duplicates(
            user=self.request.user,
            company=company,
            exclude_pk=self.object.pk if self.object else None,
            **values,
        )

    def save(self, form, nested):
        user = self.request.user
        data = form.service_data()
        if not data.get("code") and self.object is None:
            data.pop("code", None)
        if self.object is None:
            company = user_company(user)
            if company is None:
                raise ValidationError(_("Your account is not linked to a company."))
            return services.contact_create(actor=user, company=company, data=data, **nested)
        data.pop("lifecycle", None)
        return services.contact_update(actor=user, contact=self.object, data=data, **nested)

    def attach_errors(self, parts, exc: ValidationError):
        if not hasattr(exc, "error_dict"):
            parts["form"].add_error(None, exc)
            return
        for key, errors in exc.message_dict.items():
            messages_ = " ".join(errors)
            if key in parts["form"].fields:
                parts["form"].add_error(key, messages_)
                continue
            for prefix in ("persons", "addresses", "phones", "emails"):
                if key.startswith(prefix + "["):
                    index = int(key[len(prefix) + 1 : key.index("]")])
                    forms_ = parts[prefix].forms
                    live = [
                        f for f in forms_ if f.cleaned_data and not f.cleaned_data.get("DELETE")
                    ]
                    target = live[index] if index < len(live) else None
                    if target is not None:
                        field = (
                            "number"
                            if prefix == "phones"
                            else "address"
                            if prefix == "emails"
                            else None
                        )
                        if prefix == "persons" and key.endswith(".phones"):
                            field = "phone"
                        elif prefix == "persons" and key.endswith(".emails"):
                            field = "email"
                        target.add_error(field, messages_)
                    else:
                        parts["form"].add_error(None, messages_)
                    break
            else:
                parts["form"].add_error(None, messages_)


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
