"""Pages where administrators maintain link-field master data.

One set of views serves every kind (areas, industries, segments, ...); the kind comes from the
URL. Each kind is declared once, in `KINDS`: its model, its form, the order its list starts in,
its list's FilterSet and the columns it shows besides those every kind has. The list is core's
generic list page (`MasterDataList`), with its export and its bulk activate and deactivate.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.querysets import action_permission, get_restricted_or_404, user_company_id
from tawasul.core.edit import ServiceFormView
from tawasul.core.http import safe_next
from tawasul.core.lists import EMPTY, BulkAction, Column, ListExport, ListPage, render_rows

from .filtersets import (
    AreaListFilterSet,
    ContactCategoryListFilterSet,
    ReferralSourceListFilterSet,
    masterdata_list_filterset,
)
from .masterdata_forms import (
    AreaForm,
    ContactCategoryForm,
    ContactTypeForm,
    ProductGroupForm,
    ReferralSourceForm,
    masterdata_form_class,
)
from .models import (
    Area,
    ContactCategory,
    ContactType,
    Industry,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from .services import masterdata_bulk_set_active, masterdata_save

PAGE_SIZE = 100


def _bdi(value) -> str:
    return format_html("<bdi>{}</bdi>", EMPTY if value is None or value == "" else value)


@dataclass(frozen=True)
class MasterDataKind:
    """One kind of master data as the pages show it.

    - `sort`: the order its list starts in (a field, or an annotation of `queryset`);
    - `filterset`: its list's FilterSet (default: search and status);
    - `columns`: what its list shows between the name and the Arabic name;
    - `tree`: areas; in their own order the names are indented by depth;
    - `group(value)`: in its own order, the list puts a heading row above each group.
    """

    slug: str
    model: type
    icon: str
    description: Any
    form_class: type
    sort: str = "name"
    filterset: type | None = None
    columns: tuple[Column, ...] = ()
    tree: bool = False
    group: Callable[[Any], Any] | None = None

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def label_singular(self) -> str:
        return str(self.model._meta.verbose_name)

    def perm(self, action: str) -> str:
        return action_permission(self.model, action)

    def queryset(self, user, action: str = "view"):
        queryset = self.model.objects.restrict(user, action)
        if self.model is ContactCategory:
            # Grouped by type, then by name; one sortable key keeps keyset pages stable.
            queryset = queryset.select_related("contact_type").annotate(
                group_key=Concat(F("contact_type__name"), Value("\x1f"), F("name"))
            )
        elif self.model in (Area, ProductGroup):
            queryset = queryset.select_related("parent")
        return queryset

    @cached_property
    def filterset_class(self):
        return self.filterset or masterdata_list_filterset(self.model)

    @cached_property
    def list_columns(self) -> list[Column]:
        """The list's columns (and the export's, but for the buttons)."""
        change = self.perm("change")
        return [
            Column(
                "name",
                gettext_lazy("Name"),
                cell=_name_cell,
                title=lambda v: v.name,
                sort="name",
                th_class="col-name",
                primary=True,
            ),
            *self.columns,
            Column(
                "name_ar",
                gettext_lazy("Arabic name"),
                cell=lambda v: format_html('<bdi lang="ar">{}</bdi>', v.name_ar or EMPTY),
                title=lambda v: v.name_ar,
            ),
            Column(
                "is_active",
                gettext_lazy("Status"),
                cell=_status_cell,
                value=lambda v: _("Active") if v.is_active else _("Inactive"),
                th_class="col-badge",
            ),
            Column(
                "actions",
                gettext_lazy("Actions"),
                cell=_actions_cell,
                td_class="text-md-end text-nowrap",
                visible=lambda request: request.user.has_perm(change),
                export=False,
            ),
        ]

    @cached_property
    def bulk_actions(self) -> list[BulkAction]:
        change = self.perm("change")
        return [
            BulkAction(
                "activate",
                gettext_lazy("Activate"),
                functools.partial(_bulk_set_active, self, True),
                permission=change,
            ),
            BulkAction(
                "deactivate",
                gettext_lazy("Deactivate"),
                functools.partial(_bulk_set_active, self, False),
                permission=change,
            ),
        ]


# --- the list's cells ---------------------------------------------------------------------------


def _name_cell(value):
    """The name (a link to its form for those who may change it), indented in the area tree,
    with the "Built in" badge of a system contact type."""
    indent = getattr(value, "indent", 0)
    style = format_html(' style="padding-inline-start: {}.5rem"', indent) if indent else ""
    arrow = (
        mark_safe('<i class="bi bi-arrow-return-right text-secondary me-1" aria-hidden="true"></i>')
        if indent
        else ""
    )
    tone = "" if value.is_active else " text-secondary"
    if getattr(value, "edit_url", None):
        name = format_html(
            '<a href="{}" class="fw-semibold text-decoration-none{}"><bdi>{}</bdi></a>',
            value.edit_url,
            " link-secondary" if tone else "",
            value.name,
        )
    else:
        name = format_html('<span class="fw-semibold{}"><bdi>{}</bdi></span>', tone, value.name)
    badge = ""
    if getattr(value, "is_system", False):
        badge = format_html(
            '<span class="badge text-bg-light border" title="{}">{}</span>',
            _("Built in: its code cannot change"),
            _("Built in"),
        )
    return format_html('<div class="cell-name"{}>{}{}{}</div>', style, arrow, name, badge)


def _status_cell(value):
    if value.is_active:
        return format_html(
            '<span class="badge bg-success-subtle text-success-emphasis border '
            'border-success-subtle">{}</span>',
            _("Active"),
        )
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Inactive"))


def _actions_cell(value):
    # The buttons post the list's own form to the value's address, with the page to return to.
    if value.is_active:
        toggle = format_html(
            '<button class="btn btn-sm btn-outline-warning" formaction="{}" name="active" '
            'value="0">{}</button>',
            value.active_url,
            _("Deactivate"),
        )
    else:
        toggle = format_html(
            '<button class="btn btn-sm btn-outline-success" formaction="{}" name="active" '
            'value="1">{}</button>',
            value.active_url,
            _("Activate"),
        )
    return format_html(
        '<a class="btn btn-sm btn-outline-secondary" href="{}"><i class="bi bi-pencil me-1" '
        'aria-hidden="true"></i>{}</a> {}',
        value.edit_url,
        _("Edit"),
        toggle,
    )


def _level_cell(area):
    return format_html(
        '<span class="badge text-bg-light border">{}</span>', area.get_level_display()
    )


def _bulk_set_active(kind: MasterDataKind, active: bool, request, pks, form) -> int:
    """Activate or deactivate the ticked values the user may change (`masterdata_bulk_set_active`)."""
    values = kind.model.objects.restrict(request.user, "change").filter(pk__in=pks)
    return masterdata_bulk_set_active(actor=request.user, values=values, active=active)


def _simple(model, slug, icon, description):
    form = masterdata_form_class(model, ["name", "name_ar", "is_active"])
    return MasterDataKind(slug, model, icon, description, form)


KINDS: dict[str, MasterDataKind] = {
    kind.slug: kind
    for kind in [
        MasterDataKind(
            "areas",
            Area,
            "geo-alt",
            gettext_lazy("Countries, regions, cities and zones, as a tree."),
            AreaForm,
            sort="path",
            filterset=AreaListFilterSet,
            columns=(
                Column(
                    "level",
                    gettext_lazy("Level"),
                    cell=_level_cell,
                    value=lambda a: a.get_level_display(),
                    th_class="col-badge",
                ),
                Column(
                    "parent",
                    gettext_lazy("Parent area"),
                    title=lambda a: a.parent or "",
                    th_class="col-wide-only",
                    td_class="col-wide-only",
                ),
            ),
            tree=True,
        ),
        _simple(Industry, "industries", "building", gettext_lazy("What a contact's business is.")),
        _simple(Segment, "segments", "pie-chart", gettext_lazy("Market segments.")),
        _simple(Size, "sizes", "arrows-angle-expand", gettext_lazy("Company size bands.")),
        MasterDataKind(
            "product-groups",
            ProductGroup,
            "boxes",
            gettext_lazy(
                "Groups of products, as a tree: what contacts deal in and what the "
                "catalog files products under."
            ),
            ProductGroupForm,
            sort="path",
            columns=(
                Column(
                    "parent",
                    gettext_lazy("Parent group"),
                    title=lambda g: g.parent or "",
                    th_class="col-wide-only",
                    td_class="col-wide-only",
                ),
            ),
            tree=True,
        ),
        MasterDataKind(
            "referral-sources",
            ReferralSource,
            "megaphone",
            gettext_lazy("Campaigns, exhibitions and channels that bring contacts in."),
            ReferralSourceForm,
            filterset=ReferralSourceListFilterSet,
            columns=(
                Column(
                    "kind",
                    gettext_lazy("Kind"),
                    cell=lambda r: r.get_kind_display(),
                    value=lambda r: r.get_kind_display(),
                ),
            ),
        ),
        MasterDataKind(
            "contact-types",
            ContactType,
            "tags",
            gettext_lazy("Customer, prospect, supplier, dealer… and the types you add."),
            ContactTypeForm,
            columns=(
                Column(
                    "code",
                    gettext_lazy("Code"),
                    sort="code",
                    cell=lambda t: format_html("<code>{}</code>", _bdi(t.code)),
                    th_class="col-code",
                ),
            ),
        ),
        MasterDataKind(
            "contact-categories",
            ContactCategory,
            "diagram-3",
            gettext_lazy("Categories within each contact type."),
            ContactCategoryForm,
            sort="group_key",
            filterset=ContactCategoryListFilterSet,
            # Sorting by the type is the list's own order: by type, then by name.
            columns=(
                Column(
                    "contact_type",
                    gettext_lazy("Contact type"),
                    sort="group_key",
                    title=lambda c: c.contact_type,
                ),
            ),
            group=lambda c: c.contact_type,
        ),
    ]
}


class MasterDataIndexView(LoginRequiredMixin, TemplateView):
    """Every kind of master data the user may view, with how many values it has."""

    template_name = "contacts/masterdata/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = []
        for kind in KINDS.values():
            if not user.has_perm(kind.perm("view")):
                continue
            counts = kind.model.objects.restrict(user, "view").aggregate(
                total=Count("pk"), active=Count("pk", filter=Q(is_active=True))
            )
            rows.append(
                {
                    "kind": kind,
                    "total": counts["total"],
                    "active": counts["active"],
                    "can_add": user.has_perm(kind.perm("add")),
                }
            )
        if not rows:
            raise PermissionDenied
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = rows
        return ctx


class KindMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Resolves the kind from the URL before the permission check needs it."""

    action = "view"
    kind: MasterDataKind | None = None  # from the URL's <kind>, or given to the constructor

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if "kind" in kwargs:
            self.kind = KINDS.get(kwargs["kind"])

    def dispatch(self, request, *args, **kwargs):
        if self.kind is None:
            raise Http404(_("No such kind of master data."))
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        return [self.kind.perm(self.action)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kind"] = self.kind
        ctx["can_add"] = self.request.user.has_perm(self.kind.perm("add"))
        ctx["can_change"] = self.request.user.has_perm(self.kind.perm("change"))
        return ctx


class MasterDataListView(KindMixin, ListPage):
    """The values of one kind on core's list page: search, status and the kind's own filters,
    sorting by name (and code), keyset pages, export, bulk activate and deactivate; areas as an
    indented tree and categories grouped by type while the list is in its own order."""

    template_name = "contacts/masterdata/list.html"
    page_size = PAGE_SIZE
    search_field = "search"

    # Every address takes the kind, which ListPage passes on (its url_kwargs).
    list_url_name = "contacts:masterdata_list"
    create_url_name = "contacts:masterdata_create"
    export_url_name = "contacts:masterdata_export"

    @property
    def title(self):
        return self.kind.label

    @property
    def list_key(self):
        return f"masterdata-{self.kind.slug}"

    @property
    def filterset_class(self):
        return self.kind.filterset_class

    @property
    def columns(self):
        return self.kind.list_columns

    @property
    def default_sort(self):
        return self.kind.sort

    @property
    def bulk_actions(self):
        return self.kind.bulk_actions

    @property
    def create_label(self):
        return _("Add %(kind)s") % {"kind": self.kind.label_singular}

    @property
    def empty_icon(self):
        return f"bi-{self.kind.icon}"

    @property
    def empty_text(self):
        return _("No %(kind)s yet, so this field offers nothing to pick on a contact.") % {
            "kind": self.kind.label.lower()
        }

    @property
    def empty_filtered_text(self):
        return _("No %(kind)s match these filters.") % {"kind": self.kind.label.lower()}

    @property
    def empty_add_label(self):
        return _("Add the first %(kind)s") % {"kind": self.kind.label_singular}

    # Master data has no export permission: who may view a kind may export its list.
    export_action = "view"

    def base_queryset(self, action="view"):
        return self.kind.queryset(self.request.user, action)

    def row_name(self, row):
        return row.name

    def prepare_rows(self, rows):
        kind = self.kind
        if kind.tree:
            for area in rows:
                area.depth = max(area.path.count("/") - 2, 0)
        if self.request.user.has_perm(kind.perm("change")):
            edit = _address_of_value("contacts:masterdata_update", kind.slug)
            active = _address_of_value("contacts:masterdata_active", kind.slug)
            for value in rows:
                value.edit_url, value.active_url = edit(value.pk), active(value.pk)
        return rows

    def render_body(self, columns, rows, *, select, sort):
        # Areas are an indented tree, categories grouped by type, while in their own order.
        kind = self.kind
        in_own_order = sort.lstrip("-") == kind.sort
        if not in_own_order or kind.group is None:
            for value in rows:
                value.indent = value.depth if kind.tree and in_own_order else 0
            return render_rows(columns, rows, select=select)
        span = len(columns) + (1 if select else 0)  # and the checkbox
        parts = []
        for group, values in itertools.groupby(rows, key=kind.group):
            parts.append(
                format_html(
                    '<tr class="table-light"><th colspan="{}" scope="rowgroup" '
                    'class="card-title-cell"><i class="bi bi-tags me-1" aria-hidden="true"></i>'
                    "{}</th></tr>",
                    span,
                    _bdi(group),
                )
            )
            parts.append(render_rows(columns, values, select=select))
        return mark_safe("\n".join(parts))


def _address_of_value(url_name: str, slug: str) -> Callable[[int], str]:
    """A value's address on one kind's page by its key, without a `reverse` per row."""
    head, _zero, tail = reverse(url_name, args=[slug, 0]).rpartition("/0/")
    return lambda pk: f"{head}/{pk}/{tail}"


class MasterDataExportView(KindMixin, ListExport):
    """One kind's values as CSV or XLSX (`?format=xlsx`): the list's filters, or the ticked
    rows, with its columns; for whoever may view the kind."""

    list_page = MasterDataListView

    @property
    def filename(self):
        return self.kind.slug


class MasterDataFormView(KindMixin, ServiceFormView):
    """Create (no pk) or edit (pk) one value through `masterdata_save`."""

    template_name = "contacts/masterdata/form.html"

    @property
    def action(self):
        return "change" if "pk" in self.kwargs else "add"

    @property
    def model(self):
        return self.kind.model

    @property
    def form_class(self):
        return self.kind.form_class

    def save(self, parts):
        form = parts["form"]
        fields = {
            name: form.cleaned_data[name]
            for name in form._meta.fields
            if name in form.cleaned_data and not form.fields[name].disabled
        }
        if self.object is None:
            company_id = user_company_id(self.request.user)
            if company_id is None:
                raise ValidationError(
                    _(
                        "Your account is not linked to an employee of a company, so new values "
                        "have no company to belong to."
                    )
                )
            fields["company_id"] = company_id
        return masterdata_save(
            actor=self.request.user, model=self.kind.model, instance=self.object, **fields
        )

    def success_message(self, record, *, created: bool) -> str:
        if created:
            message = _("%(kind)s “%(name)s” created.")
        else:
            message = _("%(kind)s “%(name)s” saved.")
        return message % {"kind": self.kind.label_singular.capitalize(), "name": record}

    def get_success_url(self, record) -> str:
        return reverse("contacts:masterdata_list", kwargs={"kind": self.kind.slug})


class MasterDataActiveView(KindMixin, View):
    """Deactivate a value (or bring it back); values are never deleted."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        value = get_restricted_or_404(
            self.kind.model.objects, request.user, "change", pk=kwargs["pk"]
        )
        active = request.POST.get("active") == "1"
        try:
            masterdata_save(
                actor=request.user, model=self.kind.model, instance=value, is_active=active
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if active:
                message = _("“%(name)s” is active again.")
            else:
                message = _("“%(name)s” is deactivated; records that use it keep it.")
            messages.success(request, message % {"name": value})
        fallback = reverse("contacts:masterdata_list", kwargs={"kind": self.kind.slug})
        return redirect(safe_next(request, fallback))
