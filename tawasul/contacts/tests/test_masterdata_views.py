import pytest
from django.urls import reverse

from tawasul.contacts.models import (
    Area,
    ContactCategory,
    ContactType,
    Industry,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from tawasul.contacts.services import masterdata_save
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactCategoryFactory,
    ContactTypeFactory,
    IndustryFactory,
)
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

# For each kind: its slug, model, and the form data that creates a valid value.
KINDS = [
    ("areas", Area, {"level": "country", "name": "Saudi Arabia", "name_ar": "السعودية"}),
    ("industries", Industry, {"name": "Construction"}),
    ("segments", Segment, {"name": "Retail"}),
    ("sizes", Size, {"name": "50-200 staff"}),
    ("product-groups", ProductGroup, {"name": "Air conditioners"}),
    ("referral-sources", ReferralSource, {"name": "Big 5 expo", "kind": "exhibition"}),
    ("contact-types", ContactType, {"code": "partner", "name": "Partner"}),
    ("contact-categories", ContactCategory, {"name": "Wholesale"}),
]
SLUGS = [slug for slug, _, _ in KINDS]


def form_data(slug, data, company):
    data = {**data, "is_active": "on"}
    if slug == "contact-categories":
        data["contact_type"] = ContactTypeFactory(company=company, code="customer").pk
    return data


def make_value(slug, model, company, **fields):
    """A value of `model` in `company`, created through the service."""
    fields.setdefault("name", f"Existing {slug}")
    if model is Area:
        fields.setdefault("level", "country")
    if model is ContactType:
        fields.setdefault("code", "existing")
    if model is ContactCategory:
        fields.setdefault("contact_type", ContactTypeFactory(company=company, code="customer"))
    return masterdata_save(actor=None, model=model, company=company, **fields)


@pytest.fixture
def other_company(db):
    return CompanyFactory(code="OTHER", name="Other Co")


# --- index ------------------------------------------------------------------------------------


def test_index_lists_every_kind_with_counts(staff_client, company, other_company):
    IndustryFactory(company=company, name="Steel")
    IndustryFactory(company=company, name="Old", is_active=False)
    IndustryFactory(company=other_company, name="Not mine")
    response = staff_client.get(reverse("contacts:masterdata_index"))
    assert response.status_code == 200
    rows = {row["kind"].slug: row for row in response.context["rows"]}
    assert set(rows) == set(SLUGS)
    assert (rows["industries"]["total"], rows["industries"]["active"]) == (2, 1)
    html = response.content.decode()
    for slug in SLUGS:
        assert reverse("contacts:masterdata_list", args=[slug]) in html


def test_index_shows_only_the_kinds_a_user_may_view(client, company):
    user = UserFactory(username="geo", perms=["contacts.view_area"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    response = client.get(reverse("contacts:masterdata_index"))
    assert [row["kind"].slug for row in response.context["rows"]] == ["areas"]
    assert reverse("contacts:masterdata_create", args=["areas"]).encode() not in response.content


# --- create and edit every kind ---------------------------------------------------------------


@pytest.mark.parametrize("slug,model,data", KINDS)
def test_create_through_the_page(staff_client, company, slug, model, data):
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=[slug]),
        form_data(slug, data, company),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("contacts:masterdata_list", args=[slug])
    value = model.objects.get(name=data["name"])
    assert value.company == company and value.is_active
    assert any("created" in str(m) for m in response.context["messages"])
    assert data["name"] in response.content.decode()


@pytest.mark.parametrize("slug,model,data", KINDS)
def test_edit_through_the_page(staff_client, company, slug, model, data):
    value = make_value(slug, model, company)
    url = reverse("contacts:masterdata_update", args=[slug, value.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    payload = form_data(slug, {**data, "name": "Renamed"}, company)
    payload.pop("is_active")  # unticked: deactivates
    response = staff_client.post(url, payload)
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.name == "Renamed" and not value.is_active


@pytest.mark.parametrize("slug,model,data", KINDS)
def test_empty_name_is_shown_at_the_field(staff_client, company, slug, model, data):
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=[slug]),
        form_data(slug, {**data, "name": ""}, company),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert "invalid-feedback" in response.content.decode()
    assert not model.objects.filter(company=company, name="").exists()


def test_duplicate_name_is_refused(staff_client, company):
    IndustryFactory(company=company, name="Steel")
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=["industries"]), {"name": "steel"}
    )
    assert response.context["form"].errors["name"]


# --- areas ------------------------------------------------------------------------------------


@pytest.fixture
def areas(company):
    ksa = AreaFactory(company=company, name="Saudi Arabia", level="country")
    central = AreaFactory(company=company, name="Central", level="region", parent=ksa)
    riyadh = AreaFactory(company=company, name="Riyadh", level="city", parent=central)
    olaya = AreaFactory(company=company, name="Olaya", level="zone", parent=riyadh)
    uae = AreaFactory(company=company, name="Emirates", level="country")
    return {"ksa": ksa, "central": central, "riyadh": riyadh, "olaya": olaya, "uae": uae}


def test_areas_are_listed_as_an_indented_tree(staff_client, areas):
    response = staff_client.get(reverse("contacts:masterdata_list", args=["areas"]))
    rows = response.context["rows"]
    names = [a.name for a in rows]
    assert names.index("Saudi Arabia") < names.index("Central") < names.index("Riyadh")
    assert names.index("Riyadh") < names.index("Olaya")
    depth = {a.name: a.depth for a in rows}
    assert depth == {"Saudi Arabia": 0, "Central": 1, "Riyadh": 2, "Olaya": 3, "Emirates": 0}
    html = response.content.decode()
    assert "padding-inline-start: 3.5rem" in html  # Olaya, three levels down
    assert "Zone" in html and "Country" in html


def test_area_within_filter(staff_client, areas):
    response = staff_client.get(
        reverse("contacts:masterdata_list", args=["areas"]), {"within": areas["central"].pk}
    )
    assert {a.name for a in response.context["rows"]} == {"Central", "Riyadh", "Olaya"}


def test_area_create_under_a_parent(staff_client, company, areas):
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=["areas"]),
        {"parent": areas["riyadh"].pk, "level": "zone", "name": "Malaz", "is_active": "on"},
    )
    assert response.status_code == 302
    malaz = Area.objects.get(name="Malaz")
    assert malaz.path == f"{areas['riyadh'].path}{malaz.pk}/"


def test_area_parent_cycle_is_refused_at_the_field(staff_client, areas):
    central = areas["central"]
    url = reverse("contacts:masterdata_update", args=["areas", central.pk])
    form = staff_client.get(url).context["form"]
    offered = set(form.fields["parent"].queryset)
    assert areas["ksa"] in offered and areas["uae"] in offered
    assert not offered & {central, areas["riyadh"], areas["olaya"]}
    for parent in (areas["olaya"], central):
        response = staff_client.post(
            url, {"parent": parent.pk, "level": "region", "name": "Central", "is_active": "on"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
    central.refresh_from_db()
    assert central.parent == areas["ksa"]


def test_area_level_must_be_smaller_than_the_parent(staff_client, areas):
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=["areas"]),
        {"parent": areas["riyadh"].pk, "level": "region", "name": "Odd", "is_active": "on"},
    )
    assert response.context["form"].errors["level"]


def test_moving_an_area_moves_its_subtree(staff_client, areas):
    url = reverse("contacts:masterdata_update", args=["areas", areas["riyadh"].pk])
    response = staff_client.post(
        url, {"parent": areas["uae"].pk, "level": "city", "name": "Riyadh", "is_active": "on"}
    )
    assert response.status_code == 302
    olaya = Area.objects.get(pk=areas["olaya"].pk)
    assert olaya.path.startswith(areas["uae"].path)


# --- contact types and categories -------------------------------------------------------------


def test_system_contact_type_keeps_its_code(staff_client, company):
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    ContactType.objects.filter(pk=customer.pk).update(is_system=True)
    url = reverse("contacts:masterdata_update", args=["contact-types", customer.pk])
    form = staff_client.get(url).context["form"]
    assert form.fields["code"].disabled
    response = staff_client.post(url, {"code": "client", "name": "Client", "is_active": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.code, customer.name) == ("customer", "Client")
    html = staff_client.get(reverse("contacts:masterdata_list", args=["contact-types"]))
    assert "Built in" in html.content.decode()


def test_own_contact_type_code_can_change_but_not_to_a_taken_one(staff_client, company):
    ContactTypeFactory(company=company, code="customer")
    partner = ContactTypeFactory(company=company, code="partner", name="Partner")
    url = reverse("contacts:masterdata_update", args=["contact-types", partner.pk])
    response = staff_client.post(url, {"code": "customer", "name": "Partner"})
    assert response.context["form"].errors["code"]
    response = staff_client.post(url, {"code": "ally", "name": "Partner"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.code == "ally"


def test_categories_are_grouped_by_type(staff_client, company):
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    supplier = ContactTypeFactory(company=company, code="supplier", name="Supplier")
    ContactCategoryFactory(contact_type=supplier, name="Alpha supplies")
    ContactCategoryFactory(contact_type=customer, name="Zeta retail")
    ContactCategoryFactory(contact_type=customer, name="Beta wholesale")
    response = staff_client.get(reverse("contacts:masterdata_list", args=["contact-categories"]))
    assert [c.name for c in response.context["rows"]] == [
        "Beta wholesale",
        "Zeta retail",
        "Alpha supplies",
    ]
    html = response.content.decode()
    html = html[html.index("<tbody") :]
    assert html.count('scope="rowgroup"') == 2
    assert html.index("Customer") < html.index("Beta wholesale") < html.index("Supplier")


def test_category_cannot_use_another_companys_type(staff_client, other_company):
    foreign = ContactTypeFactory(company=other_company, code="customer")
    response = staff_client.post(
        reverse("contacts:masterdata_create", args=["contact-categories"]),
        {"contact_type": foreign.pk, "name": "Sneaky"},
    )
    assert response.context["form"].errors["contact_type"]
    assert not ContactCategory.objects.filter(name="Sneaky").exists()


# --- deactivate, paging, filters ---------------------------------------------------------------


def test_deactivate_and_activate_instead_of_delete(staff_client, company):
    steel = IndustryFactory(company=company, name="Steel")
    url = reverse("contacts:masterdata_active", args=["industries", steel.pk])
    response = staff_client.post(url, {"active": "0", "next": "/contacts/master-data/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/master-data/"
    steel.refresh_from_db()
    assert not steel.is_active
    response = staff_client.post(url, {"active": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("contacts:masterdata_list", args=["industries"])
    steel.refresh_from_db()
    assert steel.is_active
    assert staff_client.get(url).status_code == 405


def test_list_filters_and_empty_states(staff_client, company):
    IndustryFactory(company=company, name="Steel")
    IndustryFactory(company=company, name="Paper", is_active=False)
    url = reverse("contacts:masterdata_list", args=["industries"])
    assert [i.name for i in staff_client.get(url, {"is_active": "false"}).context["rows"]] == [
        "Paper"
    ]
    assert [i.name for i in staff_client.get(url, {"search": "ste"}).context["rows"]] == ["Steel"]
    assert b"match these filters" in staff_client.get(url, {"search": "zzz"}).content
    empty = staff_client.get(reverse("contacts:masterdata_list", args=["segments"]))
    assert b"No segments yet" in empty.content


def test_list_pages_with_a_cursor(staff_client, company, monkeypatch):
    from tawasul.contacts.masterdata_views import MasterDataListView

    monkeypatch.setattr(MasterDataListView, "page_size", 2)
    for name in ["A", "B", "C", "D", "E"]:
        IndustryFactory(company=company, name=name)
    url = reverse("contacts:masterdata_list", args=["industries"])
    seen, params = [], {}
    while True:
        page = staff_client.get(url, params).context["page"]
        seen += [i.name for i in page.rows]
        if not page.has_next:
            break
        params = {"cursor": page.next_cursor}
    assert seen == ["A", "B", "C", "D", "E"]
    assert staff_client.get(url, {"cursor": "garbage"}).status_code == 200


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug,model,data", KINDS)
def test_pages_refuse_users_without_permission(client, company, slug, model, data):
    user = UserFactory(username="nobody", perms=["contacts.view_contact"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    value = make_value(slug, model, company)
    assert client.get(reverse("contacts:masterdata_index")).status_code == 403
    for url in [
        reverse("contacts:masterdata_list", args=[slug]),
        reverse("contacts:masterdata_create", args=[slug]),
        reverse("contacts:masterdata_update", args=[slug, value.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("contacts:masterdata_create", args=[slug]), form_data(slug, data, company)
    )
    assert response.status_code == 403
    response = client.post(
        reverse("contacts:masterdata_active", args=[slug, value.pk]), {"active": "0"}
    )
    assert response.status_code == 403
    value.refresh_from_db()
    assert value.is_active


def test_view_only_user_sees_no_add_or_edit(client, company):
    user = UserFactory(username="looker", perms=["contacts.view_industry"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    steel = IndustryFactory(company=company, name="Steel")
    html = client.get(reverse("contacts:masterdata_list", args=["industries"])).content.decode()
    assert "Steel" in html
    assert reverse("contacts:masterdata_create", args=["industries"]) not in html
    assert reverse("contacts:masterdata_update", args=["industries", steel.pk]) not in html
    url = reverse("contacts:masterdata_update", args=["industries", steel.pk])
    assert client.get(url).status_code == 403


def test_sign_in_is_required(client, db):
    response = client.get(reverse("contacts:masterdata_list", args=["areas"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("slug,model,data", KINDS)
def test_values_of_another_company_are_not_found(
    staff_client, company, other_company, slug, model, data
):
    theirs = make_value(slug, model, other_company, name="Their value")
    for url in [
        reverse("contacts:masterdata_update", args=[slug, theirs.pk]),
        reverse("contacts:masterdata_update", args=[slug, 999999]),
    ]:
        assert staff_client.get(url).status_code == 404
    response = staff_client.post(
        reverse("contacts:masterdata_update", args=[slug, theirs.pk]),
        form_data(slug, {**data, "name": "Hijacked"}, company),
    )
    assert response.status_code == 404
    response = staff_client.post(
        reverse("contacts:masterdata_active", args=[slug, theirs.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Their value" and theirs.is_active
    listed = staff_client.get(reverse("contacts:masterdata_list", args=[slug]))
    assert "Their value" not in listed.content.decode()


def test_unknown_kind_is_not_found(staff_client):
    assert staff_client.get("/contacts/master-data/planets/").status_code == 404
    assert staff_client.get("/contacts/master-data/planets/new/").status_code == 404


def test_a_user_without_a_company_cannot_create(client, db):
    boss = UserFactory(username="root")
    boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    response = client.post(
        reverse("contacts:masterdata_create", args=["industries"]), {"name": "Orphan"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Industry.objects.filter(name="Orphan").exists()
