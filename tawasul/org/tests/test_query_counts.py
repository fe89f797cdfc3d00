"""Exact query counts of the employee pages and API list, against committed baselines.

See tawasul/core/tests/query_baselines.py for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine).
"""

import pytest
from django.urls import reverse

from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import BranchFactory, DepartmentFactory, EmployeeFactory

APP = "org"


@pytest.fixture
def staff(company):
    """A manager with two reports, in a branch and a department."""
    branch = BranchFactory(company=company, code="HQ")
    department = DepartmentFactory(company=company, name="Sales")
    boss = EmployeeFactory(
        company=company,
        user=None,
        name="Maha Manager",
        code="M1",
        branch=branch,
        department=department,
    )
    for n in range(2):
        EmployeeFactory(
            company=company,
            user=None,
            name=f"Rep {n}",
            code=f"R{n}",
            branch=branch,
            department=department,
            reports_to=boss,
        )
    return boss


def test_employee_list(staff_client, staff):
    url = reverse("org:employee_list")
    assert_get_queries(staff_client, url, app=APP, name="employee_list")


def test_employee_page(staff_client, staff):
    url = reverse("org:employee_detail", args=[staff.pk])
    assert_get_queries(staff_client, url, app=APP, name="employee_detail")


def test_api_employee_list(api_client, staff):
    assert_get_queries(api_client, "/api/employees/", app=APP, name="api.employee_list")
