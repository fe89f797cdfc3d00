"""Re-editing a contact asks about possible duplicates only for what the edit brings."""

import pytest
from django.urls import reverse

from tawasul.contacts.tests.factories import make_contact
from tawasul.contacts.tests.test_history_changes import _form_post


@pytest.fixture
def twins(company, customer_type, staff_user):
    """Two contacts long known to share a name (the second was saved after a warning)."""
    first = make_contact(
        company=company,
        contact_type=customer_type,
        actor=staff_user,
        name="Al Nakheel Hotels Co.",
        phones=[{"kind": "work", "number": "0112345678"}],
    )
    second = make_contact(
        company=company,
        contact_type=customer_type,
        actor=staff_user,
        name="Al Nakheel Hotels Co.",
        name_ar="فنادق النخيل",
        phones=[{"kind": "work", "number": "0113334444"}],
        persons=[{"name": "Omar", "is_primary": True, "phones": ["0501234567"]}],
    )
    return first, second


def test_saving_unchanged_never_asks_about_duplicates(staff_client, twins):
    _first, second = twins
    url = reverse("contacts:contact_update", args=[second.pk])
    data = _form_post(staff_client.get(url))
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context.get("duplicates")


def test_an_unrelated_change_does_not_ask_either(staff_client, twins):
    _first, second = twins
    url = reverse("contacts:contact_update", args=[second.pk])
    data = _form_post(staff_client.get(url))
    data["notes"] = "Prefers morning visits"
    response = staff_client.post(url, data)
    assert response.status_code == 302


def test_a_changed_phone_matching_someone_new_asks(staff_client, twins):
    first, second = twins
    url = reverse("contacts:contact_update", args=[second.pk])
    data = _form_post(staff_client.get(url))
    data["phones-0-number"] = "0112345678"  # the first contact's phone: a new reason
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert [m.pk for m in response.context["duplicates"]] == [first.pk]
    data["confirm_duplicates"] = "1"
    assert staff_client.post(url, data).status_code == 302


def test_a_rename_onto_another_contact_asks(staff_client, company, customer_type, staff_user):
    other = make_contact(
        company=company, contact_type=customer_type, actor=staff_user, name="Riyadh Steel"
    )
    mine = make_contact(
        company=company, contact_type=customer_type, actor=staff_user, name="Riyadh Stee"
    )
    url = reverse("contacts:contact_update", args=[mine.pk])
    data = _form_post(staff_client.get(url))
    assert staff_client.post(url, data).status_code == 302
    data = _form_post(staff_client.get(url))
    data["name"] = "Riyadh Steel"
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert [m.pk for m in response.context["duplicates"]] == [other.pk]
