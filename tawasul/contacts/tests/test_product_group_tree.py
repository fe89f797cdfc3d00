"""Product groups as a tree (issue 13 §2): the parent on the page and in the API, the
materialised path kept by `masterdata_save` as the areas' is, and cycles refused."""

import pytest
from django.urls import reverse

from tawasul.contacts.models import ProductGroup
from tawasul.contacts.services import masterdata_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(company):
    def make(name, parent=None):
        return masterdata_save(
            actor=None, model=ProductGroup, company=company, name=name, parent=parent
        )

    devices = make("Devices")
    phones = make("Phones", devices)
    return {"devices": devices, "phones": phones, "smart": make("Smart phones", phones)}


def test_list_shows_the_tree_in_order(staff_client, groups):
    response = staff_client.get(reverse("contacts:masterdata_list", args=["product-groups"]))
    rows = response.context["rows"]
    assert [g.name for g in rows] == ["Devices", "Phones", "Smart phones"]
    assert [g.depth for g in rows] == [0, 1, 2]


def test_create_under_a_parent_and_cycles_refused(staff_client, groups):
    create = reverse("contacts:masterdata_create", args=["product-groups"])
    response = staff_client.post(
        create, {"parent": groups["phones"].pk, "name": "Feature phones", "is_active": "on"}
    )
    assert response.status_code == 302
    made = ProductGroup.objects.get(name="Feature phones")
    assert made.path == f"{groups['phones'].path}{made.pk}/"
    url = reverse("contacts:masterdata_update", args=["product-groups", groups["devices"].pk])
    response = staff_client.post(
        url, {"parent": groups["smart"].pk, "name": "Devices", "is_active": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    groups["devices"].refresh_from_db()
    assert groups["devices"].parent is None


def test_api_reads_and_writes_the_parent(api_client, groups):
    answer = api_client.post(
        "/api/product-groups/",
        {"name": "Tablets", "parent": groups["devices"].pk},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["parent"] == groups["devices"].pk
    assert body["path"] == f"{groups['devices'].path}{body['id']}/"
    moved = api_client.patch(
        f"/api/product-groups/{groups['devices'].pk}/",
        {"parent": groups["phones"].pk},
        format="json",
    )
    assert moved.status_code == 400 and "parent" in moved.json()
