"""Forms for link-field master data; dropdowns read through the access entry point."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tawasul.access.querysets import user_company_id
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.text import normalize_name
from tawasul.core.widgets import RemoteSelect

from .choices import AREA_LEVEL_ORDER
from .models import Area, ContactCategory, ContactType, ProductGroup, ReferralSource


class MasterDataForm(CleanTextFormMixin, forms.ModelForm):
    """Name, Arabic name and the active switch, plus whatever a kind adds.

    `duplicate_scope` names the fields within which a name must be unique (besides the
    company), so that two "Retail" segments do not confuse the people who pick them.
    """

    duplicate_scope: tuple[str, ...] = ()

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if "name_ar" in self.fields:
            self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")
        if "is_active" in self.fields:
            self.fields["is_active"].help_text = _(
                "Inactive values stay on the records that use them but are no longer offered."
            )

    @property
    def company_id(self) -> int | None:
        if self.instance.pk:
            return self.instance.company_id
        return user_company_id(self.user)

    def clean(self):
        cleaned = super().clean()
        if self.company_id is None:
            return cleaned
        scope = {}
        for field in self.duplicate_scope:
            if field not in cleaned:
                return cleaned  # that field has its own error already
            scope[field] = cleaned[field]
        model = self._meta.model
        others = (
            model.objects.restrict(self.user, "view")
            .filter(company_id=self.company_id, **scope)
            .exclude(pk=self.instance.pk)
        )
        for field in ("name", "name_ar"):
            # Either name against both names of the others, in the one comparison form, so
            # that "الرياض" and "الریاض" (Persian ya) are one area.
            folded = normalize_name(cleaned.get(field))
            if not folded:
                continue
            candidates = others.filter(search_text__contains=folded).values_list("name", "name_ar")
            if any(folded in map(normalize_name, names) for names in candidates):
                self.add_error(
                    field,
                    gettext("A %(kind)s with this name already exists.")
                    % {"kind": model._meta.verbose_name},
                )
        return cleaned


def masterdata_form_class(model, fields: list[str]) -> type[MasterDataForm]:
    """A plain form for a kind that needs nothing beyond its own fields."""
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}Form", (MasterDataForm,), {"Meta": meta})


class AreaParentWidget(RemoteSelect):
    """Areas are found as one types (a country's tree may hold thousands of places)."""

    def option_label(self, obj) -> str:
        return f"{obj.display_name} · {obj.get_level_display()}"


class AreaForm(MasterDataForm):
    duplicate_scope = ("parent",)

    parent = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        widget=AreaParentWidget(reverse_lazy("contacts:autocomplete", args=["area"])),
        required=False,
        label=_("Parent area"),
        help_text=_("Leave empty for a country or another top-level area."),
        error_messages={
            "invalid_choice": _(
                "Choose another parent: an area cannot sit inside itself or one of its own "
                "sub-areas."
            )
        },
    )

    class Meta:
        model = Area
        fields = ["parent", "level", "name", "name_ar", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Area.objects.restrict(self.user, "view").order_by("path")
        if self.instance.pk:
            parents = parents.filter(company_id=self.instance.company_id).exclude(
                path__startswith=self.instance.path
            )
        self.fields["parent"].queryset = parents

    def clean(self):
        cleaned = super().clean()
        parent, level = cleaned.get("parent"), cleaned.get("level")
        if parent is not None and level:
            order = [str(lv) for lv in AREA_LEVEL_ORDER]
            if level in order and parent.level in order:
                if order.index(level) <= order.index(parent.level):
                    self.add_error(
                        "level",
                        gettext("An area inside a %(parent)s must be a smaller kind of place.")
                        % {"parent": parent.get_level_display().lower()},
                    )
        return cleaned


def _indented(group: ProductGroup) -> str:
    """A group's name indented by its depth in the tree (an em space per level)."""
    return "\u2003" * max(group.path.count("/") - 2, 0) + group.display_name


class ProductGroupForm(MasterDataForm):
    """A product group, placed in the group tree under its parent (none: a top-level group)."""

    duplicate_scope = ("parent",)

    parent = forms.ModelChoiceField(
        queryset=ProductGroup.objects.none(),
        required=False,
        label=_("Parent group"),
        help_text=_("Leave empty for a top-level group."),
        error_messages={
            "invalid_choice": _(
                "Choose another parent: a group cannot sit inside itself or one of its own "
                "sub-groups."
            )
        },
    )

    class Meta:
        model = ProductGroup
        fields = ["parent", "name", "name_ar", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Groups are tens to a few hundred per company: offered whole, in tree order.
        parents = ProductGroup.objects.restrict(self.user, "view").order_by("path")
        if self.instance.pk:
            parents = parents.filter(company_id=self.instance.company_id).exclude(
                path__startswith=self.instance.path
            )
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = _indented


class ContactTypeForm(MasterDataForm):
    class Meta:
        model = ContactType
        fields = ["code", "name", "name_ar", "is_active"]
        help_texts = {
            "code": _("A short identifier (letters, digits, hyphens) used by imports and the API."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_system:
            # Built-in types are referred to by their code; renaming it would break them.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of a built-in type cannot change.")

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.instance.pk and self.instance.is_system:
            return self.instance.code
        if (
            self.company_id is not None
            and ContactType.objects.restrict(self.user, "view")
            .filter(company_id=self.company_id, code__iexact=code)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(gettext("A contact type with this code already exists."))
        return code


class ContactCategoryForm(MasterDataForm):
    duplicate_scope = ("contact_type",)

    class Meta:
        model = ContactCategory
        fields = ["contact_type", "name", "name_ar", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContactType.objects.restrict(self.user, "view").order_by("name")
        if self.instance.pk:
            types = types.filter(company_id=self.instance.company_id)
        self.fields["contact_type"].queryset = types


class ReferralSourceForm(MasterDataForm):
    class Meta:
        model = ReferralSource
        fields = ["name", "name_ar", "kind", "is_active"]
