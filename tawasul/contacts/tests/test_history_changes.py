"""History shows only real changes: saving untouched children writes no "Changed" rows, and the
children's entries (dealer terms, persons, addresses, phones, e-mails) name field, before, after."""

import pytest
from django.urls import reverse

from tawasul.contacts.models import (
    Address,
    Contact,
    ContactPerson,
    DealerProfile,
    Email,
    Phone,
)
from tawasul.contacts.services import contact_update
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core.timeline import timeline


def contact_history(*, user, contact):
    """The newest page of the contact's timeline."""
    return timeline(user, contact, size=50).entries


HISTORY_MODELS = [Contact, ContactPerson, Address, Phone, Email, DealerProfile]


def _history_rows() -> int:
    return sum(model.history.count() for model in HISTORY_MODELS)


def _form_post(response) -> dict:
    """What a browser sends back when the user saves the edit form without touching it."""
    data: dict = {}
    ctx = response.context
    form = ctx["form"]
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else str(value)
    for prefix in ("persons", "addresses", "phones", "emails"):
        formset = ctx[prefix]
        for key, value in formset.management_form.initial.items():
            data[f"{prefix}-{key}"] = str(value)
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is None or value is False or value == "":
                    continue
                data[sub.add_prefix(name)] = "on" if value is True else str(value)
    return data


@pytest.fixture
def rich_contact(company, customer_type, staff_user):
    return make_contact(
        company=company,
        contact_type=customer_type,
        actor=staff_user,
        name="Al Bayan Hotels Co.",
        notes="Two branches",
        persons=[
            {"name": "Omar", "is_primary": True, "phones": ["0501234567"], "emails": ["o@b.sa"]},
            {"name": "Huda", "phones": ["0551112222"], "emails": ["h@b.sa"]},
        ],
        addresses=[
            {"kind": "office", "line1": "King Fahd Road", "city": "Riyadh", "country": "SA"},
            {
                "kind": "site",
                "line1": "Industrial City 2",
                "latitude": "24.6",
                "longitude": "46.8",
            },
        ],
        phones=[{"kind": "work", "number": "0112345678"}, {"kind": "fax", "number": "0112345679"}],
        emails=[{"kind": "work", "address": "info@b.sa"}, {"kind": "work", "address": "x@b.sa"}],
    )


def test_saving_the_form_unchanged_writes_no_history(staff_client, rich_contact):
    url = reverse("contacts:contact_update", args=[rich_contact.pk])
    data = _form_post(staff_client.get(url))
    before = _history_rows()
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert _history_rows() == before


def test_rename_and_one_removal_write_two_rows(staff_client, staff_user, rich_contact):
    url = reverse("contacts:contact_update", args=[rich_contact.pk])
    data = _form_post(staff_client.get(url))
    data["name"] = "Al Bayan Hotels"
    data["phones-1-DELETE"] = "on"
    before = _history_rows()
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert _history_rows() == before + 2
    assert Phone.objects.filter(contact=rich_contact, person__isnull=True).count() == 1
    entries = contact_history(user=staff_user, contact=rich_contact)
    assert entries[0].kind in ("changed", "removed")
    assert {e.kind for e in entries[:2]} == {"changed", "removed"}


def test_service_update_with_the_same_children_writes_no_history(staff_user, rich_contact):
    persons = [
        {
            "id": p.pk,
            "name": p.name,
            "is_primary": p.is_primary,
            "phones": [ph.number for ph in p.phones.all()],
            "emails": [e.address for e in p.emails.all()],
        }
        for p in rich_contact.persons.all()
    ]
    before = _history_rows()
    contact_update(
        actor=staff_user,
        contact=rich_contact,
        data={"name": rich_contact.name},
        persons=persons,
        addresses=[
            {"id": a.pk, "kind": a.kind, "line1": a.line1, "country": a.country.lower()}
            for a in rich_contact.addresses.all()
        ],
    )
    assert _history_rows() == before


def test_moving_the_primary_person_records_both_flags(staff_user, rich_contact):
    omar, huda = rich_contact.persons.order_by("-is_primary")
    before = _history_rows()
    contact_update(
        actor=staff_user,
        contact=rich_contact,
        data={},
        persons=[
            {"id": omar.pk, "name": "Omar", "is_primary": False},
            {"id": huda.pk, "name": "Huda", "is_primary": True},
        ],
    )
    assert ContactPerson.objects.get(is_primary=True).pk == huda.pk
    assert _history_rows() == before + 2
    rows = [
        e for e in contact_history(user=staff_user, contact=rich_contact) if e.kind == "changed"
    ][:2]
    assert all(str(r.changes[0].field) == "primary" for r in rows)


def test_dealer_terms_changes_show_field_before_and_after(company, staff_user):
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    dealer = make_contact(
        company=company,
        contact_type=dealer_type,
        actor=staff_user,
        name="Gulf Dealer",
        dealer_profile={"commission_rate": "5.00", "agreement_start": "2025-01-01"},
    )
    contact_update(
        actor=staff_user,
        contact=dealer,
        data={},
        dealer_profile={"commission_rate": "7.50", "agreement_end": "2025-12-31"},
    )
    entry = contact_history(user=staff_user, contact=dealer)[0]
    assert entry.kind == "changed" and "dealer terms" in str(entry.subject)
    changes = {str(c.field): (str(c.old), str(c.new)) for c in entry.changes}
    assert changes["commission rate (%)"] == ("5.00", "7.50")
    assert changes["agreement end"][1] == "2025-12-31"


def test_history_tab_shows_child_field_changes(staff_client, staff_user, rich_contact):
    address = rich_contact.addresses.get(kind="office")
    contact_update(
        actor=staff_user,
        contact=rich_contact,
        data={},
        addresses=[
            {
                "id": a.pk,
                "kind": a.kind,
                "line1": a.line1,
                "city": "Jeddah" if a == address else a.city,
            }
            for a in rich_contact.addresses.all()
        ],
    )
    url = reverse("contacts:contact_detail", args=[rich_contact.pk])
    page = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "contact-history"})
    body = page.content.decode()
    assert "Riyadh" in body and "Jeddah" in body
