"""Contact create, edit and delete pages."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from tawasul.access.querysets import user_company

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
from .views import contact_or_404


class ContactDeleteView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "contacts.delete_contact"

    def post(self, request, pk):
        contact = contact_or_404(request, pk, "delete")
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
        contact = contact_or_404(self.request, self.kwargs["pk"], "change")
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
