"""Organization and master-data writes re-check the actor's rights on the saved record."""

import pytest
from django.core.exceptions import PermissionDenied

from tawasul.contacts.models import Area, Industry
from tawasul.contacts.services import masterdata_save
from tawasul.org.models import Branch, Department, Employee
from tawasul.org.services import branch_save, department_save, employee_save
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    EmployeeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERMS = [
    f"{app}.{action}_{model}"
    for app, models in (("org", ("branch", "department", "employee")), ("contacts", ("area",)))
    for model in models
    for action in ("view", "add", "change")
]


@pytest.fixture
def setting(company):
    other = CompanyFactory(code="OTHER")
    clerk = UserFactory(username="clerk", perms=PERMS)
    EmployeeFactory(company=company, user=clerk, code="CLERK")
    return company, other, type(clerk).objects.get(pk=clerk.pk)


def test_a_record_cannot_be_moved_into_another_company(setting):
    company, other, clerk = setting
    branch = BranchFactory(company=company, code="MAIN")
    with pytest.raises(PermissionDenied):
        branch_save(actor=clerk, instance=branch, company=other)
    assert Branch.objects.get(pk=branch.pk).company_id == company.pk  # rolled back
    with pytest.raises(PermissionDenied):
        department_save(actor=clerk, company=other, name="Elsewhere", kind="sales")
    assert not Department.objects.filter(name="Elsewhere").exists()
    with pytest.raises(PermissionDenied):
        employee_save(actor=clerk, company=other, code="X1", name="Planted")
    assert not Employee.objects.filter(code="X1").exists()
    with pytest.raises(PermissionDenied):
        masterdata_save(actor=clerk, model=Area, company=other, name="Planted area", level="city")
    assert not Area.objects.filter(name="Planted area").exists()


def test_a_write_needs_the_permission_for_its_action(setting):
    company, other, clerk = setting
    # The clerk may add and change areas of their company, but has no right on industries.
    area = masterdata_save(actor=clerk, model=Area, company=company, name="North", level="city")
    masterdata_save(actor=clerk, model=Area, instance=area, name="North zone")
    assert Area.objects.get(pk=area.pk).name == "North zone"
    with pytest.raises(PermissionDenied):
        masterdata_save(actor=clerk, model=Industry, company=company, name="Steel")
    assert not Industry.objects.filter(name="Steel").exists()
    # The system (no actor) acts with full rights: the demo loader and jobs use it.
    assert masterdata_save(actor=None, model=Industry, company=company, name="Steel").pk
