import pytest
from django.core.exceptions import ValidationError

from tawasul.contacts.models import Contact, ContactPerson, LifecycleChange, Phone
from tawasul.contacts.services import (
    contact_create,
    contact_find_duplicates,
    contact_set_lifecycle,
    contact_update,
)
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact


def test_create_with_children_stores_e164_and_search_text(company, customer_type, staff_user):
    contact = contact_create(
        actor=staff_user,
        company=company,
        data={"contact_type": customer_type, "name": "Al Noor Trading", "name_ar": "النور للتجارة"},
        persons=[
            {"name": "Omar", "title": "Buyer", "is_primary": True, "phones": ["0501234567"]},
            {"name": "Huda", "emails": ["Huda@Noor.example"]},
        ],
        phones=[{"kind": "work", "number": "011 234 5678"}],
        emails=[{"address": "info@noor.example"}],
        addresses=[
            {"kind": "office", "line1": "King Fahd Rd", "latitude": "24.7", "longitude": "46.6"}
        ],
    )
    assert contact.code.startswith("C-")
    assert set(Phone.objects.filter(contact=contact).values_list("number", flat=True)) == {
        "+966501234567",
        "+966112345678",
    }
    assert ContactPerson.objects.get(contact=contact, is_primary=True).name == "Omar"
    contact.refresh_from_db()
    assert "0501234567" in contact.search_text and "huda@noor.example" in contact.search_text
    assert LifecycleChange.objects.filter(contact=contact, to_stage="target").count() == 1
    assert contact.history.count() >= 1


def test_invalid_phone_rolls_back_everything(company, customer_type, staff_user):
    with pytest.raises(ValidationError) as exc:
        contact_create(
            actor=staff_user,
            company=company,
            data={"contact_type": customer_type, "name": "Broken"},
            persons=[{"name": "Someone"}],
            phones=[{"number": "12"}],
        )
    assert "phones.0.number" in exc.value.message_dict
    assert not Contact.objects.filter(name="Broken").exists()
    assert not ContactPerson.objects.filter(name="Someone").exists()


def test_duplicate_code_is_a_field_error(company, customer_type, staff_user):
    make_contact(company=company, contact_type=customer_type, code="X1", name="One")
    with pytest.raises(ValidationError) as exc:
        make_contact(company=company, contact_type=customer_type, code="X1", name="Two")
    assert "code" in exc.value.message_dict


def test_duplicates_by_normalised_arabic_name_phone_and_email(company, customer_type, staff_user):
    existing = make_contact(
        company=company,
        contact_type=customer_type,
        name="مؤسسة الأمل",
        phones=[{"number": "+966501112222"}],
        emails=[{"address": "a@x.example"}],
    )

    def found(**values):
        return [
            m.contact for m in contact_find_duplicates(user=staff_user, company=company, **values)
        ]

    assert found(name="مؤسسه الامل") == [existing]
    assert found(phones=["+966501112222"]) == [existing]
    assert found(emails=["A@X.example"]) == [existing]
    assert found(name="Other") == []


def test_lifecycle_moves_are_recorded_and_guarded(company, customer_type, staff_user):
    contact = make_contact(company=company, contact_type=customer_type, name="Life")
    with pytest.raises(ValidationError):
        contact_set_lifecycle(actor=staff_user, contact=contact, stage="rejected")
    contact = contact_set_lifecycle(
        actor=staff_user, contact=contact, stage="rejected", reason="Too far"
    )
    assert contact.rejection_reason == "Too far"
    with pytest.raises(ValidationError):
        contact_set_lifecycle(actor=staff_user, contact=contact, stage="customer")
    contact = contact_set_lifecycle(
        actor=staff_user, contact=contact, stage="recovered", reason="Called back"
    )
    stages = list(
        LifecycleChange.objects.filter(contact=contact).values_list("to_stage", flat=True)
    )
    assert stages == ["recovered", "rejected", "target"]
    assert (
        LifecycleChange.objects.filter(contact=contact, to_stage="rejected").get().changed_by
        == staff_user
    )


def test_update_records_field_history(company, customer_type, staff_user):
    contact = make_contact(
        company=company, contact_type=customer_type, name="Before", actor=staff_user
    )
    contact_update(actor=staff_user, contact=contact, data={"name": "After"})
    newest, previous = contact.history.all()[:2]
    delta = newest.diff_against(previous)
    change = next(c for c in delta.changes if c.field == "name")
    assert (change.old, change.new) == ("Before", "After")
    assert newest.history_user == staff_user


def test_links_from_another_company_are_refused(company, customer_type, staff_user):
    from tawasul.org.tests.factories import CompanyFactory

    other_type = ContactTypeFactory(company=CompanyFactory(code="OTHER"), code="customer")
    with pytest.raises(ValidationError) as exc:
        contact_create(
            actor=staff_user, company=company, data={"contact_type": other_type, "name": "X"}
        )
    assert "contact_type" in exc.value.message_dict
