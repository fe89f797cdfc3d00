"""One time zone rule (the user's, else the company's, else the server's) in pages, the API
(token authentication included) and exports."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.models import UserPreference
from tawasul.core.timezones import zone_for
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

# 23:30 UTC on the 1st is 02:30 on the 2nd in Riyadh (UTC+3).
LATE = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.UTC)
RIYADH = zoneinfo.ZoneInfo("Asia/Riyadh")


@pytest.fixture(autouse=True)
def server_in_utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def late_contact(company, customer_type):
    contact = make_contact(company=company, contact_type=customer_type, code="L-1", name="Late")
    Contact.objects.filter(pk=contact.pk).update(created_at=LATE)
    return contact


@pytest.fixture
def utc_company(company):
    company.timezone = "UTC"
    company.save()
    return company


def riyadh_preference(user):
    UserPreference.objects.update_or_create(user=user, defaults={"timezone": "Asia/Riyadh"})


def listed(client, **params) -> bool:
    response = client.get(reverse("contacts:contact_list"), params)
    assert response.status_code == 200
    return "Late" in response.content.decode()


def api_listed(api, **params) -> bool:
    response = api.get("/api/contacts/", params)
    assert response.status_code == 200, response.content
    return [c["code"] for c in response.json()["results"]] == ["L-1"]


def exported_created(client) -> str:
    response = client.get(reverse("contacts:contact_export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return next(csv.DictReader(io.StringIO(text)))["Created"]


def token_client(username: str):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post(
        "/api/auth/token/", {"username": username, "password": "pass-word-123"}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


# --- the rule -----------------------------------------------------------------------------------


def test_zone_is_the_users_then_the_companys_then_the_servers(company, settings):
    company.timezone = "Asia/Tokyo"
    company.save()
    with_preference = EmployeeFactory(company=company).user
    UserPreference.objects.create(user=with_preference, timezone="Europe/Paris")
    without = EmployeeFactory(company=company).user
    broken = EmployeeFactory(company=company).user
    UserPreference.objects.create(user=broken, timezone="Mars/Olympus")
    nobody = UserFactory()

    assert zone_for(type(with_preference).objects.get(pk=with_preference.pk)).key == "Europe/Paris"
    assert zone_for(type(without).objects.get(pk=without.pk)).key == "Asia/Tokyo"
    assert zone_for(type(broken).objects.get(pk=broken.pk)).key == "Asia/Tokyo"
    assert zone_for(nobody).key == "UTC"
    other = CompanyFactory(code="NOZONE")
    other.timezone = ""
    other.save()
    orphan = EmployeeFactory(company=other).user
    assert zone_for(type(orphan).objects.get(pk=orphan.pk)).key == settings.TIME_ZONE


def test_a_new_company_takes_the_servers_zone_and_refuses_unknown_ones(db, settings):
    from django.core.exceptions import ValidationError

    settings.TIME_ZONE = "Africa/Cairo"
    company = CompanyFactory(code="NEW")
    assert company.timezone == "Africa/Cairo"
    company.timezone = "Nowhere/Special"
    with pytest.raises(ValidationError) as caught:
        company.full_clean()
    assert "timezone" in caught.value.message_dict


# --- pages, API, export: the user's preference --------------------------------------------------


def test_page_filter_reads_days_in_the_users_zone(
    staff_client, staff_user, utc_company, late_contact
):
    riyadh_preference(staff_user)
    staff_client.force_login(staff_user)  # the preference is read into the session at sign-in
    assert listed(staff_client, created_after="2025-03-02", created_before="2025-03-02")
    assert not listed(staff_client, created_before="2025-03-01")
    assert not listed(staff_client, created_after="2025-03-03")


def test_api_filter_with_a_token_reads_days_in_the_users_zone(
    staff_user, utc_company, late_contact
):
    riyadh_preference(staff_user)
    api = token_client("sales")
    assert api_listed(api, created_after="2025-03-02", created_before="2025-03-02")
    assert not api_listed(api, created_before="2025-03-01")
    # Dates in the response are written in the same zone.
    created = api.get(f"/api/contacts/{late_contact.pk}/").json()["created_at"]
    assert created.startswith("2025-03-02T02:30") and created.endswith("+03:00")
    # The zone ends with the request.
    assert timezone.get_current_timezone_name() == "UTC"


def test_export_prints_times_in_the_users_zone(staff_client, staff_user, utc_company, late_contact):
    riyadh_preference(staff_user)
    staff_client.force_login(staff_user)
    assert exported_created(staff_client) == "2025-03-02 02:30"


# --- without a preference: the company's zone ---------------------------------------------------


@pytest.fixture
def riyadh_company(company):
    company.timezone = "Asia/Riyadh"
    company.save()
    return company


def test_without_a_preference_pages_use_the_companys_zone(
    staff_client, riyadh_company, late_contact
):
    assert listed(staff_client, created_after="2025-03-02", created_before="2025-03-02")
    assert not listed(staff_client, created_before="2025-03-01")
    assert exported_created(staff_client) == "2025-03-02 02:30"


def test_without_a_preference_the_api_uses_the_companys_zone(
    staff_user, riyadh_company, late_contact
):
    api = token_client("sales")
    assert api_listed(api, created_after="2025-03-02")
    assert not api_listed(api, created_before="2025-03-01")


def test_a_company_in_utc_keeps_the_utc_day(staff_client, utc_company, late_contact):
    assert listed(staff_client, created_after="2025-03-01", created_before="2025-03-01")
    assert exported_created(staff_client) == "2025-03-01 23:30"


def test_extreme_dates_filter_without_error(staff_client, late_contact, utc_company):
    assert listed(staff_client, created_before="9999-12-31")
    assert listed(staff_client, created_after="0001-01-01")
    assert not listed(staff_client, created_before="0001-01-01")
