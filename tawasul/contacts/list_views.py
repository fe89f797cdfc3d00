"""Contact lists: the contacts and dealers pages, export, bulk actions and saved views."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.fields import can_see
from tawasul.access.querysets import user_company_id
from tawasul.core.cleaning import bad_characters, parse_id, parse_ids
from tawasul.core.export import csv_response, xlsx_response
from tawasul.core.http import safe_next
from tawasul.core.models import SavedFilter
from tawasul.core.pagination import InvalidCursor, capped_count, keyset_paginate, narrow_to_keys
from tawasul.core.search import ranked_sort

from . import fileformat, selectors, services
from .choices import DEALER_TYPE_CODES
from .filtersets import ContactFilterSet
from .forms import (
    BulkAssignForm,
    BulkCategoryForm,
    SavedFilterForm,
)
from .models import Contact

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
