"""The master-data lists on core's generic list page: search, filters, sorting and pages, the
export, bulk activate and deactivate, and their query counts."""

import csv
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from tawasul.contacts.masterdata_views import MasterDataListView
from tawasul.contacts.models import Industry, ReferralSource
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactCategoryFactory,
    ContactTypeFactory,
    IndustryFactory,
)
from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

FORMULA = "=cmd|' /C calc'!A0"


def list_url(slug):
    return reverse("contacts:masterdata_list", args=[slug])


def export_url(slug):
    return reverse("contacts:masterdata_export", args=[slug])


def names(response):
    assert response.status_code == 200
    return [value.name for value in response.context["rows"]]


def user_client(client, company, username, perms):
    user = UserFactory(username=username, perms=perms)
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    return client


@pytest.fixture
def industries(company):
    return {
        name: IndustryFactory(company=company, name=name, name_ar=name_ar, is_active=active)
        for name, name_ar, active in [
            ("Steel", "الحديد", True),
            ("Paper", "الورق", False),
            ("Cement", "الأسمنت", True),
        ]
    }


@pytest.fixture
def areas(company):
    ksa = AreaFactory(company=company, name="Saudi Arabia", level="country")
    central = AreaFactory(company=company, name="Central", level="region", parent=ksa)
    riyadh = AreaFactory(company=company, name="Riyadh", level="city", parent=central)
    AreaFactory(company=company, name="Olaya", level="zone", parent=riyadh)
    AreaFactory(company=company, name="Emirates", level="country")
    return {"ksa": ksa, "central": central, "riyadh": riyadh}


# --- search, filters, sorting, pages ------------------------------------------------------------


def test_search_and_status_filters(staff_client, industries):
    url = list_url("industries")
    assert names(staff_client.get(url)) == ["Cement", "Paper", "Steel"]
    assert names(staff_client.get(url, {"search": "STE"})) == ["Steel"]
    assert names(staff_client.get(url, {"search": "الاسمنت"})) == ["Cement"]  # folded alef
    assert names(staff_client.get(url, {"is_active": "true"})) == ["Cement", "Steel"]
    assert names(staff_client.get(url, {"is_active": "false"})) == ["Paper"]
    response = staff_client.get(url, {"is_active": "false", "search": "pap"})
    assert names(response) == ["Paper"]
    chips = {(chip["label"], str(chip["value"])) for chip in response.context["chips"]}
    assert chips == {("Status", "Inactive"), ("Search", "pap")}
    html = response.content.decode()
    assert "Status:</span> <bdi>Inactive</bdi>" in html
    form = response.context["filterset"].form
    assert list(form.fields) == ["search", "is_active"]
    assert [label for _value, label in form.fields["is_active"].choices] == [
        "Any",
        "Active",
        "Inactive",
    ]


def test_the_kinds_own_filters_sit_between_search_and_status(staff_client, company, areas):
    response = staff_client.get(list_url("areas"), {"within": areas["central"].pk})
    assert set(names(response)) == {"Central", "Riyadh", "Olaya"}
    assert list(response.context["filterset"].form.fields) == ["search", "within", "is_active"]

    ReferralSource.objects.create(company=company, name="Big 5", kind="exhibition")
    ReferralSource.objects.create(company=company, name="Spring mailing", kind="campaign")
    response = staff_client.get(list_url("referral-sources"), {"kind": "exhibition"})
    assert names(response) == ["Big 5"]
    assert "Exhibition" in response.content.decode()

    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    supplier = ContactTypeFactory(company=company, code="supplier", name="Supplier")
    ContactCategoryFactory(contact_type=customer, name="Retail")
    ContactCategoryFactory(contact_type=supplier, name="Raw materials")
    response = staff_client.get(list_url("contact-categories"), {"contact_type": supplier.pk})
    assert names(response) == ["Raw materials"]


def test_filters_read_only_what_the_user_may_view(staff_client, company):
    foreign = ContactTypeFactory(company=CompanyFactory(code="ZZ"), code="customer")
    ContactCategoryFactory(contact_type=foreign, name="Theirs")
    response = staff_client.get(list_url("contact-categories"), {"contact_type": foreign.pk})
    assert response.status_code == 200
    assert response.context["filterset"].form.errors["contact_type"]
    assert "Theirs" not in response.content.decode()
    assert foreign not in response.context["filterset"].form.fields["contact_type"].queryset


def test_sort_by_name_and_code(staff_client, company, industries):
    assert names(staff_client.get(list_url("industries"), {"sort": "-name"})) == [
        "Steel",
        "Paper",
        "Cement",
    ]
    ContactTypeFactory(company=company, code="b-partner", name="Alpha")
    ContactTypeFactory(company=company, code="a-agent", name="Zulu")
    url = list_url("contact-types")
    assert names(staff_client.get(url)) == ["Alpha", "Zulu"]
    response = staff_client.get(url, {"sort": "code"})
    assert names(response) == ["Zulu", "Alpha"]
    header = {str(h["label"]): h for h in response.context["header"]}
    assert header["Code"]["now"] == "asc" and header["Name"]["now"] == ""
    assert header["Arabic name"]["sort"] is None
    # An unknown sort falls back to the kind's own order.
    assert names(staff_client.get(url, {"sort": "search_text"})) == ["Alpha", "Zulu"]


def test_the_tree_and_the_groups_only_in_the_kinds_own_order(staff_client, company, areas):
    html = staff_client.get(list_url("areas")).content.decode()
    assert "padding-inline-start: 3.5rem" in html and "bi-arrow-return-right" in html
    response = staff_client.get(list_url("areas"), {"sort": "name"})
    assert names(response) == ["Central", "Emirates", "Olaya", "Riyadh", "Saudi Arabia"]
    assert "padding-inline-start" not in response.content.decode()

    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    supplier = ContactTypeFactory(company=company, code="supplier", name="Supplier")
    ContactCategoryFactory(contact_type=supplier, name="Alpha supplies")
    ContactCategoryFactory(contact_type=customer, name="Zeta retail")
    url = list_url("contact-categories")
    by_type = staff_client.get(url).content.decode()
    assert by_type.count('scope="rowgroup"') == 2
    header = {str(h["label"]): h for h in staff_client.get(url).context["header"]}
    assert header["Contact type"]["now"] == "asc"  # its own order is by type, then name
    by_name = staff_client.get(url, {"sort": "name"})
    assert names(by_name) == ["Alpha supplies", "Zeta retail"]
    assert 'scope="rowgroup"' not in by_name.content.decode()


def test_keyset_pages_through_the_htmx_table(staff_client, company, monkeypatch):
    monkeypatch.setattr(MasterDataListView, "page_size", 2)
    for name in ["E", "D", "C", "B", "A"]:
        IndustryFactory(company=company, name=name)
    url = list_url("industries")
    target = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "masterdata-industries-table"}
    seen, params = [], {"sort": "-name"}
    while True:
        response = staff_client.get(url, params, **target)
        html = response.content.decode()
        assert "<html" not in html and 'id="masterdata-industries-table"' in html
        page = response.context["page"]
        seen += [value.name for value in page.rows]
        if not page.has_next:
            assert 'id="next-page"' not in html
            break
        assert 'id="next-page"' in html
        params = {"sort": "-name", "cursor": page.next_cursor}
    assert seen == ["E", "D", "C", "B", "A"]
    response = staff_client.get(url, {"cursor": "garbage"})
    assert "no longer valid" in response.content.decode()
    assert names(response) == ["A", "B"]


def test_row_count_is_asked_for_by_the_page(staff_client, industries):
    response = staff_client.get(
        list_url("industries"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="row-count"
    )
    assert response.context["total"] == 3 and "3 rows" in response.content.decode()


def test_create_button_and_texts(staff_client, company):
    html = staff_client.get(list_url("areas")).content.decode()
    create = reverse("contacts:masterdata_create", args=["areas"])
    assert f'href="{create}" id="new-masterdata-areas"' in html and "Add area" in html
    assert "Countries, regions, cities and zones, as a tree." in html
    assert reverse("contacts:masterdata_index") in html  # the breadcrumb
    assert "No areas yet, so this field offers nothing to pick on a contact." in html
    assert "Add the first area" in html


def test_saved_views_are_kept_per_kind(staff_client, staff_user, industries):
    url = list_url("industries")
    response = staff_client.post(
        url, {"saved_view": "1", "name": "Retired", "query": "is_active=false"}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?is_active=false"
    assert staff_user.saved_filters.get().view == "masterdata-industries"
    assert "Retired" in staff_client.get(url).content.decode()
    assert "Retired" not in staff_client.get(list_url("segments")).content.decode()


# --- export -------------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_writes_the_list_columns_with_its_filters(staff_client, company, industries):
    IndustryFactory(company=CompanyFactory(code="ZZ"), name="Not mine")
    rows = csv_rows(staff_client.get(export_url("industries"), {"format": "csv"}))
    assert rows[0] == ["Name", "Arabic name", "Status"]
    assert rows[1:] == [
        ["Cement", "الأسمنت", "Active"],
        ["Paper", "الورق", "Inactive"],
        ["Steel", "الحديد", "Active"],
    ]
    rows = csv_rows(staff_client.get(export_url("industries"), {"is_active": "false"}))
    assert rows[1:] == [["Paper", "الورق", "Inactive"]]
    ticked = {"pk": [industries["Steel"].pk, industries["Cement"].pk], "format": "csv"}
    assert {r[0] for r in csv_rows(staff_client.get(export_url("industries"), ticked))[1:]} == {
        "Steel",
        "Cement",
    }
    assert staff_client.get(export_url("industries"), {"is_active": "maybe"}).status_code == 400


def test_export_of_a_kind_with_its_own_columns(staff_client, company, areas):
    rows = csv_rows(staff_client.get(export_url("areas"), {"within": areas["central"].pk}))
    assert rows[0] == ["Name", "Level", "Parent area", "Arabic name", "Status"]
    assert ["Riyadh", "City", "Central", "", "Active"] in rows


def test_export_neutralises_formulas(staff_client, company):
    IndustryFactory(company=company, name=FORMULA, name_ar="+966 1")
    rows = csv_rows(staff_client.get(export_url("industries"), {"format": "csv"}))
    assert rows[1][:2] == ["'" + FORMULA, "'+966 1"]
    response = staff_client.get(export_url("industries"), {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert 'filename="industries.xlsx"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert 't="inlineStr"><is><t>=cmd' in sheet
    assert 'name="Industries"' in workbook


def test_export_is_for_whoever_may_view_the_kind(client, company, industries):
    looker = user_client(client, company, "looker", ["contacts.view_industry"])
    html = looker.get(list_url("industries")).content.decode()
    assert 'id="export-csv"' in html and 'name="pk"' in html  # rows can be ticked to export
    assert 'value="deactivate"' not in html  # but not changed
    assert len(csv_rows(looker.get(export_url("industries")))) == 4
    assert looker.get(export_url("segments")).status_code == 403
    assert looker.get("/contacts/master-data/planets/export/").status_code == 404


def test_export_needs_sign_in(client, db):
    response = client.get(export_url("industries"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- bulk activate and deactivate ---------------------------------------------------------------


def test_bulk_deactivate_and_activate_through_the_list(staff_client, company, industries):
    theirs = IndustryFactory(company=CompanyFactory(code="ZZ"), name="Theirs")
    url = list_url("industries")
    steel, cement, paper = industries["Steel"], industries["Cement"], industries["Paper"]
    response = staff_client.post(
        url,
        {
            "action": "deactivate",
            "pk": [steel.pk, paper.pk, theirs.pk],
            "next": f"{url}?is_active=true",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{url}?is_active=true"
    assert "1 row updated." in [str(m) for m in response.context["messages"]]
    active = dict(Industry.objects.values_list("name", "is_active"))
    assert active == {"Steel": False, "Paper": False, "Cement": True, "Theirs": True}
    assert steel.history.first().history_user.username == "sales"  # through the service
    staff_client.post(url, {"action": "activate", "pk": [steel.pk, cement.pk, paper.pk]})
    assert set(Industry.objects.filter(is_active=True).values_list("name", flat=True)) == {
        "Steel",
        "Paper",
        "Cement",
        "Theirs",
    }
    response = staff_client.post(url, {"action": "deactivate"}, follow=True)
    assert "Select at least one row." in [str(m) for m in response.context["messages"]]


def test_bulk_change_is_refused_without_the_change_permission(client, company, industries):
    looker = user_client(client, company, "looker", ["contacts.view_industry"])
    steel = industries["Steel"]
    response = looker.post(list_url("industries"), {"action": "deactivate", "pk": [steel.pk]})
    assert response.status_code == 403
    steel.refresh_from_db()
    assert steel.is_active
    # The view permission of another kind does not open this one's list at all.
    other = user_client(client, company, "geo", ["contacts.view_area", "contacts.change_area"])
    assert (
        other.post(list_url("industries"), {"action": "deactivate", "pk": [steel.pk]}).status_code
        == 403
    )


def test_row_buttons_post_to_the_values_address(staff_client, industries):
    steel = industries["Steel"]
    html = staff_client.get(list_url("industries"), {"search": "steel"}).content.decode()
    active = reverse("contacts:masterdata_active", args=["industries", steel.pk])
    assert f'formaction="{active}" name="active" value="0">Deactivate</button>' in html
    assert reverse("contacts:masterdata_update", args=["industries", steel.pk]) in html
    assert 'name="next" value="/contacts/master-data/industries/?search=steel"' in html


# --- query counts -------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("slug", ["industries", "areas", "contact-categories"])
def test_query_count_does_not_grow_with_rows(staff_client, company, slug):
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    parent = AreaFactory(company=company, name="Root", level="country")

    def add(n):
        for i in range(n):
            if slug == "industries":
                IndustryFactory(company=company, name=f"Industry {i:03}")
            elif slug == "areas":
                parent_area = parent if i % 2 else AreaFactory(company=company, level="region")
                AreaFactory(company=company, level="city", parent=parent_area)
            else:
                kind = customer if i % 2 else ContactTypeFactory(company=company, code=f"t{i}")
                ContactCategoryFactory(contact_type=kind, name=f"Category {i:03}")

    url = list_url(slug)
    add(3)
    _count(staff_client, url)  # warms the session's caches
    few = _count(staff_client, url)
    add(120)  # more than a page
    assert staff_client.get(url).context["page"].has_next
    assert _count(staff_client, url) == few
    assert_get_queries(staff_client, url, app="contacts", name=f"masterdata_list.{slug}.full_page")


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bulk_and_row_buttons_in_the_browser(page, staff_user, company):
    from tawasul.core.tests.test_browser_frame import _sign_in

    for name in ["Cement", "Paper", "Steel"]:
        IndustryFactory(company=company, name=name)
    _sign_in(page)
    page.goto(list_url("industries"))
    table = page.locator("#masterdata-industries-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    # A row's own button deactivates that row alone and comes back to the list.
    table.get_by_role("checkbox", name="Select Cement").check()
    table.locator("tbody tr", has_text="Steel").get_by_role("button", name="Deactivate").click()
    expect(page.locator(".toast-body")).to_contain_text("Steel")
    expect(table.locator("tbody tr", has_text="Steel")).to_contain_text("Inactive")
    assert dict(Industry.objects.values_list("name", "is_active")) == {
        "Cement": True,
        "Paper": True,
        "Steel": False,
    }
    # The bulk bar deactivates the ticked rows.
    table.get_by_role("checkbox", name="Select Cement").check()
    table.get_by_role("checkbox", name="Select Paper").check()
    table.locator(".bulk-bar").get_by_role("button", name="Deactivate").click()
    expect(page.locator(".toast-body")).to_contain_text("2 rows updated.")
    assert not Industry.objects.filter(is_active=True).exists()
    # Filtering swaps the table alone and keeps the filter in the address.
    page.select_option("#id_is_active", "true")
    expect(table.get_by_text("No industries match these filters.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"is_active=true"))
