"""Generic list pages: a model's FilterSet and a list of columns give the whole page.

A module declares, in a few lines, a `ListPage` subclass::

    class ProductList(ListPage):
        permission_required = "catalog.view_product"
        filterset_class = ProductFilterSet
        list_key = "products"                 # saved views and the htmx target's id
        columns = [
            Column("name", _("Name"), sort="name", link="catalog:product_detail", primary=True),
            Column("code", _("Code"), sort="code", mono=True),
            Column("price", _("Price"), cell=lambda p: p.price, text=False),
        ]

        def base_queryset(self, action="view"):
            return Product.objects.restrict(self.request.user, action)

and gets: keyset pages (keys first; the capped row count asked for by the page once shown,
`core.pagination`), a search box and filter panel with removable chips, sorting by the columns
that declare one, saved views (`core.services.saved_view_save`), bulk actions (`BulkAction`,
posted to the same address), CSV and XLSX export of the same columns and filters
(`ListExport`, formula-neutralised by `core.export`), the htmx swap of the table alone, cards on
phones (`table-cards`: each cell carries its column's label) and empty states.

Rows are rendered in Python, once per cell, into one string the template prints: a 25-row page
costs well under a millisecond, where django-tables2 (removed for this) spent about ten times a
template loop's time per row (bench/results/list-view.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field, Model, QuerySet
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .cleaning import CleanTextFormMixin, bad_characters, parse_id, parse_ids
from .export import csv_response, xlsx_response
from .http import safe_next
from .pagination import InvalidCursor, capped_count, keyset_paginate, narrow_to_keys
from .search import ranked_sort
from .services import saved_view_delete, saved_view_save
from .widgets import listed_choices

EMPTY = "—"


def _bdi(value: Any) -> SafeString:
    return mark_safe(f"<bdi>{conditional_escape('' if value is None else value)}</bdi>")


@dataclass(frozen=True)
class Column:
    """One column of a list: its header, its cell on the page, its cell in the export.

    - `name`: the column's key; the row attribute read when `cell` is not given.
    - `cell(row)`: the page's cell, HTML (`format_html`) or a value to escape; default the
      attribute, isolated with `<bdi>` (record data inside translated text), "—" when empty.
    - `value(row)`: the export's cell (text, number, date); default the attribute as text.
    - `sort`: the field the page sorts by when the header is clicked (None: not sortable);
      `descending_first` for dates and amounts.
    - `title(row)`: the cell's tooltip (a truncated cell shows it whole).
    - `th_class`, `td_class`: CSS classes (`col-name`, `col-code`, `col-date`, `col-num`,
      `col-person`, `col-badge`, `col-wide-only`, `card-hide`).
    - `primary`: the row's title on a phone card (no label before it).
    - `label_hidden`: the header is read by screen readers only (a column of buttons).
    - `visible(request)`: shown to this user (a field-level right, say); on page and in export.
    - `export`: written to the export; `width` (characters) and `text` shape the XLSX column.
    """

    name: str
    label: Any
    cell: Callable[[Any], Any] | None = None
    value: Callable[[Any], Any] | None = None
    sort: str | None = None
    descending_first: bool = False
    title: Callable[[Any], Any] | None = None
    th_class: str = ""
    td_class: str = ""
    primary: bool = False
    label_hidden: bool = False
    visible: Callable[[Any], bool] | None = None
    export: bool = True
    width: int = 16
    text: bool = True

    def html(self, row: Any) -> Any:
        if self.cell is not None:
            return self.cell(row)
        value = getattr(row, self.name)
        return _bdi(EMPTY if value is None or value == "" else value)

    def read(self, row: Any, ctx: Any = None) -> Any:
        """The export's cell for `row` (the `ctx` argument matches `contacts.fileformat`)."""
        if self.value is not None:
            return self.value(row)
        value = getattr(row, self.name)
        return value if value is None or isinstance(value, (int, float)) else str(value)


def render_rows(
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    select: Callable[[Any], str] | None,
    row_class: Callable[[Any], str] | None = None,
) -> SafeString:
    """The `<tr>` of every row, in one string: one cell per column, each carrying its label for
    the phone cards; with `select(row)` (the row's name) a leading checkbox for bulk actions;
    with `row_class(row)` a class on the row ("" for none)."""
    # Each cell's opening tag is the same on every row but for its title: written once.
    opening = []
    for column in columns:
        if column.primary:
            attrs = f' class="{escape(f"card-title-cell {column.td_class}".strip())}"'
        else:
            attrs = "" if column.label_hidden else f' data-label="{escape(column.label)}"'
            if column.td_class:
                attrs += f' class="{escape(column.td_class)}"'
        opening.append((column, "<td" + attrs))
    select_text = _("Select %(name)s")
    out = []
    for row in rows:
        css = row_class(row) if row_class is not None else ""
        cells = [f'<tr class="{escape(css)}">' if css else "<tr>"]
        if select is not None:
            cells.append(
                '<td class="col-check card-check"><label class="check-target">'
                '<input class="form-check-input" type="checkbox" name="pk" '
                f'value="{escape(row.pk)}" '
                f'aria-label="{escape(select_text % {"name": select(row)})}"></label></td>'
            )
        for column, tag in opening:
            cells.append(tag)
            if column.title is not None:
                cells.append(f' title="{escape(column.title(row))}"')
            cells.append(f">{conditional_escape(column.html(row))}</td>")
        cells.append("</tr>")
        out.append("".join(cells))
    return mark_safe("\n".join(out))


def filter_chips(filterset) -> list[dict]:
    """Active filters as removable chips: label, shown value, and raw value to remove."""
    form = filterset.form
    chips = []
    for name, value in form.cleaned_data.items():
        if value is None or value == "":
            continue
        formfield = form.fields[name]
        items = list(value) if isinstance(value, (list, tuple, QuerySet)) else [value]
        labels = {} if hasattr(formfield, "queryset") else dict(getattr(formfield, "choices", []))
        for item in items:
            if isinstance(item, bool):
                # A yes/no filter: shown by its option's words, removed whole (the address may
                # spell true as "true", "1" or "True").
                words = dict(getattr(formfield.widget, "choices", ()))
                shown = words.get("true" if item else "false") or (_("Yes") if item else _("No"))
                chips.append(
                    {"name": name, "label": formfield.label or name, "value": shown, "raw": None}
                )
                continue
            raw = item.pk if isinstance(item, Model) else item
            chips.append(
                {
                    "name": name,
                    "label": formfield.label or name,
                    "value": labels.get(item, item),
                    "raw": raw,
                }
            )
    return chips


@dataclass(frozen=True)
class BulkAction:
    """An action on the rows a user ticks: a button in the bulk bar, a dialog with `form`'s
    fields (if any), and `run(request, pks, form) -> number of rows changed`, which reads the
    rows through `restrict` and writes through a service (ValidationError: its messages are
    shown). `permission` hides the button and refuses the post; `invalid` is the message for
    a form that does not validate."""

    key: str
    label: Any
    run: Callable[..., int]
    form: Callable[..., forms.Form] | None = None  # called with (data or None, user=user)
    title: Any = ""
    submit: Any = ""
    permission: str | tuple[str, ...] = ()
    invalid: Any = gettext_lazy("Invalid filters.")

    def allowed(self, user) -> bool:
        perms = (self.permission,) if isinstance(self.permission, str) else self.permission
        return user.has_perms(perms)


class SavedViewForm(CleanTextFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class ListPage(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A filtered, sorted, keyset-paged list of the records a user may see.

    Declare `permission_required`, `filterset_class`, `list_key`, `columns`, and
    `base_queryset(action)` (through `restrict`). Optional: `title`, `sorts` (extra sort keys
    beyond the columns'), `default_sort`, `page_size`, `bulk_actions`, `export_url_name`,
    `create_url_name`/`add_permission`, `search_field`, the empty-state texts, `count_text`,
    `prepare_rows` (work on the page's rows as a whole, e.g. masking hidden links),
    `row_class`, `render_body` (rows in groups or a tree).
    The `*_url_name`s are reversed with the list's own URL arguments (`url_kwargs`), so a list
    whose address carries a key (`<kind>/`) names its create, export and bulk addresses alike.
    GET answers the page, or with htmx its table (`HX-Target: <list_key>-table`) or its row
    count (`HX-Target: row-count`); POST saves or deletes a saved view, or runs a bulk action.
    """

    template_name = "core/list.html"
    list_url_name: str | None = None  # where bulk actions and saved views return
    table_template = "core/_list_table.html"
    title: Any = ""
    filterset_class: Any = None
    list_key = ""
    table_id = ""  # default "<list_key>-table"
    columns: ClassVar[list[Column]] = []
    sorts: ClassVar[dict[str, Any]] = {}
    default_sort = "name"
    page_size = 25
    search_field = "q"
    bulk_actions: ClassVar[list[BulkAction]] = []
    bulk_url_name: str | None = None  # default: the list's own address
    export_url_name: str | None = None
    export_permission: str | None = None
    export_action = "export"  # the action the export reads with; "view" for a model without one
    create_url_name: str | None = None
    create_label: Any = ""
    create_id = ""  # the button's id; default "new-<list_key>"
    add_permission: str | None = None
    empty_icon = "bi-inbox"
    empty_text: Any = gettext_lazy("Nothing here yet.")
    empty_filtered_text: Any = gettext_lazy("Nothing matches these filters.")
    empty_add_label: Any = ""
    past_end_text: Any = gettext_lazy("There is nothing more past this point.")

    # --- what a module overrides -----------------------------------------------------------

    def base_queryset(self, action: str = "view") -> QuerySet:
        raise NotImplementedError

    def prepare_rows(self, rows: list) -> list:
        """The page's rows before they are shown (all at once: no query per row)."""
        return rows

    def row_name(self, row: Any) -> str:
        return str(row)

    def row_class(self, row: Any) -> str:
        """CSS classes of a row's `<tr>` ("" for none); e.g. "text-secondary" when inactive."""
        return ""

    def render_body(
        self,
        columns: Sequence[Column],
        rows: list,
        *,
        select: Callable[[Any], str] | None,
        sort: str,
    ) -> SafeString:
        """The table's rows as HTML; override to group them or draw a tree (`sort` is the
        order shown, so a list can keep its structure only in its own order)."""
        row_class = self.row_class if type(self).row_class is not ListPage.row_class else None
        return render_rows(columns, rows, select=select, row_class=row_class)

    def url_kwargs(self) -> dict:
        """The arguments the list's related addresses take: by default the list's own."""
        return dict(self.kwargs)

    def reverse_url(self, name: str) -> str:
        return reverse(name, kwargs=self.url_kwargs())

    def count_text(self, total: int, more: bool) -> str:
        if more:
            return _("More than %(n)s rows") % {"n": intcomma(total)}
        return ngettext("%(n)s row", "%(n)s rows", total) % {"n": intcomma(total)}

    # --- machinery ---------------------------------------------------------------------------

    def get_table_id(self) -> str:
        return self.table_id or f"{self.list_key}-table"

    def visible_columns(self) -> list[Column]:
        request = self.request
        return [c for c in self.columns if c.visible is None or c.visible(request)]

    def all_sorts(self) -> dict[str, Any]:
        found = {c.sort: c.label for c in self.columns if c.sort}
        found.update(self.sorts)
        return found

    @property
    def counting(self) -> bool:
        """The row count, asked for by the page once it is shown (it can cost more than the
        page itself for users whose rules match few rows)."""
        htmx = getattr(self.request, "htmx", None)  # django-htmx's middleware sets it
        return bool(htmx and htmx.target == "row-count")

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == self.get_table_id():
            return [self.table_template]
        if self.counting:
            return ["core/_row_count.html"]
        return [self.template_name]

    def filtered(self, action: str = "view"):
        """The filter set, the rows it selects, and their count when already known.

        With filters set, the matching keys are collected first when they are few
        (`narrow_to_keys`), which also gives the count. A filter whose value is not valid is
        left out and the others still apply (`ignored_filters` names the ones left out), so
        the rows always agree with the chips.
        """
        base = self.base_queryset(action)
        filterset = self.filterset_class(
            self.request.GET or None, queryset=base, request=self.request
        )
        if not filterset.is_bound:
            return filterset, base, None
        filterset.is_valid()
        queryset = filterset.qs  # the valid filters (django-filter skips the invalid ones)
        known_count = None
        if any(filterset.form.cleaned_data.values()):
            queryset, known_count = narrow_to_keys(queryset)
        return filterset, queryset, known_count

    @staticmethod
    def ignored_filters(filterset) -> list[str]:
        """The labels of the filters whose value could not be used (left out of the rows)."""
        if not filterset.is_bound:
            return []
        form = filterset.form
        return [str(form.fields[name].label or name) for name in form.errors if name in form.fields]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        filterset, queryset, known_count = self.filtered()
        if self.counting:
            total, more = known_count, False
            if known_count is None:
                total, more = capped_count(queryset)
            ctx.update(total=total, total_text=self.count_text(total, more))
            return ctx
        sorts = self.all_sorts()
        # A search that ranked its matches shows the best first unless a sort was chosen.
        ranked = ranked_sort(queryset, self.default_sort)
        sort = request.GET.get("sort") or ranked
        if sort.lstrip("-") not in sorts and sort != ranked:
            sort = self.default_sort
        error = None
        cursor = request.GET.get("cursor")
        try:
            page = keyset_paginate(
                queryset, sort=sort, cursor=cursor, size=self.page_size, keys_first=True
            )
        except InvalidCursor:
            error = _("That page link is no longer valid; showing the first page.")
            page = keyset_paginate(
                queryset, sort=sort, cursor=None, size=self.page_size, keys_first=True
            )
        if cursor and not page.rows and error is None:
            error = self.past_end_text
        ignored = self.ignored_filters(filterset)
        if ignored:
            left_out = _("These filters could not be used and were left out: %(names)s.") % {
                "names": ", ".join(ignored)
            }
            error = f"{left_out} {error}" if error else left_out
        rows = self.prepare_rows(page.rows)
        columns = self.visible_columns()
        user = request.user
        actions = [a for a in self.bulk_actions if a.allowed(user)]
        bulk_forms = [(a, a.form(None, user=user) if a.form else None) for a in actions]
        for form in [filterset.form] + [f for _a, f in bulk_forms if f is not None]:
            listed_choices(form)
        can_export = bool(self.export_url_name) and (
            self.export_permission is None or user.has_perm(self.export_permission)
        )
        selectable = bool(actions) or can_export
        ctx.update(
            title=self.title,
            list_url=request.path,
            table_id=self.get_table_id(),
            table_template=self.table_template,
            filterset=filterset,
            page=page,
            rows=rows,
            columns=columns,
            header=self.header(columns, sort),
            body=self.render_body(
                columns, rows, select=self.row_name if selectable else None, sort=sort
            ),
            selectable=selectable,
            total=known_count,  # None: the page asks for the count once it is shown
            total_text=self.count_text(known_count, False) if known_count is not None else "",
            sort=sort,
            chips=filter_chips(filterset) if filterset.is_bound else [],
            page_error=error,
            saved_filters=list(user.saved_filters.filter(view=self.list_key)),
            bulk_actions=bulk_forms,
            bulk_url=self.reverse_url(self.bulk_url_name) if self.bulk_url_name else request.path,
            export_url=self.reverse_url(self.export_url_name) if can_export else "",
            can_add=bool(self.create_url_name)
            and (self.add_permission is None or user.has_perm(self.add_permission)),
            create_url=self.reverse_url(self.create_url_name) if self.create_url_name else "",
            create_id=self.create_id or f"new-{self.list_key}",
            search_field=self.search_field,
        )
        return ctx

    def header(self, columns: Sequence[Column], sort: str) -> list[dict]:
        """Each column's header: label, classes, and for a sortable one the sort its link asks
        for and whether the page is sorted by it now ("asc", "desc" or "")."""
        out = []
        for column in columns:
            label = column.label
            if column.label_hidden:
                label = format_html('<span class="visually-hidden">{}</span>', label)
            entry = {"label": label, "th_class": column.th_class, "sort": None, "now": ""}
            if column.sort:
                key = column.sort
                first = f"-{key}" if column.descending_first else key
                entry["now"] = "asc" if sort == key else "desc" if sort == f"-{key}" else ""
                entry["sort"] = (
                    (f"-{key}" if sort == key else key) if sort.lstrip("-") == key else first
                )
                entry["alpha"] = not column.descending_first
            out.append(entry)
        return out

    # --- saved views and bulk actions (POST to the list's address) ----------------------------

    def post(self, request, *args, **kwargs):
        if "saved_view" in request.POST or "delete" in request.POST:
            return self.post_saved_view(request)
        return self.post_bulk(request)

    def post_saved_view(self, request):
        """Save the current filters as a named view, or delete one."""
        back = self.reverse_url(self.list_url_name) if self.list_url_name else request.path
        if "delete" in request.POST:
            key = parse_id(request.POST["delete"])
            if not key or not saved_view_delete(user=request.user, view=self.list_key, pk=key):
                raise Http404
            messages.success(request, _("Saved view removed."))
            return redirect(back)
        form = SavedViewForm(request.POST)
        if form.is_valid():
            query = form.cleaned_data["query"]
            try:
                saved_view_save(
                    user=request.user,
                    view=self.list_key,
                    name=form.cleaned_data["name"],
                    query=query,
                )
            except ValidationError:
                pass
            else:
                messages.success(request, _("View saved."))
                return redirect(back + ("?" + query if query else ""))
        messages.error(request, _("Give the view a name."))
        typed = request.POST.get("query", "")
        return redirect(back + ("" if bad_characters(typed) else "?" + typed))

    def post_bulk(self, request):
        back = safe_next(
            request, self.reverse_url(self.list_url_name) if self.list_url_name else request.path
        )
        pks = parse_ids(request.POST.getlist("pk"))
        if not pks:
            messages.error(request, self.nothing_selected_text())
            return redirect(back)
        key = request.POST.get("action")
        action = next((a for a in self.bulk_actions if a.key == key), None)
        if action is None:
            messages.error(request, _("Unknown action."))
            return redirect(back)
        if not action.allowed(request.user):
            raise PermissionDenied
        form = None
        if action.form is not None:
            form = action.form(request.POST, user=request.user)
            if not form.is_valid():
                messages.error(request, action.invalid)
                return redirect(back)
        try:
            count = action.run(request, pks, form)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(request, self.bulk_done_text(count))
        return redirect(back)

    def nothing_selected_text(self) -> str:
        return _("Select at least one row.")

    def bulk_done_text(self, count: int) -> str:
        return ngettext("%(count)s row updated.", "%(count)s rows updated.", count) % {
            "count": count
        }


class ListExport(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The rows a list shows (its filters, or the ticked rows: `pk`) as CSV or XLSX
    (`?format=xlsx`), read through `restrict(user, "export")`, with the list's columns.

    Declare `list_page` (the `ListPage` subclass), `permission_required` and `filename`. A list
    whose file must import again (contacts) overrides `export_columns` and `export_rows`; the
    columns need only `label`, `width` and `text`.
    """

    list_page: type[ListPage]
    filename = "export"
    sheet_title: Any = ""

    def export_columns(self, queryset: QuerySet) -> list:
        page = self.list_page(request=self.request)
        page.setup(self.request, *self.args, **self.kwargs)
        return [c for c in page.visible_columns() if c.export]

    def export_rows(self, queryset: QuerySet, columns: list) -> Iterator[list]:
        for row in queryset.iterator(chunk_size=2000):
            yield [c.read(row) for c in columns]

    def get(self, request, *args, **kwargs):
        page = self.list_page(request=request)
        page.setup(request, *args, **kwargs)
        queryset = page.base_queryset(page.export_action)
        filterset = page.filterset_class(request.GET, queryset=queryset, request=request)
        if not filterset.is_valid():
            return HttpResponseBadRequest(_("Invalid filters."))
        queryset = filterset.qs
        pks = parse_ids(request.GET.getlist("pk"))
        if pks:
            queryset = queryset.filter(pk__in=pks)
        columns = self.export_columns(queryset)
        header = [str(c.label) for c in columns]
        rows = self.export_rows(queryset, columns)
        name = self.filename
        if request.GET.get("format", "csv") == "xlsx":
            return xlsx_response(
                f"{name}.xlsx",
                header,
                rows,
                title=str(self.sheet_title or page.title),
                widths=[c.width for c in columns],
                text_columns=[c.text for c in columns],
            )
        return csv_response(f"{name}.csv", header, rows)


def date_cell(value) -> SafeString:
    """A date (or time, shown as its date in the active zone) as YYYY-MM-DD, isolated for the
    page, "—" when empty (ISO dates read the same in both languages)."""
    if value is None:
        return _bdi(EMPTY)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return mark_safe(f"<bdi>{value.isoformat()}</bdi>")


def choice_label(model: type[Model], name: str) -> Callable[[Any], str]:
    """`row -> label` of the choice field `name` in the active language, from a table made
    once per language (`get_<name>_display` rebuilds the choices on every call: a cost per
    row). A value outside the choices is shown as it is."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{name} is not a field of {model.__name__}"
    attname = field.attname
    tables: dict[str, dict] = {}

    def label(row: Any) -> str:
        language = get_language() or ""
        table = tables.get(language)
        if table is None:
            table = tables[language] = {key: str(text) for key, text in field.flatchoices}
        value = getattr(row, attname)
        return table.get(value, value)

    return label


__all__ = [
    "BulkAction",
    "Column",
    "ListExport",
    "ListPage",
    "SavedViewForm",
    "choice_label",
    "date_cell",
    "filter_chips",
    "render_rows",
]
