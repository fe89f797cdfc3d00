"""Default roles follow the employee: given when an employee with a user account is saved (the
service, the employee page, the API), traded for the new ones when their department, job roles or
account change, never taking a role an administrator gave by hand, and never giving or taking a
role the person making the change does not hold (org emits `employee.saved`; access reacts)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.access.models import AccessChange, DefaultRoleGrant
from tawasul.access.roles import (
    ADMINISTRATOR,
    CASHIER,
    COORDINATOR,
    GENERAL_MANAGER,
    HR_STAFF,
    REPRESENTATIVE,
    SALES_MANAGER,
    default_roles_for,
    ensure_default_roles,
)
from tawasul.access.services import role_save
from tawasul.org.choices import DepartmentKind, JobRoleCode
from tawasul.org.models import Employee, JobRole
from tawasul.org.services import department_save, employee_save
from tawasul.org.tests.factories import DepartmentFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Quiet-harbour-1977"
KINDS = [kind.value for kind in DepartmentKind]


@pytest.fixture(autouse=True)
def setup(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_default_roles()


@pytest.fixture
def run_events(django_capture_on_commit_callbacks):
    """Run the after-commit handlers of whatever the block does, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def jobs(*codes):
    return list(JobRole.objects.filter(code__in=codes))


def held(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def recorded(user) -> set[str]:
    return set(DefaultRoleGrant.objects.filter(user=user).values_list("role__name", flat=True))


@pytest.fixture
def departments(company):
    return {kind: DepartmentFactory(company=company, kind=kind, name=kind) for kind in KINDS}


def hire(run_events, company, department, *codes, actor=None, user=None, **fields):
    user = user or UserFactory()
    with run_events():
        employee = employee_save(
            actor=actor,
            company=company,
            code=fields.pop("code", f"E-{user.username}"),
            name=fields.pop("name", user.username),
            user=user,
            department=department,
            roles=jobs(*codes),
            **fields,
        )
    return employee


# --- a new employee ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("job", [JobRoleCode.MANAGER, JobRoleCode.REPRESENTATIVE])
def test_the_service_gives_a_new_employee_the_default_roles_of_their_department_and_job(
    run_events, company, departments, kind, job
):
    employee = hire(run_events, company, departments[kind], job)
    expected = set(default_roles_for(kind, [job]))
    assert expected and held(employee.user) == expected
    assert recorded(employee.user) == expected


def test_several_jobs_give_each_jobs_role_and_no_job_gives_none(run_events, company, departments):
    rep = hire(run_events, company, departments["sales"], "representative", "cashier")
    assert held(rep.user) == {REPRESENTATIVE, CASHIER}
    nobody = hire(run_events, company, departments["sales"])
    assert held(nobody.user) == set()
    without = hire(run_events, company, None, "representative")  # no department: sales
    assert held(without.user) == {REPRESENTATIVE}


def test_an_employee_without_a_user_account_is_saved_and_gets_nothing(run_events, company):
    with run_events():
        employee = employee_save(actor=None, company=company, code="NU", name="No User")
    assert employee.user is None and not DefaultRoleGrant.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_the_employee_page_gives_the_default_roles(
    client, admin_user, run_events, company, departments, kind
):
    client.force_login(admin_user)
    with run_events():
        response = client.post(
            reverse("org:employee_create"),
            {
                "code": "N001",
                "name": "Nadia New",
                "name_ar": "",
                "email": "",
                "phone": "",
                "is_active": "on",
                "department": departments[kind].pk,
                "roles": [r.pk for r in jobs("manager")],
                "account": "new",
                "username": "nadia",
                "password": PASSWORD,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = Employee.objects.get(code="N001").user
    assert held(user) == set(default_roles_for(kind, ["manager"]))


def test_the_api_gives_the_default_roles_and_moves_them(
    run_events, admin_user, company, departments
):
    api = APIClient()
    api.force_authenticate(admin_user)
    account = UserFactory(username="api.hire")
    with run_events():
        response = api.post(
            "/api/employees/",
            {
                "company": company.pk,
                "code": "API1",
                "name": "Api Hire",
                "user": "api.hire",
                "department": departments["collection"].pk,
                "roles": ["supervisor"],
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    assert held(account) == {"Collection staff"}
    with run_events():
        response = api.patch(
            f"/api/employees/{response.json()['id']}/",
            {"department": departments["accounts"].pk, "roles": ["manager"]},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert held(account) == {"Accounts manager"}


# --- moves --------------------------------------------------------------------------------------


def test_a_move_trades_default_roles_and_keeps_roles_given_by_hand(
    run_events, admin_user, company, departments
):
    employee = hire(run_events, company, departments["sales"], "representative")
    user = employee.user
    auditors = Group.objects.create(name="Auditors")
    # By hand: a role of the administrator's own, and a default role no job calls for.
    user.groups.add(auditors, Group.objects.get(name=CASHIER))
    with run_events():
        employee_save(actor=admin_user, instance=employee, department=departments["hr"])
    assert held(user) == {HR_STAFF, "Auditors", CASHIER}
    assert recorded(user) == {HR_STAFF}
    with run_events():
        employee_save(
            actor=admin_user, instance=employee, roles=jobs("representative", "coordinator")
        )
    assert held(user) == {HR_STAFF, "Auditors", CASHIER}  # HR staff either way
    with run_events():
        employee_save(actor=admin_user, instance=employee, department=departments["sales"])
    assert held(user) == {REPRESENTATIVE, COORDINATOR, "Auditors", CASHIER}
    with run_events():
        employee_save(actor=admin_user, instance=employee, roles=jobs("manager"))
    assert held(user) == {SALES_MANAGER, "Auditors", CASHIER}
    change = AccessChange.objects.filter(kind="employee.default_roles").first()
    assert change.subject == user.username and change.actor == admin_user
    assert set(change.before["roles"]) - set(change.after["roles"]) == {
        REPRESENTATIVE,
        COORDINATOR,
    }


def test_the_employee_page_moves_the_roles(client, admin_user, run_events, company, departments):
    employee = hire(run_events, company, departments["sales"], "supervisor", code="P1")
    client.force_login(admin_user)
    with run_events():
        response = client.post(
            reverse("org:employee_update", args=[employee.pk]),
            {
                "code": "P1",
                "name": employee.name,
                "name_ar": "",
                "email": "",
                "phone": "",
                "is_active": "on",
                "department": departments["maintenance"].pk,
                "roles": [r.pk for r in jobs("supervisor")],
                "account": "existing",
                "existing_user": employee.user_id,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert held(employee.user) == {"Maintenance staff"}


def test_an_unrelated_edit_does_not_give_back_a_role_an_administrator_took(
    run_events, admin_user, company, departments
):
    employee = hire(run_events, company, departments["sales"], "representative")
    representative = Group.objects.get(name=REPRESENTATIVE)
    others = [u for u in representative.user_set.all() if u != employee.user]
    role_save(
        actor=admin_user,
        company=company,
        instance=representative,
        name=REPRESENTATIVE,
        members=others,
    )
    assert REPRESENTATIVE not in held(employee.user) and not recorded(employee.user)
    with run_events():
        employee_save(actor=admin_user, instance=employee, phone="0501234567")
    assert REPRESENTATIVE not in held(employee.user)
    # Given back by hand, it now stays through a move.
    employee.user.groups.add(representative)
    with run_events():
        employee_save(actor=admin_user, instance=employee, department=departments["qc"])
    assert held(employee.user) == {REPRESENTATIVE, "Quality control staff"}


def test_a_role_already_held_by_hand_stays_after_the_job_that_called_for_it_ends(
    run_events, admin_user, company, departments
):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=REPRESENTATIVE))
    employee = hire(run_events, company, departments["sales"], "representative", user=user)
    assert recorded(user) == set()
    with run_events():
        employee_save(actor=admin_user, instance=employee, roles=jobs("coordinator"))
    assert held(user) == {REPRESENTATIVE, COORDINATOR}


def test_another_account_takes_the_defaults_with_it(run_events, admin_user, company, departments):
    employee = hire(run_events, company, departments["accounts"], "manager")
    old = employee.user
    new = UserFactory(username="replacement")
    with run_events():
        employee_save(actor=admin_user, instance=employee, user=new)
    assert held(old) == set() and recorded(old) == set()
    assert held(new) == {"Accounts manager"}
    with run_events():
        employee_save(actor=admin_user, instance=employee, user=None)
    assert held(new) == set()


def test_a_department_that_becomes_another_kind_moves_its_staff(run_events, admin_user, company):
    department = DepartmentFactory(company=company, kind="sales", name="Team")
    rep = hire(run_events, company, department, "representative")
    boss = hire(run_events, company, department, "manager")
    with run_events():
        department_save(actor=admin_user, instance=department, kind="customer_service")
    assert held(rep.user) == {"Customer service staff"}
    assert held(boss.user) == {"Customer service manager"}


# --- who may move what ---------------------------------------------------------------------------


def test_nobody_gives_a_role_they_do_not_hold_by_ticking_a_job(run_events, company, departments):
    """A general manager edits employees but does not administer access: ticking the
    administrator job must not make anyone an administrator (themselves included)."""
    manager_user = UserFactory(username="gm")
    gm = hire(run_events, company, departments["management"], "manager", user=manager_user)
    assert held(manager_user) == {GENERAL_MANAGER}
    with run_events():
        employee_save(actor=manager_user, instance=gm, roles=jobs("manager", "administrator"))
    assert held(manager_user) == {GENERAL_MANAGER}
    change = AccessChange.objects.filter(kind="employee.default_roles").first()
    assert change.after["withheld"] == [ADMINISTRATOR] and change.actor == manager_user
    # Roles within their own rights move as usual.
    with run_events():
        rep = employee_save(
            actor=manager_user,
            company=company,
            code="R9",
            name="New Rep",
            user=UserFactory(),
            department=departments["sales"],
            roles=jobs("representative"),
        )
    assert held(rep.user) == {REPRESENTATIVE}


def test_the_audit_page_says_what_followed_the_employee(
    client, admin_user, run_events, company, departments
):
    employee = hire(run_events, company, departments["sales"], "representative", actor=admin_user)
    with run_events():
        employee_save(actor=admin_user, instance=employee, department=departments["warehouse"])
    client.force_login(admin_user)
    page = client.get(reverse("access:audit"), {"tab": "changes"}).content.decode()
    assert "Default roles followed the employee" in page
    assert "Warehouse staff" in page and employee.user.username in page


# --- existing installations -----------------------------------------------------------------------


def test_the_migration_records_the_default_roles_employees_already_hold(company, departments):
    """Roles given before grants were recorded (demo loader, migration 0004) count as given by
    default when the employee's department and jobs call for them; others as given by hand."""
    migration = importlib.import_module("tawasul.access.migrations.0006_default_role_grants")
    employee = EmployeeFactory(company=company, department=departments["sales"])
    employee.roles.set(jobs("representative"))
    employee.user.groups.add(
        Group.objects.get(name=REPRESENTATIVE), Group.objects.get(name=CASHIER)
    )
    migration.record_default_grants(apps, None)
    migration.record_default_grants(apps, None)  # twice changes nothing
    assert recorded(employee.user) == {REPRESENTATIVE}
