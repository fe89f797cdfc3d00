"""Forms of the contact pages: the contact, its inline children, bulk actions, lifecycle."""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.countries import country_choices
from tawasul.core.widgets import RemoteSelect, SearchableSelectMultiple, offer_links
from tawasul.org.models import Employee

from .choices import DEALER_TYPE_CODES, AddressKind, EmailKind, Lifecycle, PhoneKind
from .links import LINKS
from .models import (
    ADDRESS_EMPTY,
    Contact,
    ContactCategory,
    ContactType,
    Industry,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from .phones import phone_to_e164
from .selectors import employee_assignable_list

AUTOCOMPLETE = "contacts:autocomplete"


def _ac(kind: str) -> str:
    return reverse_lazy(AUTOCOMPLETE, args=[kind])


ASSIGNEES = ("representative", "coordinator", "manager")


def _assignee_url(action: str, field: str = "") -> str:
    """The employee autocomplete narrowed to whom the user may put in a contact's `field`."""
    params = {"action": action, **({"for": field} if field else {})}
    return f"{reverse(AUTOCOMPLETE, args=['employee'])}?{urlencode(params)}"


class CategorySelect(forms.Select):
    """The category select: each option names its contact type, so that the page offers only
    the categories of the chosen type (`static/tawasul/narrow_select.js`)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"data-narrow-by": "contact_type", **(attrs or {})})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-narrow-value"] = str(instance.contact_type_id)
        return option


def _check_phone(value: str, region: str | None) -> str:
    """A phone typed in a form, checked as the service will (so its error shows at once)."""
    if value and region:
        try:
            phone_to_e164(value, region)
        except ValidationError as exc:
            raise ValidationError(exc.messages)
    return value


class ContactForm(CleanTextFormMixin, forms.ModelForm):
    """The contact's own fields; link dropdowns offer only what the user may view."""

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Contact
        fields = [
            "kind",
            "contact_type",
            "category",
            "code",
            "name",
            "name_ar",
            "tax_number",
            "website",
            "area",
            "industry",
            "segment",
            "size",
            "product_groups",
            "referral_source",
            "referred_by_contact",
            "referred_by_employee",
            "branch",
            "representative",
            "coordinator",
            "manager",
            "dealer",
            "notes",
        ]
        widgets = {
            "area": RemoteSelect(_ac("area")),
            "referred_by_contact": RemoteSelect(_ac("contact")),
            "referred_by_employee": RemoteSelect(_ac("employee")),
            "representative": RemoteSelect(_ac("employee")),
            "coordinator": RemoteSelect(_ac("employee")),
            "manager": RemoteSelect(_ac("employee")),
            "dealer": RemoteSelect(_ac("dealer")),
            "category": CategorySelect(),
            "product_groups": SearchableSelectMultiple(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"code": _("Leave empty to number it automatically.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        # Every link (`links.LINK_FIELDS`) offers what the user may view.
        scoped = {name: Contact._meta.get_field(name).related_model for name in LINKS}
        for name, model in scoped.items():
            visible = model.objects.restrict(user, "view")
            offered = visible
            if model in (
                ContactType,
                ContactCategory,
                Industry,
                Segment,
                Size,
                ProductGroup,
                ReferralSource,
            ):
                offered = offered.filter(is_active=True)
            if name == "category":
                offered = offered.select_related("contact_type")
            # Today's values stay valid even when the user may not see them, so an unrelated
            # edit neither fails nor drops them; they are shown as "(not visible to you)".
            keep = []
            if self.instance.pk:
                if name == "product_groups":
                    keep = [g.pk for g in self.instance.product_groups.all()]
                else:
                    keep = [getattr(self.instance, f"{name}_id")]
            offer_links(self.fields[name], visible, keep=keep, offered=offered)
        self.fields["category"].label_from_instance = lambda c: f"{c.contact_type} · {c}"
        self._offer_assignees(user)

    def _offer_assignees(self, user) -> None:
        """The representative, coordinator and manager pickers offer only employees the user
        may put there (`employee_assignable_list`: re-assigning an existing contact, or filling
        a new one); for a contact the user may not re-assign they are read-only."""
        editing = self.instance.pk is not None
        if editing and not (
            Contact.objects.restrict(user, "assign").filter(pk=self.instance.pk).exists()
        ):
            for name in ASSIGNEES:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("You may not re-assign this contact.")
            return
        action = "assign" if editing else "add"
        visible = Employee.objects.restrict(user, "view")
        for name in ASSIGNEES:
            field = self.fields[name]
            offer_links(
                field,
                visible,
                keep=[getattr(self.instance, f"{name}_id")] if editing else [],
                offered=employee_assignable_list(user=user, field=name, action=action),
            )
            field.widget.attrs["data-autocomplete-url"] = _assignee_url(action, name)

    def clean(self):
        # What the service would refuse is refused here too, so that every error shows on the
        # first submit together with the children's, not only once the rest is valid.
        cleaned = super().clean()
        contact_type, category = cleaned.get("contact_type"), cleaned.get("category")
        if contact_type and category and category.contact_type_id != contact_type.pk:
            self.add_error("category", _("This category belongs to another contact type."))
        dealer = cleaned.get("dealer")
        if dealer is not None:
            if self.instance.pk and dealer.pk == self.instance.pk:
                self.add_error("dealer", _("A contact cannot serve itself."))
            elif dealer.contact_type.code not in DEALER_TYPE_CODES:
                self.add_error("dealer", _("Choose a dealer or an agent."))
        referrer = cleaned.get("referred_by_contact")
        if referrer is not None and self.instance.pk and referrer.pk == self.instance.pk:
            self.add_error("referred_by_contact", _("A contact cannot refer itself."))
        return cleaned

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "product_groups"}
        return data


class PersonForm(CleanTextFormMixin, forms.Form):
    # The service takes a person's phones and e-mails as lists; this form has one box of each.
    error_aliases = {"phones": "phone", "emails": "email"}

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_ar = forms.CharField(label=_("Arabic name"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)

    def __init__(self, *args, region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    def clean_phone(self):
        return _check_phone(self.cleaned_data["phone"], self.region)


class AddressForm(CleanTextFormMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=AddressKind.choices)
    line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Address (continued)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", "—"), *country_choices()],
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )

    def clean(self):
        data = super().clean()
        parts = [data.get(f) for f in ("line1", "line2", "city", "postal_code")]
        located = data.get("latitude") is not None and data.get("longitude") is not None
        if not any(parts) and not located and not self.has_error("line1"):
            # A city alone is an address (many customers are known so); nothing at all is not.
            self.add_error("line1", ADDRESS_EMPTY)
        return data


class PhoneForm(CleanTextFormMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=PhoneKind.choices)
    number = forms.CharField(
        label=_("Number"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    def clean_number(self):
        return _check_phone(self.cleaned_data["number"], self.region)


class EmailForm(CleanTextFormMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=EmailKind.choices)
    address = forms.EmailField(label=_("E-mail"))


def _formset(form):
    return forms.formset_factory(form, extra=0, can_delete=True, max_num=50, validate_max=True)


PersonFormSet = _formset(PersonForm)
AddressFormSet = _formset(AddressForm)
PhoneFormSet = _formset(PhoneForm)
EmailFormSet = _formset(EmailForm)


class LifecycleForm(CleanTextFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=Lifecycle.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class BulkAssignForm(CleanTextFormMixin, forms.Form):
    prefix = "assign"
    field = forms.ChoiceField(
        label=_("Assign"),
        choices=[
            ("representative", _("Representative")),
            ("coordinator", _("Coordinator")),
            ("manager", _("Manager")),
        ],
    )
    employee = forms.ModelChoiceField(
        label=_("Employee"),
        queryset=Employee.objects.none(),
        required=False,
        widget=RemoteSelect(_ac("employee")),
        help_text=_("Leave empty to clear the assignment."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["employee"].queryset = Employee.objects.restrict(user, "view")
        # The picker asks for the employees the user may assign to, in the field chosen above.
        self.fields["employee"].widget.attrs.update(
            {
                "data-autocomplete-url": _assignee_url("assign"),
                "data-autocomplete-for": self["field"].id_for_label,
            }
        )

    def clean(self):
        cleaned = super().clean()
        field, employee = cleaned.get("field"), cleaned.get("employee")
        if field and employee is not None:
            allowed = employee_assignable_list(user=self.user, field=field)
            if not allowed.filter(pk=employee.pk).exists():
                self.add_error("employee", _("You may not assign contacts to this employee."))
        return cleaned


class BulkCategoryForm(forms.Form):
    prefix = "bulk"
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ContactCategory.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ContactCategory.objects.restrict(
            user, "view"
        ).select_related("contact_type")
        self.fields["category"].label_from_instance = lambda c: f"{c.contact_type} · {c}"
