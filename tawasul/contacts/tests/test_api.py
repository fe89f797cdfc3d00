import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact


def test_token_auth_round_trip(client, staff_user):
    response = client.post(
        "/api/auth/token/",
        {"username": "sales", "password": "pass-word-123"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/contacts/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200
    assert set(listing.json()) >= {"results", "next", "previous"}


def test_bad_credentials_give_field_errors(client, staff_user):
    response = client.post(
        "/api/auth/token/", {"username": "sales"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


def test_create_contact_with_nested_children(api_client, customer_type):
    payload = {
        "name": "Gulf Plastics",
        "contact_type": customer_type.pk,
        "persons": [
            {"name": "Ali", "phones": ["0551234567"], "is_primary": True},
            {"name": "Mona", "emails": ["mona@gulf.example"]},
        ],
        "phones": [{"kind": "work", "number": "0112345678"}],
        "addresses": [{"kind": "office", "line1": "Olaya St"}],
    }
    response = api_client.post("/api/contacts/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phones"] == [
        {"id": body["phones"][0]["id"], "kind": "work", "number": "+966112345678"}
    ]
    assert [p["name"] for p in body["persons"]] == ["Ali", "Mona"]
    assert body["persons"][0]["phones"] == ["+966551234567"]


def test_invalid_input_names_the_field(api_client, customer_type):
    response = api_client.post(
        "/api/contacts/",
        {
            "name": "",
            "contact_type": customer_type.pk,
            "phones": [{"number": "abc"}],
            "area": 999999,
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "name" in body and "phones" in body and "area" in body
    assert not Contact.objects.exists()


def test_bad_cursor_and_ordering_are_400(api_client):
    assert api_client.get("/api/contacts/?cursor=zzz").status_code == 400
    response = api_client.get("/api/contacts/?ordering=secret")
    assert response.status_code == 400 and "ordering" in response.json()


def test_without_permission_nothing_is_listed(client, company, customer_type):
    from rest_framework.test import APIClient

    from tawasul.org.tests.factories import EmployeeFactory, UserFactory

    make_contact(company=company, contact_type=customer_type, name="Hidden")
    user = UserFactory(username="nobody")
    EmployeeFactory(company=company, user=user)
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/contacts/").status_code == 403


def test_other_company_contacts_are_404(api_client, staff_user):
    from tawasul.contacts.tests.factories import ContactTypeFactory
    from tawasul.org.tests.factories import CompanyFactory

    other = CompanyFactory(code="OTHER")
    hidden = make_contact(
        company=other, contact_type=ContactTypeFactory(company=other), name="Theirs"
    )
    assert api_client.get(f"/api/contacts/{hidden.pk}/").status_code == 404
    assert api_client.get("/api/contacts/").json()["results"] == []


@pytest.mark.parametrize("url", ["/api/contacts/", "/api/employees/", "/api/areas/"])
def test_api_list_query_count_does_not_grow_with_rows(api_client, company, customer_type, url):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        make_contact(
            company=company,
            contact_type=customer_type,
            name=f"C{i}",
            persons=[{"name": "P", "phones": ["0501234567"]}],
            phones=[{"number": "0112345678"}],
            addresses=[{"line1": "x"}],
        )
    count_queries()  # warm the user's permission cache
    few = count_queries()
    for i in range(10):
        make_contact(
            company=company,
            contact_type=customer_type,
            name=f"D{i}",
            persons=[{"name": "P", "phones": ["0501234567"]}],
            phones=[{"number": "0112345678"}],
            addresses=[{"line1": "x"}],
        )
    assert count_queries() == few


def test_schema_and_docs_are_served(api_client):
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200
