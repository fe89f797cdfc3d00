"""The contact form: categories narrowed to the chosen type, and every error on the first submit."""

import pytest
from django.urls import reverse

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import ContactCategoryFactory, ContactTypeFactory


def _data(**overrides) -> dict:
    data = {
        "kind": "organisation",
        "name": "Najd Polymers",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-0-name": "Faisal",
        "persons-0-phone": "0551234567",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-kind": "work",
        "phones-0-number": "0112223333",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def supplier_category(company):
    supplier = ContactTypeFactory(company=company, code="supplier", name="Supplier")
    return ContactCategoryFactory(contact_type=supplier, company=company, name="Raw materials")


def test_every_error_shows_on_the_first_submit(staff_client, customer_type, supplier_category):
    """A name left empty used to hide the category, phone and dealer errors until it was fixed."""
    response = staff_client.post(
        reverse("contacts:contact_create"),
        _data(
            contact_type=customer_type.pk,
            category=supplier_category.pk,
            name="",
            **{"phones-0-number": "12", "persons-0-phone": "34"},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "category"}
    assert "another contact type" in form.errors["category"][0]
    assert "number" in response.context["phones"].forms[0].errors
    assert "phone" in response.context["persons"].forms[0].errors
    assert not Contact.objects.exists()


def test_category_of_the_chosen_type_is_accepted(staff_client, company, customer_type):
    wholesale = ContactCategoryFactory(contact_type=customer_type, company=company, name="Bulk")
    response = staff_client.post(
        reverse("contacts:contact_create"),
        _data(contact_type=customer_type.pk, category=wholesale.pk),
    )
    assert response.status_code == 302
    assert Contact.objects.get().category == wholesale


def test_a_customer_is_no_dealer(staff_client, company, customer_type):
    from tawasul.contacts.tests.factories import make_contact

    other_customer = make_contact(company=company, contact_type=customer_type, name="Shop")
    response = staff_client.post(
        reverse("contacts:contact_create"),
        _data(contact_type=customer_type.pk, dealer=other_customer.pk, name=""),
    )
    assert {"name", "dealer"} <= set(response.context["form"].errors)


def test_category_options_name_their_type_for_the_page_to_narrow(
    staff_client, company, customer_type, supplier_category
):
    wholesale = ContactCategoryFactory(contact_type=customer_type, company=company, name="Bulk")
    body = staff_client.get(reverse("contacts:contact_create")).content.decode()
    assert 'data-narrow-by="contact_type"' in body
    assert f'value="{wholesale.pk}" data-narrow-value="{customer_type.pk}"' in body
    assert f'data-narrow-value="{supplier_category.contact_type_id}"' in body
    assert "tawasul/narrow_select.js" in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_category_select_offers_only_the_chosen_types_categories(
    page, staff_user, company, customer_type, supplier_category
):
    from playwright.sync_api import expect

    ContactCategoryFactory(contact_type=customer_type, company=company, name="Bulk")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()
    page.goto("/contacts/new/")
    offered = "#id_category option:not([hidden])"
    page.select_option("#id_contact_type", label="Supplier")
    expect(page.locator(offered)).to_have_count(2)  # the empty choice and "Raw materials"
    page.select_option("#id_category", label="Supplier · Raw materials")
    page.select_option("#id_contact_type", label="Customer")
    expect(page.locator(offered)).to_have_count(2)
    expect(page.locator("#id_category")).to_have_value("")  # the supplier's category is cleared
    expect(page.locator(f"{offered}:has-text('Bulk')")).to_have_count(1)
