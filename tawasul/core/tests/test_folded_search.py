"""Master data, branches, departments, employees and companies are found by the spellings people
type (issue 10, section 6): every search, autocomplete and picker of a `BilingualName` record
compares the normalised query with its normalised `search_text`, on SQLite and PostgreSQL."""

import re
from importlib import import_module
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps as django_apps
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.access.registry import all_governed
from tawasul.contacts import filtersets as contact_filtersets
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
from tawasul.core.search import search_text_fill
from tawasul.core.text import browser_fold, normalize_name
from tawasul.core.widgets import HIDDEN_LABEL, SearchableSelectMultiple, offer_links
from tawasul.org import filtersets as org_filtersets
from tawasul.org.models import (
    BilingualName,
    Branch,
    Company,
    Department,
    Employee,
    search_text_sources,
)
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# (stored Arabic name, what a user types): real names, each spelt as people type it.
VARIANTS = [
    ("أحمد", "احمد"),  # hamza on alef dropped
    ("المؤمن", "المومن"),  # hamza on waw dropped
    ("عائشة", "عايشه"),  # hamza on ya dropped, taa marbuta typed as haa
    ("مصطفى", "مصطفي"),  # alef maqsura typed as ya
    ("كريم", "کریم"),  # typed on a Persian keyboard (keheh, Farsi yeh)
    ("یحیی", "يحيى"),  # stored from a Persian keyboard, typed on an Arabic one
    ("فرع 47", "فرع ٤٧"),  # Arabic-Indic digits
    ("مخزن 58", "مخزن ۵۸"),  # Persian digits
    ("نور", "\u200fن\u200cور"),  # a direction mark and a zero-width non-joiner pasted in
]
# English names of the records above, one each, sharing no letters typed in any variant.
ENGLISH = ["Ahmad", "Mumin", "Aisha", "Mustafa", "Karim", "Yahya", "Branch 47", "Store 58", "Nour"]

MASTER_MODELS = [
    ContactType,
    ContactCategory,
    Area,
    Industry,
    Segment,
    Size,
    ProductGroup,
    ReferralSource,
]
ORG_MODELS = [Company, Branch, Department, Employee]
FILTERSETS = {
    ContactType: contact_filtersets.ContactTypeFilterSet,
    ContactCategory: contact_filtersets.ContactCategoryFilterSet,
    Area: contact_filtersets.AreaFilterSet,
    Industry: contact_filtersets.IndustryFilterSet,
    Segment: contact_filtersets.SegmentFilterSet,
    Size: contact_filtersets.SizeFilterSet,
    ProductGroup: contact_filtersets.ProductGroupFilterSet,
    ReferralSource: contact_filtersets.ReferralSourceFilterSet,
    Company: org_filtersets.CompanyFilterSet,
    Branch: org_filtersets.BranchFilterSet,
    Department: org_filtersets.DepartmentFilterSet,
    Employee: org_filtersets.EmployeeFilterSet,
}
MASTER_SLUGS = {
    ContactType: "contact-types",
    ContactCategory: "contact-categories",
    Area: "areas",
    Industry: "industries",
    Segment: "segments",
    Size: "sizes",
    ProductGroup: "product-groups",
    ReferralSource: "referral-sources",
}
API = {
    ContactType: "contact-types",
    ContactCategory: "contact-categories",
    Area: "areas",
    Industry: "industries",
    Segment: "segments",
    Size: "sizes",
    ProductGroup: "product-groups",
    ReferralSource: "referral-sources",
    Company: "companies",
    Branch: "branches",
    Department: "departments",
    Employee: "employees",
}
# The list pages with a search box (the company list has none) and their rows in the context.
ORG_PAGES = {
    Branch: ("org:branch_list", "rows"),
    Department: ("org:department_list", "rows"),
    Employee: ("org:employee_list", "employees"),
}


def _make(model, company, name, name_ar, n):
    """One record of `model` through the way the application writes it."""
    if model in MASTER_MODELS:
        extra = {}
        if model is ContactType:
            extra["code"] = f"kind-{n}"
        elif model is ContactCategory:
            extra["contact_type"] = ContactType.objects.get(company=company, code="customer")
        elif model is Area:
            extra["level"] = "city"
        return masterdata_save(
            actor=None, model=model, company=company, name=name, name_ar=name_ar, **extra
        )
    if model is Company:
        return CompanyFactory(code=f"C{n}", name=name, name_ar=name_ar)
    if model is Branch:
        return BranchFactory(company=company, code=f"B{n}", name=name, name_ar=name_ar)
    if model is Department:
        return DepartmentFactory(company=company, name=name, name_ar=name_ar)
    return EmployeeFactory(company=company, code=f"X{n}", name=name, name_ar=name_ar)


def _records(model, company) -> list:
    """A record of `model` for every variant, in the order of VARIANTS."""
    return [
        _make(model, company, english, stored, n)
        for n, (english, (stored, _typed)) in enumerate(zip(ENGLISH, VARIANTS, strict=True))
    ]


def _each_variant_finds_its_record(records, found) -> None:
    """`found(query)` gives the keys a search returns: each variant finds its record alone."""
    failures = []
    for record, (stored, typed) in zip(records, VARIANTS, strict=True):
        if found(typed) != {record.pk}:
            failures.append((stored, typed, found(typed)))
        if found(stored) != {record.pk}:  # the stored spelling still finds it
            failures.append((stored, stored, found(stored)))
    assert failures == []


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def admin_api(admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    return api


# --- the column ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", MASTER_MODELS + ORG_MODELS, ids=lambda m: m.__name__)
def test_every_bilingual_record_keeps_its_search_text_in_step(model, company, customer_type):
    record = _make(model, company, "Al Momin", "المؤمن", 1)
    record.refresh_from_db()
    code = getattr(record, "code", "")
    expected = " ".join(p for p in ("al momin", "المومن", normalize_name(code)) if p)
    assert record.search_text == expected
    # A save of only some fields still updates the column.
    record.name_ar = "عائشة"
    record.save(update_fields=["name_ar"])
    record.refresh_from_db()
    assert "عايشه" in record.search_text
    # The derived column is no change worth a history row, and no history column.
    history = record.history.model
    assert "search_text" not in {f.name for f in history._meta.fields}


def test_every_model_a_rule_picker_searches_has_a_search_text():
    models = {
        decl.model for entry in all_governed() for decl in entry.fields.values() if decl.model
    }
    assert models
    for model in models:
        assert "search_text" in {f.name for f in model._meta.concrete_fields}, model


# --- every way of searching ---------------------------------------------------------------


@pytest.mark.parametrize("model", MASTER_MODELS + ORG_MODELS, ids=lambda m: m.__name__)
def test_the_filterset_of_list_page_api_and_export_folds_spellings(model, company, customer_type):
    records = _records(model, company)
    filterset = FILTERSETS[model]

    def found(query):
        qs = filterset({"search": query}, queryset=model.objects.all()).qs
        return set(qs.values_list("pk", flat=True))

    _each_variant_finds_its_record(records, found)
    assert found("* - \"'") == set()  # only symbols: nothing, not everything


@pytest.mark.parametrize("model", MASTER_MODELS, ids=lambda m: m.__name__)
def test_master_data_list_pages_fold_spellings(model, admin_client, company, customer_type):
    records = _records(model, company)
    url = reverse("contacts:masterdata_list", args=[MASTER_SLUGS[model]])

    def found(query):
        response = admin_client.get(url, {"search": query})
        assert response.status_code == 200
        return {row.pk for row in response.context["rows"]}

    _each_variant_finds_its_record(records, found)


@pytest.mark.parametrize("model", list(ORG_PAGES), ids=lambda m: m.__name__)
def test_org_list_pages_fold_spellings(model, admin_client, company):
    records = _records(model, company)
    name, rows = ORG_PAGES[model]

    def found(query):
        response = admin_client.get(reverse(name), {"search": query})
        assert response.status_code == 200
        return {row.pk for row in response.context[rows]}

    _each_variant_finds_its_record(records, found)


@pytest.mark.parametrize("model", [Area, Industry, Employee, Branch], ids=lambda m: m.__name__)
def test_the_api_folds_spellings(model, admin_api, company, customer_type):
    records = _records(model, company)

    def found(query):
        response = admin_api.get(f"/api/{API[model]}/", {"search": query})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    _each_variant_finds_its_record(records, found)


@pytest.mark.parametrize("kind,model", [("employee", Employee), ("area", Area)])
def test_link_field_autocompletes_fold_spellings(admin_client, company, kind, model):
    records = _records(model, company)
    url = reverse("contacts:autocomplete", args=[kind])

    def found(query):
        return {row["value"] for row in admin_client.get(url, {"q": query}).json()["results"]}

    _each_variant_finds_its_record(records, found)
    assert found("***") == set()


def test_autocomplete_lists_names_that_start_with_the_query_first(admin_client, company):
    later = _make(Area, company, "North Riyadh", "شمال الرياض", 1)
    first = _make(Area, company, "Riyadh", "الرياض", 2)
    url = reverse("contacts:autocomplete", args=["area"])
    rows = admin_client.get(url, {"q": "riyadh"}).json()["results"]
    assert [row["value"] for row in rows] == [first.pk, later.pk]


RULE_FIELDS = [
    ("area", Area),
    ("industry", Industry),
    ("segment", Segment),
    ("size", Size),
    ("product_groups", ProductGroup),
    ("contact_type", ContactType),
    ("category", ContactCategory),
    ("referral_source", ReferralSource),
    ("branch", Branch),
    ("representative", Employee),
]


@pytest.mark.parametrize("field,model", RULE_FIELDS, ids=[f for f, _m in RULE_FIELDS])
def test_rule_value_pickers_fold_spellings(admin_client, company, customer_type, field, model):
    records = _records(model, company)
    url = reverse("access:value_autocomplete", args=["contacts.contact", field])

    def found(query):
        return {row["value"] for row in admin_client.get(url, {"q": query}).json()["results"]}

    _each_variant_finds_its_record(records, found)


def test_the_user_picker_folds_employee_names(admin_client, company):
    records = []
    for n, (english, (stored, _typed)) in enumerate(zip(ENGLISH, VARIANTS, strict=True)):
        user = UserFactory(username=f"user{n}")
        records.append(
            EmployeeFactory(company=company, user=user, code=f"U{n}", name=english, name_ar=stored)
        )
    url = reverse("access:user_autocomplete")

    def found(query):
        rows = admin_client.get(url, {"q": query}).json()["results"]
        return {Employee.objects.get(user_id=row["value"]).pk for row in rows}

    _each_variant_finds_its_record(records, found)
    assert found("--") == set()
    assert found("user3") == {records[3].pk}  # the user name still finds its user


# --- duplicates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,name_ar,field",
    [
        ("riyadh", "", "name"),  # case
        ("Ar Riyadh", "الریاض", "name_ar"),  # Persian ya
        ("Ar-Riyad", "الرياض", "name_ar"),  # the same Arabic name, another English spelling
        ("الرياض", "", "name"),  # an English name field holding the other's Arabic name
    ],
)
def test_master_data_form_refuses_a_name_that_differs_only_in_spelling(
    admin_client, company, name, name_ar, field
):
    _make(Industry, company, "Riyadh", "الرياض", 1)
    url = reverse("contacts:masterdata_create", args=["industries"])
    response = admin_client.post(url, {"name": name, "name_ar": name_ar, "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["A industry with this name already exists."]
    assert Industry.objects.count() == 1


def test_master_data_form_accepts_a_name_that_only_contains_another(admin_client, company):
    _make(Industry, company, "Riyadh", "الرياض", 1)
    url = reverse("contacts:masterdata_create", args=["industries"])
    response = admin_client.post(url, {"name": "North Riyadh", "name_ar": "", "is_active": "on"})
    assert response.status_code == 302
    assert Industry.objects.count() == 2


# --- existing rows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app,migration,models",
    [
        ("org", "0006_search_text_and_phone_country_default", ORG_MODELS),
        ("contacts", "0010_masterdata_search_text", MASTER_MODELS),
    ],
)
def test_the_migrations_fill_rows_written_before(app, migration, models, company, customer_type):
    records = {model: _make(model, company, "Al Momin", "المؤمن", 7) for model in models}
    for model in models:
        model.objects.update(search_text="")  # as the column was added: empty
        assert FILTERSETS[model]({"search": "المومن"}, queryset=model.objects.all()).qs.count() == 0
    module = import_module(f"tawasul.{app}.migrations.{migration}")
    module.fill_search_text(django_apps, SimpleNamespace(connection=connection))
    for model, record in records.items():
        qs = FILTERSETS[model]({"search": "المومن"}, queryset=model.objects.all()).qs
        assert list(qs.values_list("pk", flat=True)) == [record.pk], model
    # Batched, and a second run changes nothing.
    for model in models:
        assert search_text_fill(model, search_text_sources(model), batch_size=1) == 0


def test_search_text_sources_are_the_fields_each_model_has():
    assert search_text_sources(Employee) == ("name", "name_ar", "code")
    assert search_text_sources(Department) == ("name", "name_ar")
    assert search_text_sources(django_apps.get_model("contacts", "Industry")) == (
        "name",
        "name_ar",
    )
    assert BilingualName.SEARCH_TEXT_FIELDS == ("name", "name_ar", "code")


def test_postgresql_has_trigram_indexes_on_the_large_kinds():
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('employee_search_trgm', 'area_search_trgm')"
        )
        assert {name for (name,) in cursor.fetchall()} == {
            "employee_search_trgm",
            "area_search_trgm",
        }


# --- the phone region ---------------------------------------------------------------------


@override_settings(PHONENUMBER_DEFAULT_REGION="ae")
def test_a_new_company_reads_phones_in_the_configured_region():
    assert Company().default_country == "AE"
    assert Company.objects.create(code="NEW", name="New").default_country == "AE"


@override_settings(PHONENUMBER_DEFAULT_REGION="AE")
def test_the_import_reads_phones_in_the_company_region_else_the_setting(company):
    from tawasul.contacts.imports import _Resolver

    assert _Resolver(company).region == "SA"
    Company.objects.filter(pk=company.pk).update(default_country="")
    company.refresh_from_db()
    assert _Resolver(company).region == "AE"


# --- selects filtered on the page ---------------------------------------------------------


def test_short_selects_carry_each_option_s_comparison_form(staff_client, company):
    industry = _make(Industry, company, "Ahmad Trading", "أحمد للتجارة", 1)
    html = staff_client.get(reverse("contacts:contact_list")).content.decode()
    # Both names, folded (app.js matches what is typed against it, folded the same way).
    assert f'data-search="{industry.search_text}"' in html
    assert industry.search_text == "ahmad trading احمد للتجاره"
    assert '<script id="text-fold" type="application/json">' in html


def test_the_browser_folding_is_the_server_s(client):
    fold = browser_fold()
    assert fold["replace"]["أ"] == "ا" and fold["replace"]["ک"] == "ك"
    assert fold["replace"]["٤"] == "4" and fold["replace"]["۵"] == "5"
    assert re.fullmatch(fold["invisible"], "\u200f") and re.fullmatch(fold["marks"], "\u064e")
    html = client.get(reverse("login")).content.decode()
    assert '<script id="text-fold" type="application/json">' in html


def test_a_hidden_value_s_option_is_searched_by_its_label_only(company):
    group = _make(ProductGroup, company, "Secret Pumps", "مضخات سرية", 1)
    field = forms.ModelMultipleChoiceField(
        queryset=ProductGroup.objects.all(), widget=SearchableSelectMultiple
    )
    offer_links(field, ProductGroup.objects.none(), keep=[group.pk])
    html = field.widget.render("product_groups", [group.pk])
    assert "secret" not in html.lower() and "سري" not in html
    assert f'data-search="{normalize_name(str(HIDDEN_LABEL))}"' in html
