import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.org import views as org_views
from tawasul.org.models import Branch, Company, Department, Employee, JobRole
from tawasul.org.services import employee_save
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

User = get_user_model()

MODELS = ("company", "branch", "department", "employee")
ORG_ADMIN_PERMS = [f"org.{a}_{m}" for a in ("view", "add", "change") for m in MODELS] + [
    "org.view_jobrole"
]
STRONG_PASSWORD = "Quiet-harbour-1977"


def roles(*codes):
    return list(JobRole.objects.filter(code__in=codes))


@pytest.fixture
def org_admin(company):
    user = UserFactory(username="orgadmin", perms=ORG_ADMIN_PERMS)
    EmployeeFactory(company=company, user=user, name="Olivia Admin", code="ADM")
    return user


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


@pytest.fixture
def other_company(db):
    return CompanyFactory(code="OTHER", name="Other Co")


@pytest.fixture
def tree(company):
    ceo = EmployeeFactory(company=company, name="Ceo Chief", code="T1", user=None)
    manager = EmployeeFactory(
        company=company, name="Mona Manager", code="T2", user=None, reports_to=ceo
    )
    supervisor = EmployeeFactory(
        company=company,
        name="Sami Supervisor",
        code="T3",
        user=None,
        reports_to=manager,
        roles=roles("supervisor"),
    )
    rep = EmployeeFactory(
        company=company,
        name="Rami Rep",
        code="T4",
        user=None,
        reports_to=supervisor,
        roles=roles("representative"),
    )
    return {"ceo": ceo, "manager": manager, "supervisor": supervisor, "rep": rep}


def employee_post(**overrides):
    data = {
        "code": "N001",
        "name": "Nadia New",
        "name_ar": "",
        "email": "nadia@example.com",
        "phone": "",
        "is_active": "on",
        "account": "none",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- access -----------------------------------------------------------------------------------

PAGES = [
    ("org:overview", None),
    ("org:chart", None),
    ("org:company_list", None),
    ("org:company_create", None),
    ("org:branch_list", None),
    ("org:branch_create", None),
    ("org:department_list", None),
    ("org:department_create", None),
    ("org:employee_list", None),
    ("org:employee_create", None),
    ("org:employee_detail", "employee"),
    ("org:employee_update", "employee"),
    ("org:branch_update", "branch"),
    ("org:department_update", "department"),
    ("org:company_update", "company"),
]


def _url(name, arg, objects):
    return reverse(name, args=[objects[arg].pk]) if arg else reverse(name)


@pytest.fixture
def objects(company):
    return {
        "company": company,
        "branch": BranchFactory(company=company),
        "department": DepartmentFactory(company=company),
        "employee": EmployeeFactory(company=company, user=None),
    }


@pytest.mark.parametrize("name,arg", PAGES)
def test_pages_need_sign_in(client, objects, name, arg):
    response = client.get(_url(name, arg, objects))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name,arg", PAGES)
def test_pages_refuse_users_without_permission(client, company, objects, name, arg):
    user = UserFactory(username="nobody")
    user.save()  # the factory saves the password only when it grants permissions
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    assert client.get(_url(name, arg, objects)).status_code == 403


@pytest.mark.parametrize("name,arg", PAGES)
def test_pages_open_for_the_org_administrator(admin_client, objects, name, arg):
    assert admin_client.get(_url(name, arg, objects)).status_code == 200


def test_view_only_user_sees_no_add_or_edit_buttons(client, company, objects):
    user = UserFactory(username="viewer", perms=[f"org.view_{m}" for m in MODELS])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    for name in ("org:employee_list", "org:branch_list", "org:department_list", "org:overview"):
        html = client.get(reverse(name)).content.decode()
        assert reverse("org:employee_create") not in html
        assert reverse("org:branch_create") not in html
        assert reverse("org:department_create") not in html
    html = client.get(reverse("org:employee_detail", args=[objects["employee"].pk])).content
    assert reverse("org:employee_update", args=[objects["employee"].pk]).encode() not in html
    # Viewing is not editing.
    edit = reverse("org:branch_update", args=[objects["branch"].pk])
    assert client.get(edit).status_code == 403


def test_records_of_another_company_are_not_found(admin_client, other_company):
    employee = EmployeeFactory(company=other_company, user=None)
    branch = BranchFactory(company=other_company)
    department = DepartmentFactory(company=other_company)
    for url in [
        reverse("org:employee_detail", args=[employee.pk]),
        reverse("org:employee_update", args=[employee.pk]),
        reverse("org:branch_update", args=[branch.pk]),
        reverse("org:department_update", args=[department.pk]),
        reverse("org:company_update", args=[other_company.pk]),
        reverse("org:employee_detail", args=[987654]),
    ]:
        assert admin_client.get(url).status_code == 404, url
    response = admin_client.post(
        reverse("org:branch_update", args=[branch.pk]), {"code": "X", "name": "Stolen"}
    )
    assert response.status_code == 404
    assert Branch.objects.get(pk=branch.pk).name != "Stolen"


def test_lists_show_only_the_users_company(admin_client, company, other_company):
    BranchFactory(company=company, name="Riyadh office")
    BranchFactory(company=other_company, name="Secret office")
    EmployeeFactory(company=other_company, user=None, name="Hidden Person")
    html = admin_client.get(reverse("org:branch_list")).content.decode()
    assert "Riyadh office" in html and "Secret office" not in html
    html = admin_client.get(reverse("org:employee_list")).content.decode()
    assert "Hidden Person" not in html
    html = admin_client.get(reverse("org:overview")).content.decode()
    assert "Secret office" not in html and "Other Co" not in html


# --- overview and chart -----------------------------------------------------------------------


def test_overview_counts_and_links(admin_client, company):
    branch = BranchFactory(company=company, name="Jeddah branch")
    department = DepartmentFactory(company=company, name="Field sales", branch=branch)
    EmployeeFactory(company=company, user=None, branch=branch, department=department)
    EmployeeFactory(company=company, user=None, branch=branch, is_active=False)
    response = admin_client.get(reverse("org:overview"))
    html = response.content.decode()
    assert "Jeddah branch" in html and "Field sales" in html
    assert f"{reverse('org:employee_list')}?branch={branch.pk}" in html
    assert f"{reverse('org:employee_list')}?department={department.pk}" in html
    rows = {b.pk: b for b in response.context["branches"]}
    assert rows[branch.pk].employee_count == 2
    assert rows[branch.pk].department_count == 1
    # The administrator plus the two employees above.
    assert response.context["employee_total"] == (3, False)
    assert response.context["active_employee_total"] == (2, False)


def test_overview_empty_states_say_why(admin_client):
    html = admin_client.get(reverse("org:overview")).content.decode()
    assert "No branches yet" in html and "No departments yet" in html


def test_org_chart_nests_teams_in_details_with_roles_and_department(admin_client, tree, company):
    department = DepartmentFactory(company=company, name="Collection desk")
    employee_save(actor=None, instance=tree["rep"], department=department)
    html = admin_client.get(reverse("org:chart")).content.decode()
    assert html.count('<details class="org-branch"') == 3  # ceo, manager, supervisor have teams
    assert "Representative (delegate)" in html and "Supervisor" in html
    assert "Collection desk" in html
    assert reverse("org:employee_detail", args=[tree["rep"].pk]) in html
    assert html.index("Ceo Chief") < html.index("Mona Manager") < html.index("Rami Rep")


def test_org_chart_empty_state(client, company):
    user = UserFactory(username="viewer2", perms=["org.view_employee"])
    client.force_login(user)  # not linked to an employee: sees nobody
    html = client.get(reverse("org:chart")).content.decode()
    assert "No employees yet" in html


# --- companies, branches, departments ---------------------------------------------------------


def test_company_edit(admin_client, company):
    url = reverse("org:company_update", args=[company.pk])
    data = {
        "code": "ACME",
        "name": "Acme Trading Co",
        "name_ar": "",
        "default_country": "ae",
        "currency": "aed",
        "timezone": "Asia/Dubai",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.default_country, company.currency) == (
        "Acme Trading Co",
        "AE",
        "AED",
    )
    bad = admin_client.post(url, {**data, "default_country": "Saudi", "name": ""})
    assert bad.status_code == 200
    assert "default_country" in bad.context["form"].errors
    assert "name" in bad.context["form"].errors


def test_company_create_for_a_superuser(client, company):
    boss = UserFactory(username="root")
    boss.is_superuser = True  # saved below, with the password
    boss.save()
    client.force_login(boss)
    response = client.post(
        reverse("org:company_create"),
        {
            "code": "NEWCO",
            "name": "New Co",
            "default_country": "SA",
            "currency": "SAR",
            "timezone": "Asia/Riyadh",
        },
    )
    assert response.status_code == 302
    assert Company.objects.filter(code="NEWCO").exists()


def test_branch_create_places_it_in_the_users_company(admin_client, company):
    response = admin_client.post(
        reverse("org:branch_create"),
        {"code": "RUH", "name": "Riyadh", "name_ar": "الرياض", "city": "Riyadh", "is_active": "on"},
        follow=True,
    )
    branch = Branch.objects.get(code="RUH")
    assert branch.company == company
    assert "Branch “Riyadh” created." in [str(m) for m in response.context["messages"]]


def test_branch_duplicate_code_is_shown_at_the_code_field(admin_client, company):
    BranchFactory(company=company, code="RUH")
    response = admin_client.post(reverse("org:branch_create"), {"code": "RUH", "name": "Again"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert Branch.objects.filter(code="RUH").count() == 1


def test_branch_edit_and_deactivate(admin_client, company):
    branch = BranchFactory(company=company, code="DMM", name="Dammam")
    response = admin_client.post(
        reverse("org:branch_update", args=[branch.pk]),
        {"code": "DMM", "name": "Dammam East", "city": "Dammam"},
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert branch.name == "Dammam East" and not branch.is_active


def test_department_create_and_foreign_branch_refused(admin_client, company, other_company):
    mine = BranchFactory(company=company)
    theirs = BranchFactory(company=other_company)
    response = admin_client.post(
        reverse("org:department_create"),
        {"name": "Collections", "kind": "collection", "branch": theirs.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "branch" in response.context["form"].errors
    response = admin_client.post(
        reverse("org:department_create"),
        {"name": "Collections", "kind": "collection", "branch": mine.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    department = Department.objects.get(name="Collections")
    assert department.company == company and department.branch == mine


def test_department_list_filters_by_branch(admin_client, company):
    branch = BranchFactory(company=company)
    DepartmentFactory(company=company, name="In branch", branch=branch)
    DepartmentFactory(company=company, name="Elsewhere")
    html = admin_client.get(reverse("org:department_list"), {"branch": branch.pk}).content
    assert b"In branch" in html and b"Elsewhere" not in html
    html = admin_client.get(reverse("org:department_list"), {"search": "zzz"}).content
    assert b"No departments match these filters" in html


# --- employees: create and edit ---------------------------------------------------------------


def test_employee_create_with_a_new_user_account(admin_client, company):
    branch = BranchFactory(company=company)
    department = DepartmentFactory(company=company)
    manager = EmployeeFactory(company=company, user=None)
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(
            branch=branch.pk,
            department=department.pk,
            reports_to=manager.pk,
            roles=[r.pk for r in roles("representative", "custodian")],
            account="new",
            username="nadia",
            password=STRONG_PASSWORD,
        ),
    )
    employee = Employee.objects.get(code="N001")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:employee_detail", args=[employee.pk])
    assert employee.company == company and employee.branch == branch
    assert employee.reports_to == manager and employee.path == f"{manager.path}{employee.pk}/"
    assert set(employee.roles.values_list("code", flat=True)) == {"representative", "custodian"}
    assert employee.user.username == "nadia"
    assert employee.user.check_password(STRONG_PASSWORD)


def test_weak_password_is_refused_at_the_field_and_nothing_is_created(admin_client):
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(account="new", username="nadia", password="nadia"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not Employee.objects.filter(code="N001").exists()
    assert not User.objects.filter(username="nadia").exists()


def test_new_account_needs_a_free_username(admin_client):
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(account="new", username="OrgAdmin", password=STRONG_PASSWORD),
    )
    assert response.context["form"].errors["username"]
    response = admin_client.post(
        reverse("org:employee_create"), employee_post(account="new", password=STRONG_PASSWORD)
    )
    assert response.context["form"].errors["username"]


def test_a_failing_service_rolls_back_the_new_account(admin_client, company):
    EmployeeFactory(company=company, code="N001", user=None)
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(account="new", username="nadia", password=STRONG_PASSWORD),
    )
    assert response.status_code == 200
    # The duplicate code comes back from the service and lands at the code field.
    assert response.context["form"].errors["code"]
    assert not User.objects.filter(username="nadia").exists()


def test_link_only_users_not_linked_to_another_employee(admin_client, company, org_admin):
    free = UserFactory(username="free")
    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    form = admin_client.get(reverse("org:employee_create")).context["form"]
    offered = set(form.fields["existing_user"].queryset)
    assert free in offered
    assert org_admin not in offered  # linked already
    assert root not in offered  # only a superuser may link a superuser account
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(account="existing", existing_user=org_admin.pk),
    )
    assert response.context["form"].errors["existing_user"]
    response = admin_client.post(
        reverse("org:employee_create"), employee_post(account="existing", existing_user=free.pk)
    )
    assert response.status_code == 302
    assert Employee.objects.get(code="N001").user == free


def test_employee_edit_keeps_the_account_and_sets_coordinated_representatives(
    admin_client, company, tree
):
    coordinator = EmployeeFactory(company=company, code="C1", name="Cora Coord")
    url = reverse("org:employee_update", args=[coordinator.pk])
    form = admin_client.get(url).context["form"]
    assert tree["rep"] in form.fields["coordinated_representatives"].queryset
    assert tree["ceo"] not in form.fields["coordinated_representatives"].queryset
    data = employee_post(
        code="C1",
        name="Cora Coordinator",
        account="existing",
        existing_user=coordinator.user_id,
        roles=[r.pk for r in roles("coordinator")],
        coordinated_representatives=[tree["rep"].pk],
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.name == "Cora Coordinator"
    assert list(coordinator.coordinated_representatives.all()) == [tree["rep"]]
    assert coordinator.user_id is not None


def test_only_coordinators_serve_representatives(admin_client, tree):
    response = admin_client.post(
        reverse("org:employee_create"),
        employee_post(coordinated_representatives=[tree["rep"].pk]),
    )
    assert response.context["form"].errors["coordinated_representatives"]


def test_reports_to_cannot_point_into_the_own_team(admin_client, tree):
    manager = tree["manager"]
    form = admin_client.get(reverse("org:employee_update", args=[manager.pk])).context["form"]
    offered = set(form.fields["reports_to"].queryset)
    assert tree["ceo"] in offered
    assert not offered & {manager, tree["supervisor"], tree["rep"]}
    response = admin_client.post(
        reverse("org:employee_update", args=[manager.pk]),
        employee_post(code="T2", name="Mona Manager", reports_to=tree["rep"].pk),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reports_to"]
    manager.refresh_from_db()
    assert manager.reports_to == tree["ceo"]


def test_employee_form_offers_nothing_from_another_company(admin_client, other_company):
    BranchFactory(company=other_company, name="Foreign branch")
    EmployeeFactory(company=other_company, user=None, name="Foreign boss")
    html = admin_client.get(reverse("org:employee_create")).content.decode()
    assert "Foreign branch" not in html and "Foreign boss" not in html


def test_moving_an_employee_through_the_page_moves_the_team(admin_client, tree):
    supervisor = tree["supervisor"]
    response = admin_client.post(
        reverse("org:employee_update", args=[supervisor.pk]),
        employee_post(
            code="T3",
            name="Sami Supervisor",
            reports_to=tree["ceo"].pk,
            roles=[r.pk for r in roles("supervisor")],
        ),
    )
    assert response.status_code == 302
    rep = Employee.objects.get(pk=tree["rep"].pk)
    assert rep.manager_ids == [supervisor.pk, tree["ceo"].pk]


# --- employees: detail and list ---------------------------------------------------------------


def test_employee_detail_shows_chain_reports_and_team_size(admin_client, tree, company):
    coordinator = EmployeeFactory(
        company=company,
        user=None,
        name="Cora Coord",
        roles=roles("coordinator"),
        coordinated_representatives=[tree["rep"]],
    )
    response = admin_client.get(reverse("org:employee_detail", args=[tree["supervisor"].pk]))
    assert [m.name for m in response.context["managers"]] == ["Ceo Chief", "Mona Manager"]
    assert response.context["direct_reports"] == [tree["rep"]]
    assert response.context["subordinate_count"] == 1
    response = admin_client.get(reverse("org:employee_detail", args=[tree["manager"].pk]))
    assert response.context["subordinate_count"] == 2
    html = admin_client.get(reverse("org:employee_detail", args=[tree["rep"].pk])).content
    html = html.decode()
    assert html.index("Ceo Chief") < html.index("Mona Manager") < html.index("Sami Supervisor")
    assert "Cora Coord" in html and "Representative (delegate)" in html
    response = admin_client.get(reverse("org:employee_detail", args=[coordinator.pk]))
    assert response.context["represented"] == [tree["rep"]]


def test_employee_list_filters(admin_client, company, tree):
    branch = BranchFactory(company=company)
    department = DepartmentFactory(company=company)
    employee_save(actor=None, instance=tree["rep"], branch=branch, department=department)
    employee_save(actor=None, instance=tree["manager"], is_active=False)
    url = reverse("org:employee_list")

    def names(**params):
        return {e.name for e in admin_client.get(url, params).context["employees"]}

    assert names(branch=branch.pk) == {"Rami Rep"}
    assert names(department=department.pk) == {"Rami Rep"}
    assert names(role=["supervisor", "representative"]) == {"Sami Supervisor", "Rami Rep"}
    assert "Mona Manager" not in names(is_active="true")
    assert names(is_active="false") == {"Mona Manager"}
    assert names(search="rami") == {"Rami Rep"}
    assert names(subordinates_of=tree["manager"].pk) == {"Sami Supervisor", "Rami Rep"}
    response = admin_client.get(url, {"role": "representative", "branch": branch.pk})
    assert [c["name"] for c in response.context["chips"]] == ["branch", "role"]
    html = admin_client.get(url, {"search": "nobody-like-this"}).content
    assert b"No employees match these filters" in html


def test_employee_list_keyset_pages(admin_client, company, monkeypatch):
    monkeypatch.setattr(org_views.EmployeeListView, "page_size", 2)
    for n in range(5):
        EmployeeFactory(company=company, user=None, name=f"Page person {n}")
    url = reverse("org:employee_list")
    seen = []
    response = admin_client.get(url, {"search": "page person"})
    while True:
        page = response.context["page"]
        seen.extend(e.name for e in page.rows)
        if not page.has_next:
            break
        response = admin_client.get(url, {"search": "page person", "cursor": page.next_cursor})
    assert seen == [f"Page person {n}" for n in range(5)]
    assert response.context["total"] == 5
    back = admin_client.get(url, {"search": "page person", "cursor": page.previous_cursor})
    assert [e.name for e in back.context["page"].rows] == ["Page person 2", "Page person 3"]
    assert admin_client.get(url, {"cursor": "not-a-cursor"}).status_code == 200


def test_employee_list_htmx_swaps_only_the_results(admin_client):
    response = admin_client.get(
        reverse("org:employee_list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="employee-results",
    )
    html = response.content.decode()
    assert "<html" not in html and "Olivia Admin" in html


def test_employee_list_query_count_does_not_grow(admin_client, company):
    branch = BranchFactory(company=company)
    department = DepartmentFactory(company=company)
    manager = EmployeeFactory(company=company, user=None)

    def add(n):
        for _ in range(n):
            EmployeeFactory(
                company=company,
                branch=branch,
                department=department,
                reports_to=manager,
                roles=roles("representative", "coordinator"),
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(reverse("org:employee_list"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(10)
    assert count() == few


def test_counts_only_count_what_the_user_may_view(client, company):
    branch = BranchFactory(company=company)
    EmployeeFactory(company=company, user=None, branch=branch)
    user = UserFactory(username="branches-only", perms=["org.view_branch"])
    EmployeeFactory(company=company, user=user, branch=branch)
    client.force_login(user)
    response = client.get(reverse("org:branch_list"))
    assert [b.employee_count for b in response.context["rows"]] == [0]
