"""Pages where administrators maintain link-field master data.

One set of views serves every kind (areas, industries, segments, ...); the kind comes from the
URL and names the model, its form and how its list is ordered.
"""

from dataclasses import dataclass, field

import django_filters as filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat
from django.forms import Select
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.querysets import action_permission, get_restricted_or_404, user_company_id
from tawasul.core.edit import ServiceFormView
from tawasul.core.http import safe_next
from tawasul.core.pagination import InvalidCursor, keyset_paginate

from .filtersets import masterdata_filterset
from .masterdata_forms import (
    AreaForm,
    ContactCategoryForm,
    ContactTypeForm,
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
from .services import masterdata_save

PAGE_SIZE = 100


@dataclass(frozen=True)
class MasterDataKind:
    """One kind of master data as the pages show it."""

    slug: str
    model: type
    icon: str
    description: str
    form_class: type
    sort: str = "name"
    filter_fields: tuple[str, ...] = ("search", "is_active")
    extra_filters: dict = field(default_factory=dict)

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
        return queryset

    @cached_property
    def filterset_class(self):
        base = masterdata_filterset(self.model)
        return type(base.__name__, (base,), dict(self.extra_filters))


def _scoped(model):
    def queryset(request):
        return model.objects.restrict(getattr(request, "user", None), "view")

    return queryset


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
            filter_fields=("search", "within", "is_active"),
        ),
        _simple(Industry, "industries", "building", gettext_lazy("What a contact's business is.")),
        _simple(Segment, "segments", "pie-chart", gettext_lazy("Market segments.")),
        _simple(Size, "sizes", "arrows-angle-expand", gettext_lazy("Company size bands.")),
        _simple(
            ProductGroup,
            "product-groups",
            "boxes",
            gettext_lazy("Groups of products a contact deals in."),
        ),
        MasterDataKind(
            "referral-sources",
            ReferralSource,
            "megaphone",
            gettext_lazy("Campaigns, exhibitions and channels that bring contacts in."),
            ReferralSourceForm,
            filter_fields=("search", "kind", "is_active"),
            extra_filters={
                "kind": filters.ChoiceFilter(
                    choices=ReferralSource._meta.get_field("kind").choices,
                    label=gettext_lazy("Kind"),
                )
            },
        ),
        MasterDataKind(
            "contact-types",
            ContactType,
            "tags",
            gettext_lazy("Customer, prospect, supplier, dealer… and the types you add."),
            ContactTypeForm,
        ),
        MasterDataKind(
            "contact-categories",
            ContactCategory,
            "diagram-3",
            gettext_lazy("Categories within each contact type."),
            ContactCategoryForm,
            sort="group_key",
            filter_fields=("search", "contact_type", "is_active"),
            extra_filters={
                "contact_type": filters.ModelChoiceFilter(
                    queryset=_scoped(ContactType), label=gettext_lazy("Contact type")
                )
            },
        ),
    ]
}


def _tune_filter_form(form) -> None:
    if "search" in form.fields:
        form.fields["search"].widget.input_type = "search"
        form.fields["search"].widget.attrs.setdefault("placeholder", _("Name"))
    if "is_active" in form.fields:
        form.fields["is_active"].label = _("Status")
        form.fields["is_active"].widget = Select(
            choices=[("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]
        )


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

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.kind = KINDS.get(kwargs.get("kind"))

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


class MasterDataListView(KindMixin, TemplateView):
    """The values of one kind: areas as a tree, categories grouped by type, others by name."""

    template_name = "contacts/masterdata/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request, kind = self.request, self.kind
        filterset = kind.filterset_class(
            request.GET or None, queryset=kind.queryset(request.user), request=request
        )
        _tune_filter_form(filterset.form)
        queryset = filterset.qs
        cursor = request.GET.get("cursor") or None
        try:
            page = keyset_paginate(queryset, sort=kind.sort, cursor=cursor, size=PAGE_SIZE)
        except InvalidCursor:
            page = keyset_paginate(queryset, sort=kind.sort, cursor=None, size=PAGE_SIZE)
        rows = page.rows
        if kind.model is Area:
            for area in rows:
                area.depth = max(area.path.count("/") - 2, 0)
        filtered = any(v for k, v in request.GET.items() if k != "cursor")
        ctx.update(
            filterset=filterset,
            filter_fields=[filterset.form[name] for name in kind.filter_fields],
            filtered=filtered,
            page=page,
            rows=rows,
            is_area=kind.model is Area,
            is_category=kind.model is ContactCategory,
            is_type=kind.model is ContactType,
            is_referral=kind.model is ReferralSource,
        )
        return ctx


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
