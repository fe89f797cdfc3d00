"""Exact query counts of the organization's pages and API list, against committed baselines.

See tawasul/core/tests/query_baselines.py for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine). Each list page is measured twice,
before and after more rows of every kind it shows: both against the same baseline, so its
count does not grow with rows.
"""

import pytest
from django.urls import reverse

from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.models import JobRole
from tawasul.org.tests.factories import BranchFactory, DepartmentFactory, EmployeeFactory

APP = "org"
LISTS = ["company_list", "branch_list", "department_list", "employee_list"]


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


def _more_rows(company, boss, n: int) -> None:
    """`n` more branches, departments and employees with every link and job role filled in."""
    roles = list(JobRole.objects.filter(code__in=["representative", "coordinator"]))
    for i in range(n):
        branch = BranchFactory(company=company, code=f"B{i}")
        department = DepartmentFactory(company=company, name=f"Unit {i}", branch=branch)
        EmployeeFactory(
            company=company,
            user=None,
            name=f"More {i}",
            code=f"X{i}",
            branch=branch,
            department=department,
            reports_to=boss,
            roles=roles,
            is_active=bool(i % 2),
        )


@pytest.fixture
def org_editor(staff_user):
    """The staff user may also add and change every organization record (Edit buttons)."""
    from django.contrib.auth.models import Permission

    codenames = [f"{a}_{m}" for a in ("add", "change") for m in ("company", "branch")]
    codenames += [f"{a}_{m}" for a in ("add", "change") for m in ("department", "employee")]
    staff_user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="org", codename__in=codenames)
    )
    return staff_user


@pytest.mark.parametrize("name", LISTS)
def test_list_pages_do_not_grow_with_rows(staff_client, staff, company, name):
    url = reverse(f"org:{name}")
    assert_get_queries(staff_client, url, app=APP, name=name)
    _more_rows(company, staff, 12)
    assert_get_queries(staff_client, url, app=APP, name=name)


@pytest.mark.parametrize("name", LISTS)
def test_list_pages_with_edit_buttons(staff_client, org_editor, staff, company, name):
    url = reverse(f"org:{name}")
    assert_get_queries(staff_client, url, app=APP, name=f"{name}.editor")
    _more_rows(company, staff, 12)
    assert_get_queries(staff_client, url, app=APP, name=f"{name}.editor")


def test_filtered_employee_list(staff_client, staff, company):
    url = reverse("org:employee_list")
    params = (
        f"?branch={staff.branch_id}&department={staff.department_id}&role=representative"
        f"&is_active=true&subordinates_of={staff.pk}&search=rep&sort=-code"
    )
    representative = list(JobRole.objects.filter(code="representative"))

    def add(numbers):  # rows that every filter above lets through
        for i in numbers:
            EmployeeFactory(
                company=company,
                user=None,
                name=f"Rep extra {i}",
                code=f"Y{i:02d}",
                branch=staff.branch,
                department=staff.department,
                reports_to=staff,
                roles=representative,
            )

    add(range(2))
    assert len(staff_client.get(url + params).context["rows"]) == 2
    assert_get_queries(staff_client, url + params, app=APP, name="employee_list.filtered")
    add(range(2, 14))
    assert len(staff_client.get(url + params).context["rows"]) == 14
    assert_get_queries(staff_client, url + params, app=APP, name="employee_list.filtered")


# --- working time -------------------------------------------------------------------------------

WORKTIME_LISTS = ["work_calendar_list", "holiday_list"]


@pytest.fixture
def worktime_editor(staff_user):
    """The staff user may view, add, change and delete calendars and holidays (every button)."""
    from django.contrib.auth.models import Permission

    codenames = [
        f"{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("workcalendar", "holiday")
    ]
    staff_user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="org", codename__in=codenames)
    )
    return staff_user


def _more_worktime_rows(company, numbers: range) -> None:
    """`n` branches, each with its calendar and a holiday (every other one the company's)."""
    from datetime import date, timedelta

    from tawasul.org.services import holiday_save, work_calendar_save

    for i in numbers:
        branch = BranchFactory(company=company, code=f"W{i}")
        work_calendar_save(actor=None, company=company, branch=branch, working_days=[1, 2, 3])
        first = date(2026, 1, 1) + timedelta(days=3 * i)
        holiday_save(
            actor=None,
            company=company,
            branch=branch if i % 2 else None,
            name=f"Holiday {i}",
            starts_on=first,
            ends_on=first + timedelta(days=i % 3),
        )


@pytest.mark.parametrize("name", WORKTIME_LISTS)
def test_working_time_lists_do_not_grow_with_rows(staff_client, worktime_editor, company, name):
    url = reverse(f"org:{name}")
    _more_worktime_rows(company, range(1))
    assert_get_queries(staff_client, url, app=APP, name=f"{name}.editor")
    _more_worktime_rows(company, range(1, 13))
    assert_get_queries(staff_client, url, app=APP, name=f"{name}.editor")
