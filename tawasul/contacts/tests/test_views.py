import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.contacts.models import Contact, ContactPerson
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactCategoryFactory,
    ContactTypeFactory,
    IndustryFactory,
    make_contact,
)
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory


def _form_data(**overrides):
    data = {
        "kind": "organisation",
        "name": "Riyadh Steel",
        "name_ar": "حديد الرياض",
        "persons-TOTAL_FORMS": "2",
        "persons-INITIAL_FORMS": "0",
        "persons-0-name": "Khalid",
        "persons-0-phone": "0501234567",
        "persons-0-is_primary": "on",
        "persons-1-name": "Noura",
        "persons-1-email": "noura@steel.example",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-kind": "work",
        "phones-0-number": "0112223333",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "1",
        "addresses-INITIAL_FORMS": "0",
        "addresses-0-kind": "office",
        "addresses-0-line1": "Industrial City 2",
        "addresses-0-latitude": "24.6",
        "addresses-0-longitude": "46.8",
    }
    data.update(overrides)
    return data


def test_create_contact_with_persons(staff_client, customer_type):
    response = staff_client.post(
        reverse("contacts:contact_create"), _form_data(contact_type=customer_type.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contact = Contact.objects.get(name="Riyadh Steel")
    assert set(contact.persons.values_list("name", flat=True)) == {"Khalid", "Noura"}
    detail = staff_client.get(response["Location"])
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Khalid" in body and "+966501234567" in body and "openstreetmap" in body


def test_field_errors_keep_what_was_typed(staff_client, customer_type):
    data = _form_data(contact_type=customer_type.pk, name="", **{"phones-0-number": "12"})
    response = staff_client.post(reverse("contacts:contact_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="Khalid"' in body
    assert not Contact.objects.exists() and not ContactPerson.objects.exists()


def test_invalid_phone_shows_at_the_phone_field(staff_client, customer_type):
    data = _form_data(contact_type=customer_type.pk, **{"phones-0-number": "12345"})
    response = staff_client.post(reverse("contacts:contact_create"), data)
    assert response.status_code == 200
    assert "is not a" in response.content.decode()
    assert not Contact.objects.exists()


def test_duplicate_warning_then_confirm(staff_client, company, customer_type):
    existing = make_contact(company=company, contact_type=customer_type, name="Riyadh Steel")
    url = reverse("contacts:contact_create")
    response = staff_client.post(url, _form_data(contact_type=customer_type.pk))
    assert response.status_code == 200
    assert f"/contacts/{existing.pk}/" in response.content.decode()
    assert Contact.objects.count() == 1
    response = staff_client.post(
        url, _form_data(contact_type=customer_type.pk, confirm_duplicates="1")
    )
    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_edit_replaces_children_and_records_history(
    staff_client, staff_user, company, customer_type
):
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        name="Old",
        actor=staff_user,
        persons=[{"name": "A"}, {"name": "B"}],
    )
    persons = list(contact.persons.order_by("name"))
    data = {
        "kind": "organisation",
        "contact_type": customer_type.pk,
        "code": contact.code,
        "name": "New",
        "persons-TOTAL_FORMS": "2",
        "persons-INITIAL_FORMS": "2",
        "persons-0-id": persons[0].pk,
        "persons-0-name": "A2",
        "persons-1-id": persons[1].pk,
        "persons-1-name": "B",
        "persons-1-DELETE": "on",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("contacts:contact_update", args=[contact.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(contact.persons.values_list("name", flat=True)) == ["A2"]
    url = reverse("contacts:contact_detail", args=[contact.pk])
    page = staff_client.get(url).content.decode()
    assert 'id="contact-history"' in page and "Old" not in page  # fetched when the tab opens
    history = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "contact-history"})
    detail = history.content.decode()
    assert "Old" in detail and "New" in detail  # the history tab shows before and after
    assert "<nav" not in detail and detail.startswith('<div id="contact-history">')


def test_list_filters_search_and_sort(staff_client, company, customer_type):
    industry = IndustryFactory(company=company, name="Chemicals")
    riyadh = AreaFactory(company=company, name="Riyadh", level="region")
    olaya = AreaFactory(company=company, name="Olaya", level="zone", parent=riyadh)
    make_contact(
        company=company,
        contact_type=customer_type,
        name="Alpha Chem",
        industry=industry,
        area=olaya,
    )
    make_contact(
        company=company, contact_type=customer_type, name="Beta Foods", lifecycle="customer"
    )
    url = reverse("contacts:contact_list")
    assert "Beta Foods" not in staff_client.get(url, {"industry": industry.pk}).content.decode()
    assert "Alpha Chem" in staff_client.get(url, {"area": riyadh.pk}).content.decode()
    body = staff_client.get(url, {"q": "beta"}).content.decode()
    assert "Beta Foods" in body and "Alpha Chem" not in body
    body = staff_client.get(url, {"lifecycle": "customer"}).content.decode()
    assert "Beta Foods" in body and "Alpha Chem" not in body
    body = staff_client.get(url, {"sort": "-name"}).content.decode()
    assert body.index("Beta Foods") < body.index("Alpha Chem")
    partial = staff_client.get(
        url, {"sort": "name"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-table"
    )
    assert "<html" not in partial.content.decode()


def test_page_beyond_the_end_and_bad_cursor_are_friendly(staff_client, company, customer_type):
    make_contact(company=company, contact_type=customer_type, name="Only")
    url = reverse("contacts:contact_list")
    response = staff_client.get(url, {"cursor": "garbage"})
    assert response.status_code == 200 and "no longer valid" in response.content.decode()


def test_list_query_count_is_constant(staff_client, company, customer_type):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(reverse("contacts:contact_list")).status_code == 200
        return len(ctx.captured_queries)

    rep = EmployeeFactory(company=company, user=None)
    for i in range(3):
        make_contact(company=company, contact_type=customer_type, name=f"A{i}", representative=rep)
    count()
    few = count()
    for i in range(30):
        make_contact(company=company, contact_type=customer_type, name=f"B{i}", representative=rep)
    assert count() == few


def test_detail_query_count_is_constant(staff_client, company, customer_type):
    def count(contact):
        with CaptureQueriesContext(connection) as ctx:
            assert (
                staff_client.get(reverse("contacts:contact_detail", args=[contact.pk])).status_code
                == 200
            )
        return len(ctx.captured_queries)

    small = make_contact(
        company=company,
        contact_type=customer_type,
        name="Small",
        persons=[{"name": "P", "phones": ["0501234567"]}],
    )
    big = make_contact(
        company=company,
        contact_type=customer_type,
        name="Big",
        persons=[
            {"name": f"P{i}", "phones": ["0501234567"], "emails": [f"p{i}@x.example"]}
            for i in range(8)
        ],
        addresses=[{"line1": f"Street {i}"} for i in range(5)],
    )
    count(small)
    assert count(big) == count(small)


def test_other_company_contact_is_404(staff_client):
    other = CompanyFactory(code="ZZ")
    from tawasul.contacts.tests.factories import ContactTypeFactory

    theirs = make_contact(
        company=other, contact_type=ContactTypeFactory(company=other), name="Theirs"
    )
    assert staff_client.get(reverse("contacts:contact_detail", args=[theirs.pk])).status_code == 404
    assert staff_client.get(reverse("contacts:contact_update", args=[theirs.pk])).status_code == 404
    assert "Theirs" not in staff_client.get(reverse("contacts:contact_list")).content.decode()
    assert (
        "Theirs" not in staff_client.get(reverse("global_search"), {"q": "theirs"}).content.decode()
    )


def test_export_csv_and_xlsx(staff_client, company, customer_type):
    make_contact(
        company=company,
        contact_type=customer_type,
        name="=cmd|' /C calc'!A0",
        phones=[{"number": "0501234567"}],
    )
    response = staff_client.get(reverse("contacts:contact_export"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=cmd" in body and "+966501234567" in body
    xlsx = staff_client.get(reverse("contacts:contact_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_bulk_assign_and_category(staff_client, company, customer_type):
    rep = EmployeeFactory(company=company, user=None, name="Rep One")
    category = ContactCategoryFactory(contact_type=customer_type, company=company, name="Wholesale")
    contacts = [
        make_contact(company=company, contact_type=customer_type, name=f"N{i}") for i in range(3)
    ]
    url = reverse("contacts:contact_bulk")
    response = staff_client.post(
        url,
        {
            "pk": [c.pk for c in contacts[:2]],
            "action": "assign",
            "assign-field": "representative",
            "assign-employee": rep.pk,
        },
    )
    assert response.status_code == 302
    assert Contact.objects.filter(representative=rep).count() == 2
    staff_client.post(
        url, {"pk": [contacts[2].pk], "action": "category", "bulk-category": category.pk}
    )
    assert Contact.objects.get(pk=contacts[2].pk).category == category


def test_lifecycle_change_from_the_page(staff_client, company, customer_type):
    contact = make_contact(company=company, contact_type=customer_type, name="Stage")
    url = reverse("contacts:contact_lifecycle", args=[contact.pk])
    staff_client.post(url, {"stage": "rejected", "reason": ""})
    contact.refresh_from_db()
    assert contact.lifecycle == "target"
    staff_client.post(url, {"stage": "rejected", "reason": "No budget"})
    contact.refresh_from_db()
    assert contact.lifecycle == "rejected" and contact.rejection_reason == "No budget"


def test_saved_filters_are_per_user(staff_client, staff_user):
    staff_client.post(
        reverse("contacts:saved_filter"),
        {"name": "Customers", "query": "lifecycle=customer", "view": "contacts"},
    )
    body = staff_client.get(reverse("contacts:contact_list")).content.decode()
    assert "Customers" in body and "lifecycle=customer" in body


def test_autocomplete_reads_through_access(staff_client, company):
    EmployeeFactory(company=company, user=None, name="Visible Rep")
    EmployeeFactory(company=CompanyFactory(code="X2"), user=None, name="Hidden Rep")
    data = staff_client.get(
        reverse("contacts:autocomplete", args=["employee"]), {"q": "rep"}
    ).json()
    names = [r["text"] for r in data["results"]]
    assert any("Visible" in n for n in names) and not any("Hidden" in n for n in names)


@pytest.mark.parametrize(
    "name",
    [
        "contacts:contact_list",
        "contacts:contact_create",
        "contacts:dealer_list",
        "home",
        "preferences",
    ],
)
def test_pages_render(staff_client, name):
    assert staff_client.get(reverse(name)).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("contacts:contact_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_of_a_contact_without_history_rows(staff_client, company, customer_type):
    """Contacts loaded in bulk (benchmarks, migrations from other systems) have no history."""
    contact = make_contact(company=company, contact_type=customer_type, name="Bulk Loaded")
    contact.history.all().delete()
    url = reverse("contacts:contact_detail", args=[contact.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "Bulk Loaded" in response.content.decode()
    history = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "contact-history"})
    assert history.status_code == 200 and "No history yet." in history.content.decode()


def test_the_list_loads_its_row_count_after_the_page(staff_client, company, customer_type):
    from tawasul.contacts.tests.factories import make_contact

    for n in range(3):
        make_contact(company=company, contact_type=customer_type, name=f"Count {n}")
    page = staff_client.get("/contacts/").content.decode()
    assert 'id="row-count"' in page and 'hx-trigger="load"' in page
    assert "3 contacts" not in page
    count = staff_client.get(
        "/contacts/?q=count", headers={"HX-Request": "true", "HX-Target": "row-count"}
    )
    assert count.status_code == 200
    assert ">3 contacts<" in count.content.decode() and "<table" not in count.content.decode()
    # A filtered page collects its few keys first (both engines), and so shows its count at once.
    page = staff_client.get("/contacts/?q=count").content.decode()
    counter = page.split('id="row-count"')[1].split("</span>")[0]
    assert 'hx-trigger="load"' not in counter and "3 contacts" in counter


def test_the_dealer_export_holds_dealers_only(staff_client, company, customer_type):
    """The dealers page exports its own rows (dealers and agents), not every contact."""
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    make_contact(company=company, contact_type=dealer_type, name="Desert Dealer", code="D-1")
    make_contact(company=company, contact_type=customer_type, name="Plain Customer", code="C-1")
    page = staff_client.get(reverse("contacts:dealer_list")).content.decode()
    assert f'href="{reverse("contacts:dealer_export")}?format=csv"' in page
    body = b"".join(
        staff_client.get(reverse("contacts:dealer_export"), {"format": "csv"}).streaming_content
    ).decode("utf-8-sig")
    assert "Desert Dealer" in body and "Plain Customer" not in body


def test_the_old_saved_views_address_needs_the_lists_permission(client, company):
    """/contacts/saved-views/ answers a user without the contacts permission as the list does."""
    user = UserFactory(username="noperm")
    EmployeeFactory(company=company, user=user, name="No Perm", code="N001")
    client.force_login(user)
    response = client.post(reverse("contacts:saved_filter"), {"name": "Mine", "query": ""})
    assert response.status_code == 403
    assert not user.saved_filters.exists()
