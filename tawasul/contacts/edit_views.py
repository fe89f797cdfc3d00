"""Contact create, edit and delete pages, on core's generic edit and delete views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tawasul.access.querysets import user_company
from tawasul.core.access import get_restricted_or_404
from tawasul.core.edit import ServiceDeleteView, ServiceFormView, formset_rows

from . import services
from .forms import (
    AddressFormSet,
    ContactForm,
    EmailFormSet,
    PersonFormSet,
    PhoneFormSet,
)
from .models import Contact
from .phones import phone_region


def _breadcrumbs(contact: Contact) -> list[tuple[str, str]]:
    return [
        (_("Contacts"), reverse("contacts:contact_list")),
        (contact.code, reverse("contacts:contact_detail", args=[contact.pk])),
    ]


class ContactDeleteView(ServiceDeleteView):
    """Ask, then delete a contact; one that others still point to (as their dealer, say) is
    kept, and the page names those the user may view."""

    model = Contact
    success_url_name = "contacts:contact_list"
    deleted_message = _lazy("Contact deleted.")

    def delete(self, record: Contact) -> None:
        services.contact_delete(actor=self.request.user, contact=record)

    def get_cancel_url(self, record: Contact) -> str:
        return reverse("contacts:contact_detail", args=[record.pk])

    def get_breadcrumbs(self, record: Contact) -> list[tuple[str, str]]:
        return _breadcrumbs(record)


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


def _person_row(data):
    row = {k: data[k] for k in ("name", "name_ar", "title", "department", "is_primary")}
    if data.get("id"):
        row["id"] = data["id"]
    row["phones"] = [data["phone"]] if data.get("phone") else []
    row["emails"] = [data["email"]] if data.get("email") else []
    return row


class ContactFormView(ServiceFormView):
    """Create or edit a contact with its persons, addresses, phones and e-mails on one page."""

    model = Contact
    form_class = ContactForm
    formset_classes = {
        "persons": PersonFormSet,
        "addresses": AddressFormSet,
        "phones": PhoneFormSet,
        "emails": EmailFormSet,
    }
    template_name = "contacts/contact_form.html"
    denied_message = _lazy("You may not save this contact.")

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        contact = get_restricted_or_404(
            Contact.objects.prefetch_related(
                "persons__phones",
                "persons__emails",
                "addresses",
                "phones",
                "emails",
                "product_groups",
            ),
            self.request.user,
            "change",
            pk=self.kwargs["pk"],
        )
        if self.request.method == "POST":
            # What identified the contact before this edit, read before the form writes the
            # typed values onto it (duplicates are asked about only for what is new).
            self.saved_identity = services.contact_stored_duplicate_values(contact)
        return contact

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        employee = getattr(self.request.user, "employee", None)
        if self.object is None and employee is not None:
            # New contacts start assigned to whoever creates them; record rules often say
            # "my contacts", so this keeps a representative's new contact within reach.
            kwargs["initial"] = {"representative": employee.pk, "branch": employee.branch_id}
        return kwargs

    def get_formset_kwargs(self, name):
        kwargs = super().get_formset_kwargs(name)
        if self.object is not None:
            kwargs["initial"] = self.children_initial[name]
        if name in ("persons", "phones"):
            # Phones are checked in the forms as the service will, so their errors show at once.
            company = self.object.company if self.object else user_company(self.request.user)
            kwargs["form_kwargs"] = {"region": phone_region(company)}
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["contact"] = self.object
        return ctx

    @cached_property
    def children_initial(self) -> dict[str, list[dict]]:
        return _children_initial(self.object)

    def nested(self, parts) -> dict:
        """The children as the service takes them, from the valid formsets."""
        return {
            "product_groups": parts["form"].cleaned_data["product_groups"],
            "persons": formset_rows(parts["persons"], _person_row),
            "addresses": formset_rows(parts["addresses"]),
            "phones": formset_rows(parts["phones"]),
            "emails": formset_rows(parts["emails"]),
        }

    def check(self, parts):
        """Visible contacts sharing the code, a name, a phone or an e-mail (persons' too) stop
        the save until the user confirms; for an edit, only matches its saved values did not
        already have (a save without changes never asks again)."""
        if self.request.POST.get("confirm_duplicates"):
            return None
        company = user_company(self.request.user)
        if company is None:
            return None
        nested = self.nested(parts)
        values = services.contact_duplicate_values(
            data=parts["form"].cleaned_data,
            persons=nested["persons"],
            phones=nested["phones"],
            emails=nested["emails"],
        )
        if self.object is not None:
            duplicates = services.contact_find_new_duplicates(
                user=self.request.user,
                contact=self.object,
                before=self.saved_identity,
                **values,
            )
        else:
            duplicates = services.contact_find_duplicates(
                user=self.request.user, company=company, **values
            )
        return {"duplicates": duplicates} if duplicates else None

    def save(self, parts):
        user = self.request.user
        data = parts["form"].service_data()
        nested = self.nested(parts)
        if not data.get("code") and self.object is None:
            data.pop("code", None)
        if self.object is None:
            company = user_company(user)
            if company is None:
                raise ValidationError(_("Your account is not linked to a company."))
            return services.contact_create(actor=user, company=company, data=data, **nested)
        data.pop("lifecycle", None)
        return services.contact_update(actor=user, contact=self.object, data=data, **nested)

    def saved(self, record, *, created):
        messages.success(self.request, _("Contact saved."))
        return redirect("contacts:contact_detail", pk=record.pk)
