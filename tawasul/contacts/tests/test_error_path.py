"""A service's refusal of one nested row reaches that row on the page and that field in the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tawasul.contacts import services
from tawasul.contacts.models import Contact, ContactPerson
from tawasul.contacts.tests.factories import make_contact

REFUSED = "0550000000"
REFUSAL = "The service refuses this number."


@pytest.fixture
def service_refuses_a_number(monkeypatch):
    """The service refuses one number that the form and the serializer let through (as a rule
    only the service knows would), so the error can only come from the service."""
    real = services.phone_to_e164

    def strict(raw, region):
        number = real(raw, region)
        if number == real(REFUSED, region):  # as typed on the page, or in E.164 from the API
            raise ValidationError(REFUSAL)
        return number

    monkeypatch.setattr(services, "phone_to_e164", strict)


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)}


def _page_data(customer_type, **rows) -> dict:
    data = {"kind": "organisation", "name": "Najd Polymers", "contact_type": customer_type.pk}
    for prefix in ("persons", "phones", "emails", "addresses"):
        data.update(_management(prefix, 0))
    data.update(rows)
    return data


def test_a_persons_phone_refused_by_the_service_shows_at_its_row(
    staff_client, customer_type, service_refuses_a_number
):
    response = staff_client.post(
        reverse("contacts:contact_create"),
        _page_data(
            customer_type,
            **_management("persons", 4),
            **{
                # Row 0 is removed and row 3 left empty: the service is given rows 1 and 2, so
                # its "persons.1" is the third row on the page.
                "persons-0-name": "Removed",
                "persons-0-DELETE": "on",
                "persons-1-name": "Amal",
                "persons-1-phone": "0551234567",
                "persons-2-name": "Badr",
                "persons-2-phone": REFUSED,
            },
        ),
    )
    assert response.status_code == 200
    rows = response.context["persons"].forms
    assert rows[2].errors == {"phone": [REFUSAL]}
    assert not rows[0].errors and not rows[1].errors and not rows[3].errors
    assert not response.context["form"].errors
    assert REFUSAL in response.content.decode()
    assert not Contact.objects.exists()


def test_a_persons_phone_refused_by_the_service_is_that_field_in_the_api(
    api_client, customer_type, service_refuses_a_number
):
    response = api_client.post(
        "/api/contacts/",
        {
            "name": "Gulf Plastics",
            "contact_type": customer_type.pk,
            "persons": [
                {"name": "Ali", "phones": ["0551234567"]},
                {"name": "Mona", "phones": [REFUSED]},
            ],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"persons": [{}, {"phones": [REFUSAL]}]}
    assert not Contact.objects.exists()


def test_an_unknown_row_id_is_refused_at_that_row(staff_client, api_client, company, customer_type):
    """A row naming a person the contact does not have: only the service can tell."""
    contact = make_contact(company=company, contact_type=customer_type, persons=[{"name": "Ali"}])
    ali = contact.persons.get()
    response = api_client.patch(
        f"/api/contacts/{contact.pk}/",
        {"persons": [{"id": ali.pk, "name": "Ali"}, {"id": ali.pk + 1000, "name": "Ghost"}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"persons": [{}, {"id": ["Unknown id."]}]}

    page = staff_client.post(
        reverse("contacts:contact_update", args=[contact.pk]),
        _page_data(
            customer_type,
            code=contact.code,
            **_management("persons", 2, initial=1),
            **{
                "persons-0-id": ali.pk,
                "persons-0-name": "Ali",
                "persons-1-id": ali.pk + 1000,
                "persons-1-name": "Ghost",
            },
        ),
    )
    assert page.status_code == 200
    ghost = page.context["persons"].forms[1]
    assert ghost.non_field_errors() == ["Unknown id."]  # its id box is hidden
    assert list(ContactPerson.objects.values_list("name", flat=True)) == ["Ali"]
