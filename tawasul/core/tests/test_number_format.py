"""Numbers read the same in both languages: Latin digits, a decimal point, comma thousands."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact

NUMBERS = Template("{% load humanize %}{{ rate }}% {{ count|intcomma }} {{ big|floatformat:'2g' }}")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_numbers_print_with_a_point_and_comma_thousands(language):
    with translation.override(language):
        text = NUMBERS.render(
            Context({"rate": Decimal("9.25"), "count": 2000, "big": Decimal("1234.5")})
        )
    assert text == "9.25% 2,000 1,234.50"


@pytest.mark.django_db
def test_arabic_dealer_list_and_page_show_the_commission_with_a_point(staff_client, company):
    from tawasul.core.models import UserPreference

    dealer = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    contact = make_contact(
        company=company,
        contact_type=dealer,
        name="Al Nakheel Hotels Co.",
        dealer_profile={"commission_rate": Decimal("9.25")},
    )
    staff_client.post(reverse("preferences"), {"language": "ar", "next": "/"})
    assert UserPreference.objects.get().language == "ar"
    for url in (
        reverse("contacts:dealer_list"),
        reverse("contacts:contact_detail", args=[contact.pk]),
    ):
        body = staff_client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl">' in body
        assert "<bdi>9.25%</bdi>" in body and "9,25" not in body, url
