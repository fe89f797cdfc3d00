"""Pickers of a contact's representative, coordinator and manager offer only the employees the
user may put there, and are read-only for a user who may not re-assign the contact."""

import pytest
from django.urls import reverse

from tawasul.access import roles
from tawasul.access.default_rules import ensure_default_rules
from tawasul.contacts.forms import BulkAssignForm, ContactForm
from tawasul.contacts.selectors import employee_assignable_list
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.org.choices import DepartmentKind, JobRoleCode
from tawasul.org.models import JobRole
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Riyadh's supervisor with his representative Ahmed; Jeddah's representative Faisal."""
    groups = roles.ensure_default_roles()
    company = CompanyFactory(code="PICK")
    riyadh = BranchFactory(company=company, code="RUH")
    jeddah = BranchFactory(company=company, code="JED")
    sales = DepartmentFactory(company=company, kind=DepartmentKind.SALES)
    customer = ContactTypeFactory(company=company, code="customer")
    boss = EmployeeFactory(company=company, code="BOSS", user=None, branch=riyadh)
    supervisor_user = UserFactory(username="riyadh.supervisor")
    supervisor_user.groups.set([groups[roles.SUPERVISOR]])
    supervisor = EmployeeFactory(
        company=company,
        code="SUP",
        name="Riyadh Supervisor",
        user=supervisor_user,
        branch=riyadh,
        department=sales,
        reports_to=boss,
        roles=[JobRole.objects.get(code=JobRoleCode.SUPERVISOR)],
    )
    ahmed_user = UserFactory(username="rep.ahmed")
    ahmed_user.groups.set([groups[roles.REPRESENTATIVE]])
    ahmed = EmployeeFactory(
        company=company,
        code="AHM",
        name="Ahmed Rep",
        user=ahmed_user,
        branch=riyadh,
        department=sales,
        reports_to=supervisor,
        roles=[JobRole.objects.get(code=JobRoleCode.REPRESENTATIVE)],
    )
    faisal = EmployeeFactory(
        company=company, code="FAI", name="Faisal Jeddah", user=None, branch=jeddah, reports_to=boss
    )
    ensure_default_rules(company)
    contact = make_contact(
        company=company, contact_type=customer, name="Al Nakheel Hotels Co.", representative=ahmed
    )
    return {
        "supervisor_user": supervisor_user,
        "ahmed_user": ahmed_user,
        "supervisor": supervisor,
        "ahmed": ahmed,
        "faisal": faisal,
        "contact": contact,
    }


def _keys(queryset):
    return set(queryset.values_list("code", flat=True))


def test_assignable_employees_follow_the_assign_rules(world):
    user = world["supervisor_user"]
    assert _keys(employee_assignable_list(user=user, field="representative")) == {"SUP", "AHM"}
    # The team rule tests only the representative: any coordinator keeps the contact in reach.
    assert "FAI" in _keys(employee_assignable_list(user=user, field="coordinator"))
    assert not employee_assignable_list(user=world["ahmed_user"], field="representative")
    # A new contact of Ahmed's may be his own only.
    assert _keys(
        employee_assignable_list(user=world["ahmed_user"], field="representative", action="add")
    ) == {"AHM"}


def test_the_employee_autocomplete_narrows_to_whom_one_may_assign(client, world):
    client.force_login(world["supervisor_user"])
    url = reverse("contacts:autocomplete", args=["employee"])
    narrowed = client.get(url, {"q": "", "for": "representative", "action": "assign"}).json()
    texts = " ".join(row["text"] for row in narrowed["results"])
    assert "Ahmed" in texts and "Faisal" not in texts
    everyone = client.get(url, {"q": ""}).json()  # other employee pickers are unchanged
    assert "Faisal" in " ".join(row["text"] for row in everyone["results"])


def test_the_bulk_assign_form_refuses_at_the_field_before_any_service(world):
    user = world["supervisor_user"]
    form = BulkAssignForm(
        {"assign-field": "representative", "assign-employee": world["faisal"].pk}, user=user
    )
    assert not form.is_valid() and "employee" in form.errors
    picker = str(form["employee"])
    assert "action=assign" in picker and 'data-autocomplete-for="id_assign-field"' in picker
    ok = BulkAssignForm(
        {"assign-field": "representative", "assign-employee": world["ahmed"].pk}, user=user
    )
    assert ok.is_valid(), ok.errors


def test_the_contact_form_offers_only_assignable_representatives(world):
    form = ContactForm(instance=world["contact"], user=world["supervisor_user"])
    field = form.fields["representative"]
    assert not field.disabled
    assert _keys(field.queryset) == {"SUP", "AHM"}
    assert "for=representative" in str(form["representative"])


def test_a_representative_sees_his_contact_s_assignees_read_only(client, world):
    client.force_login(world["ahmed_user"])
    contact = world["contact"]
    url = reverse("contacts:contact_update", args=[contact.pk])
    page = client.get(url)
    form = page.context["form"]
    assert all(form.fields[n].disabled for n in ("representative", "coordinator", "manager"))
    html = str(form["representative"])
    assert "disabled" in html and "Ahmed Rep" in html  # the value is shown
    # A tampered post cannot move it either: disabled fields keep their value.
    from tawasul.contacts.tests.test_history_changes import _form_post

    data = _form_post(page)
    data["representative"] = str(world["faisal"].pk)
    assert client.post(url, data).status_code == 302
    contact.refresh_from_db()
    assert contact.representative_id == world["ahmed"].pk
