"""An employee's page shows its history as a timeline (`core.timeline`): who changed which field
from what to what, newest first, with older entries on demand."""

import pytest
from django.urls import reverse

from tawasul.org.services import employee_save
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client, company):
    user = UserFactory(username="hist.viewer", perms=["org.view_employee"])
    EmployeeFactory(company=company, user=user, name="Vera Viewer", code="VV")
    client.force_login(user)
    return client


def test_history_card_names_the_field_before_and_after(viewer, company):
    employee = employee_save(actor=None, company=company, code="E7", name="Old Name")
    employee_save(actor=None, instance=employee, name="New Name")
    html = viewer.get(reverse("org:employee_detail", args=[employee.pk])).content.decode()
    card = html[html.index('id="employee-history"') :]
    assert "Old Name" in card and "New Name" in card and "Created" in card
    assert card.index("New Name") < card.index("Created")  # newest first


def test_older_entries_load_on_demand(viewer, company):
    employee = employee_save(actor=None, company=company, code="E8", name="Name 0")
    for n in range(1, 12):
        employee_save(actor=None, instance=employee, name=f"Name {n}")
    url = reverse("org:employee_detail", args=[employee.pk])
    page = viewer.get(url)
    first = page.content.decode()
    assert "Name 11" in first and "Name 0<" not in first and "Created" not in first
    older = viewer.get(
        url,
        {"timeline": page.context["timeline_page"].next_cursor},
        headers={"HX-Request": "true", "HX-Target": "employee-history-more"},
    )
    rest = older.content.decode()
    assert "Name 0<" in rest and "Created" in rest and "Name 11" not in rest
