"""Numbers no column can hold match nothing, on every database, instead of failing."""

import pytest

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import IndustryFactory, make_contact

HUGE = 10**30


@pytest.fixture
def contact(company, customer_type):
    industry = IndustryFactory(company=company)
    return make_contact(company=company, contact_type=customer_type, name="A", industry=industry)


@pytest.mark.parametrize(
    "lookup",
    [
        {"pk__in": [HUGE]},
        {"pk__in": [HUGE, -HUGE]},
        {"industry": HUGE},
        {"industry__in": [HUGE]},
        {"industry_id__in": [-HUGE]},
        {"pk": HUGE},
    ],
)
def test_unstorable_numbers_match_nothing(contact, lookup):
    assert list(Contact.objects.filter(**lookup)) == []


def test_storable_numbers_beside_them_still_match(contact):
    assert list(Contact.objects.filter(pk__in=[HUGE, contact.pk])) == [contact]
    assert list(Contact.objects.filter(industry__in=[contact.industry_id, HUGE])) == [contact]


def test_a_list_filter_with_one_answers_a_field_error(staff_client, api_client, contact):
    page = staff_client.get(f"/contacts/?industry={HUGE}")
    assert page.status_code == 200
    api = api_client.get(f"/api/contacts/?industry={HUGE}")
    assert api.status_code == 400 and "industry" in api.json()
