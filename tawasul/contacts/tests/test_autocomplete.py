"""The contacts' pickers are `core.autocomplete` views: active records the user may view,
matching every word typed, at most 20, labelled for the picker; an unknown kind is a 404."""

import pytest
from django.test import Client
from django.urls import reverse

from tawasul.contacts.tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


def _texts(response) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_area_picker_offers_active_matches_only(staff_client, company):
    AreaFactory(company=company, name="Olaya North", level="zone")
    AreaFactory(company=company, name="Olaya South", level="zone", is_active=False)
    AreaFactory(company=company, name="Malaz", level="zone")
    url = reverse("contacts:autocomplete", args=["area"])
    assert _texts(staff_client.get(url, {"q": "olaya"})) == ["Olaya North · Zone"]
    assert len(_texts(staff_client.get(url, {"q": "x" * 500}))) == 0  # cut, not an error


def test_at_most_twenty_rows(staff_client, company):
    for n in range(25):
        AreaFactory(company=company, name=f"Zone {n:02}", level="zone")
    url = reverse("contacts:autocomplete", args=["area"])
    texts = _texts(staff_client.get(url, {"q": "zone"}))
    assert len(texts) == 20 and texts[0] == "Zone 00 · Zone"


def test_unknown_kind_is_not_found_and_anonymous_signs_in(staff_client):
    url = reverse("contacts:autocomplete", args=["nothing"])
    assert staff_client.get(url).status_code == 404
    response = Client().get(reverse("contacts:autocomplete", args=["area"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
