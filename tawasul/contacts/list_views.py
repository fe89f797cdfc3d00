"""Contact lists: the contacts and dealers pages, export, bulk actions and saved views, on
core's generic list (`tawasul.core.lists`)."""

import functools

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import get_script_prefix, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from tawasul.access.fields import can_see
from tawasul.access.querysets import user_company_id
from tawasul.core.lists import (
    EMPTY,
    BulkAction,
    Column,
    ListExport,
    ListPage,
    choice_label,
    date_cell,
)

from . import fileformat, selectors, services
from .choices import DEALER_TYPE_CODES
from .filtersets import ContactFilterSet
from .forms import BulkAssignForm, BulkCategoryForm
from .models import Contact

COMMISSION = "contacts.dealerprofile.commission_rate"
LIST_VIEW_KEY = "contacts"


def _bdi(value):
    return format_html("<bdi>{}</bdi>", EMPTY if value is None or value == "" else value)


def _other_name(c: Contact) -> tuple[str, str] | None:
    """The name in the other language, with its language, when it differs from the one shown."""
    if c.name_ar and c.display_name != c.name_ar:
        return c.name_ar, "ar"
    if c.display_name != c.name:
        return c.name, "en"
    return None


@functools.lru_cache(maxsize=8)
def _detail_prefix(script_prefix: str) -> str:
    """The contact page's address without its key (one `reverse` per process, not per row)."""
    return reverse("contacts:contact_detail", args=[1]).removesuffix("1/")


def _name_cell(c: Contact):
    other = _other_name(c)
    alt = (
        format_html('<bdi class="alt-name" lang="{}">{}</bdi>', other[1], other[0]) if other else ""
    )
    return format_html(
        '<div class="cell-name"><a href="{}{}/" class="fw-semibold text-decoration-none">'
        "<bdi>{}</bdi></a>{}</div>",
        _detail_prefix(get_script_prefix()),
        c.pk,
        c.display_name,
        alt,
    )


def _name_title(c: Contact) -> str:
    other = _other_name(c)
    return f"{c.display_name} · {other[0]}" if other else c.display_name


def _type_cell(c: Contact):
    if c.category:
        return format_html(
            '<bdi>{}</bdi> <span class="text-secondary small">· <bdi>{}</bdi></span>',
            c.contact_type,
            c.category,
        )
    return _bdi(c.contact_type)


def _commission_cell(c: Contact):
    profile = getattr(c, "dealer_profile", None)
    if profile is None:
        return EMPTY
    return format_html("<bdi>{}%</bdi>", number_format(profile.commission_rate))


def _agreement_cell(c: Contact):
    profile = getattr(c, "dealer_profile", None)
    return date_cell(profile.agreement_end if profile else None)


_lifecycle_label = choice_label(Contact, "lifecycle")


def _columns(dealers: bool) -> list[Column]:
    wide = " col-wide-only" if dealers else ""
    columns = [
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_name_cell,
            title=_name_title,
            sort="name",
            th_class="col-name",
            primary=True,
        ),
        Column(
            "code",
            gettext_lazy("Code"),
            sort="code",
            th_class="col-code",
            cell=lambda c: format_html(
                '<span class="font-monospace small">{}</span>', _bdi(c.code)
            ),
        ),
        Column(
            "contact_type",
            gettext_lazy("Type"),
            cell=_type_cell,
            title=lambda c: (
                f"{c.contact_type} · {c.category}" if c.category else str(c.contact_type)
            ),
        ),
        Column(
            "lifecycle",
            gettext_lazy("Lifecycle"),
            th_class="col-badge" + wide,
            td_class=wide.strip(),
            cell=lambda c: format_html(
                '<span class="badge lifecycle-{}">{}</span>', c.lifecycle, _lifecycle_label(c)
            ),
        ),
        Column("area", gettext_lazy("Area"), title=lambda c: c.area or ""),
        Column(
            "representative",
            gettext_lazy("Representative"),
            th_class="col-person",
            title=lambda c: c.representative or "",
        ),
    ]
    if dealers:
        columns += [
            Column(
                "commission",
                gettext_lazy("Commission"),
                cell=_commission_cell,
                th_class="col-num",
                visible=lambda request: can_see(request.user, COMMISSION),
            ),
            Column(
                "agreement_end",
                gettext_lazy("Agreement ends"),
                cell=_agreement_cell,
                th_class="col-date",
                td_class="small",
            ),
        ]
    columns.append(
        Column(
            "created_at",
            gettext_lazy("Created"),
            sort="created_at",
            descending_first=True,
            cell=lambda c: date_cell(c.created_at),
            th_class="col-date" + wide,
            td_class="small text-secondary card-hide" + wide,
        )
    )
    return columns


def _bulk_assign(request, pks, form) -> int:
    # Re-assigning needs both rights on each contact: assign and change.
    changeable = Contact.objects.restrict(request.user, "change").filter(pk__in=pks)
    contacts = Contact.objects.restrict(request.user, "assign").filter(
        pk__in=changeable.values("pk")
    )
    return services.contact_bulk_assign(
        actor=request.user,
        contacts=contacts,
        reason=form.cleaned_data["reason"],
        **{form.cleaned_data["field"]: form.cleaned_data["employee"]},
    )


def _bulk_category(request, pks, form) -> int:
    contacts = Contact.objects.restrict(request.user, "change").filter(pk__in=pks)
    return services.contact_bulk_set_category(
        actor=request.user, contacts=contacts, category=form.cleaned_data["category"]
    )


BULK_ACTIONS = [
    BulkAction(
        "assign",
        gettext_lazy("Assign…"),
        _bulk_assign,
        form=BulkAssignForm,
        title=gettext_lazy("Assign selected contacts"),
        submit=gettext_lazy("Assign"),
        permission=("contacts.change_contact", "contacts.assign_contact"),
        invalid=gettext_lazy("Choose a valid employee."),
    ),
    BulkAction(
        "category",
        gettext_lazy("Change category…"),
        _bulk_category,
        form=BulkCategoryForm,
        title=gettext_lazy("Change the category of selected contacts"),
        submit=gettext_lazy("Change"),
        permission="contacts.change_contact",
        invalid=gettext_lazy("Choose a valid category."),
    ),
]


class ContactListView(ListPage):
    """Contacts the user may see: search, filters, sort, keyset pages, saved views, bulk bar."""

    permission_required = "contacts.view_contact"
    title = gettext_lazy("Contacts")
    list_key = LIST_VIEW_KEY
    list_url_name = "contacts:contact_list"
    table_id = "contact-table"
    filterset_class = ContactFilterSet
    columns = _columns(dealers=False)
    sorts = {"updated_at": gettext_lazy("Updated")}
    bulk_actions = BULK_ACTIONS
    bulk_url_name = "contacts:contact_bulk"
    export_url_name = "contacts:contact_export"
    export_permission = "contacts.export_contact"
    create_url_name = "contacts:contact_create"
    create_label = gettext_lazy("New contact")
    create_id = "new-contact"
    add_permission = "contacts.add_contact"
    empty_icon = "bi-people"
    empty_text = gettext_lazy("No contacts yet.")
    empty_filtered_text = gettext_lazy("No contacts match these filters.")
    empty_add_label = gettext_lazy("Add the first contact")
    past_end_text = gettext_lazy("There are no more contacts past this point.")

    def base_queryset(self, action="view"):
        return selectors.contact_list(user=self.request.user, action=action)

    def prepare_rows(self, rows):
        # Linked records the user may not view are shown as "(not visible to you)"; rows show
        # only the links they join in (LIST_RELATED), so only those are asked about.
        return selectors.contact_mask_links(
            user=self.request.user, contacts=rows, fields=selectors.LIST_RELATED
        )

    def row_name(self, row):
        return row.display_name

    def count_text(self, total, more):
        if more:
            return _("More than %(n)s contacts") % {"n": intcomma(total)}
        return ngettext("%(n)s contact", "%(n)s contacts", total) % {"n": intcomma(total)}

    def nothing_selected_text(self):
        return _("Select at least one contact.")

    def bulk_done_text(self, count):
        return _("%(count)s contacts updated.") % {"count": count}


class DealerListView(ContactListView):
    """Dealers and agents, with their terms."""

    title = gettext_lazy("Dealers & agents")
    list_key = "dealers"
    list_url_name = "contacts:dealer_list"
    export_url_name = "contacts:dealer_export"
    columns = _columns(dealers=True)

    def base_queryset(self, action="view"):
        return (
            super()
            .base_queryset(action)
            .filter(contact_type__code__in=DEALER_TYPE_CODES)
            .select_related("dealer_profile")
        )


class ContactExportView(ListExport):
    """The filtered (or selected) contacts as CSV or XLSX; reads through restrict(export).

    The file is the contacts file format (`fileformat`): it imports again as it is, so its
    columns, not the page's, are the export's. Headers are in the user's language, times in
    the user's zone (the middleware activates both).
    """

    permission_required = "contacts.export_contact"
    list_page = ContactListView
    filename = "contacts"

    def export_columns(self, queryset):
        return fileformat.export_columns(queryset)

    def export_rows(self, queryset, columns):
        request = self.request
        return fileformat.export_rows(
            queryset, columns, user=request.user, company_id=user_company_id(request.user)
        )


class DealerExportView(ContactExportView):
    """The filtered (or selected) dealers and agents: the dealer list's rows, in the contacts
    file format."""

    list_page = DealerListView
    filename = "dealers"


class ContactBulkView(ContactListView):
    """Bulk actions on the selected rows (`BULK_ACTIONS`), posted from either list."""

    permission_required = "contacts.change_contact"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return self.post_bulk(request)


class SavedFilterView(LoginRequiredMixin, View):
    """Save or delete a named view of the contacts or dealers list (the form posts "view").

    Kept for addresses written before the lists posted saved views to themselves."""

    def post(self, request):
        pages = {page.list_key: page for page in (ContactListView, DealerListView)}
        page_class = pages.get(request.POST.get("view", LIST_VIEW_KEY))
        if page_class is None:
            raise Http404
        if not request.user.has_perm(page_class.permission_required):
            raise PermissionDenied  # as the list's own address answers
        page = page_class()
        page.setup(request)
        return page.post_saved_view(request)
