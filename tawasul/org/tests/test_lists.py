"""The organization's lists on core's list page: the employee list's filters, sorts, pages,
chips, saved views and export, and what a user outside a company finds there."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.core.models import SavedFilter
from tawasul.org import views as org_views
from tawasul.org.models import JobRole
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'
HEADER = ["Name", "Code", "Job roles", "Branch", "Department", "Reports to", "Status"]


def roles(*codes):
    return list(JobRole.objects.filter(code__in=codes))


@pytest.fixture
def viewer(company):
    """A colleague who may view the organization and nothing more."""
    user = UserFactory(username="viewer", perms=["org.view_employee", "org.view_branch"])
    EmployeeFactory(company=company, user=user, name="Vera Viewer", code="V1")
    return user


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def staff(company):
    """A manager and three reports in two branches; one report is inactive."""
    riyadh = BranchFactory(company=company, code="RUH", name="Riyadh")
    jeddah = BranchFactory(company=company, code="JED", name="Jeddah")
    sales = DepartmentFactory(company=company, name="Field sales", branch=riyadh)
    boss = EmployeeFactory(
        company=company, user=None, name="Maha Manager", code="M1", branch=riyadh
    )
    reps = [
        EmployeeFactory(
            company=company,
            user=None,
            name=name,
            code=code,
            branch=branch,
            department=sales,
            reports_to=boss,
            is_active=active,
            roles=roles("representative"),
        )
        for name, code, branch, active in [
            ("Badr Rep", "R2", riyadh, True),
            ("Adel Rep", "R3", jeddah, True),
            ("Dana Former", "R1", jeddah, False),
        ]
    ]
    return {"boss": boss, "reps": reps, "riyadh": riyadh, "jeddah": jeddah, "sales": sales}


def _names(response) -> list[str]:
    return [e.name for e in response.context["rows"]]


def _export(client, fmt="csv", **params) -> bytes:
    response = client.get(reverse("org:employee_export"), {**params, "format": fmt})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(client, **params) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_export(client, **params).decode("utf-8-sig"))))


# --- the page ---------------------------------------------------------------------------------


def test_sorting_by_name_and_by_code_either_way(viewer_client, staff):
    url = reverse("org:employee_list")
    response = viewer_client.get(url)
    assert _names(response) == [
        "Adel Rep",
        "Badr Rep",
        "Dana Former",
        "Maha Manager",
        "Vera Viewer",
    ]
    assert response.context["sort"] == "name"
    codes = [e.code for e in viewer_client.get(url, {"sort": "code"}).context["rows"]]
    assert codes == ["M1", "R1", "R2", "R3", "V1"]
    codes = [e.code for e in viewer_client.get(url, {"sort": "-code"}).context["rows"]]
    assert codes == ["V1", "R3", "R2", "R1", "M1"]
    # A column without a sort cannot be asked for: the page falls back to the name.
    assert viewer_client.get(url, {"sort": "branch"}).context["sort"] == "name"


def test_sorted_pages_walk_every_row_once(viewer_client, staff, monkeypatch):
    monkeypatch.setattr(org_views.EmployeeListView, "page_size", 2)
    url = reverse("org:employee_list")
    seen, params = [], {"sort": "-code", "is_active": "true"}
    response = viewer_client.get(url, params)
    while True:
        page = response.context["page"]
        seen += [e.code for e in page.rows]
        if not page.has_next:
            break
        assert 'id="next-page"' in response.content.decode()
        response = viewer_client.get(url, {**params, "cursor": page.next_cursor})
    assert seen == ["V1", "R3", "R2", "M1"]  # R1 is inactive


def test_page_shows_the_columns_links_and_status(viewer_client, staff):
    html = viewer_client.get(reverse("org:employee_list")).content.decode()
    for label in HEADER:
        assert f">{label}</" in html or f">{label} <" in html, label
    rep = staff["reps"][0]
    assert reverse("org:employee_detail", args=[rep.pk]) in html
    assert reverse("org:employee_detail", args=[staff["boss"].pk]) in html  # reports to
    assert "Representative (delegate)" in html and "Inactive" in html
    assert 'id="employee-results"' in html and 'id="export-csv"' in html
    assert reverse("org:employee_create") not in html  # may view, not add


def test_filters_show_as_chips_that_remove_themselves(viewer_client, staff):
    url = reverse("org:employee_list")
    response = viewer_client.get(url, {"is_active": "true", "branch": staff["jeddah"].pk})
    assert _names(response) == ["Adel Rep"]
    chips = {c["name"]: c for c in response.context["chips"]}
    assert chips["is_active"]["value"] == "Active" and chips["branch"]["value"] == staff["jeddah"]
    html = response.content.decode()
    # Removing "Active" drops the filter whatever spelling of true the address holds.
    assert f'href="{url}?branch={staff["jeddah"].pk}"' in html
    response = viewer_client.get(url, {"is_active": "false"})
    assert _names(response) == ["Dana Former"]
    assert response.context["chips"][0]["value"] == "Inactive"


def test_subordinates_of_shows_the_managers_name(viewer_client, staff):
    response = viewer_client.get(
        reverse("org:employee_list"), {"subordinates_of": staff["boss"].pk}
    )
    assert _names(response) == ["Adel Rep", "Badr Rep", "Dana Former"]
    [chip] = response.context["chips"]
    assert (chip["label"], chip["value"], chip["raw"]) == ("Subordinates of", "Maha Manager", None)


def test_the_filter_panel_shows_the_pages_filters_only(viewer_client, staff):
    form = viewer_client.get(reverse("org:employee_list")).context["filterset"].form
    assert [field.name for field in form] == ["search", "branch", "department", "role", "is_active"]
    html = viewer_client.get(reverse("org:employee_list")).content.decode()
    assert 'name="reports_to"' not in html and 'name="subordinates_of"' not in html


def test_the_row_count_comes_with_htmx(viewer_client, staff):
    response = viewer_client.get(
        reverse("org:employee_list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="row-count"
    )
    assert response.status_code == 200
    assert "5 employees" in response.content.decode()


def test_a_saved_view_keeps_the_filters(viewer_client, viewer, staff):
    url = reverse("org:employee_list")
    query = f"branch={staff['riyadh'].pk}&sort=-code"
    response = viewer_client.post(
        url, {"saved_view": "employees", "name": "Riyadh", "query": query}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?{query}"
    saved = SavedFilter.objects.get(user=viewer, view="employees")
    assert (saved.name, saved.query) == ("Riyadh", query)
    tabs = viewer_client.get(url).content.decode().split('id="saved-views"')[1].split("</ul>")[0]
    assert f'href="{url}?{query.replace("&", "&amp;")}"><bdi>Riyadh</bdi></a>' in tabs


# --- export -----------------------------------------------------------------------------------


def test_csv_export_has_the_lists_columns_and_filters(viewer_client, staff):
    rows = _csv(viewer_client, branch=staff["jeddah"].pk)
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["Adel Rep", "R3", "Representative (delegate)", "Jeddah", "Field sales", "Maha Manager", "Active"],
        ["Dana Former", "R1", "Representative (delegate)", "Jeddah", "Field sales", "Maha Manager", "Inactive"],
    ]  # fmt: skip
    # Ticked rows only.
    rows = _csv(viewer_client, pk=[staff["boss"].pk])
    assert rows[1:] == [["Maha Manager", "M1", "", "Riyadh", "", "", "Active"]]


def test_csv_export_neutralises_formulas(viewer_client, company):
    EmployeeFactory(company=company, user=None, name=FORMULA_NAME, code="Q-1")
    rows = _csv(viewer_client, code="Q-1")
    assert rows[1:] == [["'" + FORMULA_NAME, "Q-1", "", "", "", "", "Active"]]


def test_xlsx_export_writes_text_not_formulas(viewer_client, company, staff):
    from openpyxl import load_workbook

    EmployeeFactory(company=company, user=None, name=FORMULA_NAME, code="Q-1")
    sheet = load_workbook(io.BytesIO(_export(viewer_client, "xlsx"))).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADER
    formula = next(row for row in rows if row[1] == "Q-1")
    assert formula[0] == FORMULA_NAME
    assert next(r for r in sheet.iter_rows() if r[1].value == "Q-1")[0].data_type == "s"
    assert sheet.title == "Employees"


def test_export_queries_do_not_grow_with_rows(viewer_client, company, staff):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            _export(viewer_client)
        return len(captured.captured_queries)

    few = count()
    for n in range(10):
        EmployeeFactory(
            company=company,
            user=None,
            code=f"X{n}",
            branch=staff["riyadh"],
            department=staff["sales"],
            reports_to=staff["boss"],
            roles=roles("representative", "coordinator"),
        )
    assert count() == few


# --- who sees what ----------------------------------------------------------------------------


def test_employees_of_another_company_are_in_neither_the_list_nor_the_export(viewer_client, staff):
    """Employees are not governed by record rules: what confines a colleague is their company
    (`restrict`), the same for the page and its export."""
    other = CompanyFactory(code="OTHER", name="Other Co")
    EmployeeFactory(company=other, user=None, name="Hidden Person", code="R3")
    response = viewer_client.get(reverse("org:employee_list"), {"search": "R3"})
    assert _names(response) == ["Adel Rep"]
    assert "Hidden Person" not in _export(viewer_client).decode("utf-8-sig")
    assert "Hidden Person" not in _export(viewer_client, search="hidden").decode("utf-8-sig")
    hidden = other.employees.get()
    rows = _csv(viewer_client, pk=[hidden.pk])
    assert rows == [HEADER]


def test_an_account_without_an_employee_sees_no_one(client, staff):
    user = UserFactory(username="outsider", perms=["org.view_employee"])
    client.force_login(user)
    response = client.get(reverse("org:employee_list"))
    assert response.context["rows"] == []
    assert "No employees yet" in response.content.decode()
    assert _csv(client) == [HEADER]


def test_export_needs_the_view_permission(client, company, staff):
    user = UserFactory(username="branches-only", perms=["org.view_branch"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    assert client.get(reverse("org:employee_export")).status_code == 403
    client.logout()
    response = client.get(reverse("org:employee_export"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- branches, departments, companies ---------------------------------------------------------


def test_branches_list_active_ones_first_and_sort_by_name_or_code(client, company, viewer):
    BranchFactory(company=company, code="B3", name="Abha", is_active=False)
    BranchFactory(company=company, code="B1", name="Dammam")
    BranchFactory(company=company, code="B2", name="Buraydah")
    client.force_login(viewer)
    url = reverse("org:branch_list")
    assert _names(client.get(url)) == ["Buraydah", "Dammam", "Abha"]
    assert _names(client.get(url, {"sort": "name"})) == ["Abha", "Buraydah", "Dammam"]
    assert _names(client.get(url, {"sort": "-code"})) == ["Abha", "Buraydah", "Dammam"]
    assert _names(client.get(url, {"is_active": "false"})) == ["Abha"]
    assert _names(client.get(url, {"search": "dam"})) == ["Dammam"]


def test_active_first_pages_follow_their_order(client, company, viewer, monkeypatch):
    monkeypatch.setattr(org_views.DepartmentListView, "page_size", 2)
    for n, active in enumerate([False, True, False, True, True]):
        DepartmentFactory(company=company, name=f"Unit {n}", is_active=active)
    user = UserFactory(username="depts", perms=["org.view_department"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    url = reverse("org:department_list")
    seen, response = [], client.get(url)
    while True:
        page = response.context["page"]
        seen += [d.name for d in page.rows]
        if not page.has_next:
            break
        response = client.get(url, {"cursor": page.next_cursor})
    assert seen == ["Unit 1", "Unit 3", "Unit 4", "Unit 0", "Unit 2"]


def test_counts_link_to_the_filtered_lists_for_who_may_open_them(client, company, staff):
    user = UserFactory(username="branch-viewer", perms=["org.view_branch", "org.view_employee"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    html = client.get(reverse("org:branch_list")).content.decode()
    riyadh = staff["riyadh"].pk
    assert f'href="{reverse("org:employee_list")}?branch={riyadh}"' in html
    assert f"{reverse('org:department_list')}?branch=" not in html  # no department permission
    assert reverse("org:branch_update", args=[riyadh]) not in html  # may not change


def test_edit_buttons_for_who_may_change(client, company, staff):
    user = UserFactory(username="editor", perms=["org.view_department", "org.change_department"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    html = client.get(reverse("org:department_list")).content.decode()
    assert reverse("org:department_update", args=[staff["sales"].pk]) in html
    assert '<span class="visually-hidden">Actions</span>' in html
    assert reverse("org:department_create") not in html  # may change, not add


def test_company_list_shows_its_settings_and_counts(client, company, staff):
    user = UserFactory(username="companies", perms=["org.view_company", "org.add_company"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    response = client.get(reverse("org:company_list"))
    [row] = response.context["rows"]
    assert (row.branch_count, row.department_count) == (0, 0)  # no view right on them
    assert row.employee_count == 0
    html = response.content.decode()
    assert "Asia/Riyadh" in html or company.timezone in html
    assert reverse("org:company_create") in html
    assert client.get(reverse("org:company_list"), {"search": "zzz"}).context["rows"] == []
