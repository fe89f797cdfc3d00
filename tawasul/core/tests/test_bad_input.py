"""Bad input that used to reach something that could not take it (issue 10, section 7).

Control characters, deeply nested JSON, crafted page cursors and ids, unknown countries and
database constraints: each answers a field message (or 400, or the first page), never a 500.
"""

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.cleaning import bad_characters, clean_text

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "cases"
BAD = ["\x0b", "\x1f"]  # the characters of ../shared/cases/control-char-in-name.csv


def _xlsx_names(content: bytes) -> list:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


# --- control characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\ufffe"]
    + ["\U0010ffff", "\ufdd0"]
    # Format characters that disguise text: a right-to-left override, an isolate, a byte-order
    # mark, a tag character.
    + ["\u202e", "\u2066", "\ufeff", "\U000e0041"],
)
def test_every_kind_of_bad_character_is_found_and_cleaned(char):
    text = f"Acme{char}Co"
    assert bad_characters(text) == [char]
    assert bad_characters(text, multiline=True) == [char]
    cleaned = clean_text(text)
    assert bad_characters(cleaned) == [] and cleaned.startswith("Acme")
    assert cleaned.endswith("Co")


def test_line_breaks_are_kept_only_in_multiline_text():
    assert bad_characters("a\tb\nc\r\n") == ["\t", "\n", "\r", "\n"]
    assert bad_characters("a\tb\nc\r\n", multiline=True) == []
    assert clean_text("Vertical\x0bTab Co") == "Vertical Tab Co"
    assert clean_text("line one\x0bline two", multiline=True) == "line one\nline two"
    assert clean_text("Unit\x1fSep Co") == "UnitSep Co"
    assert clean_text("Al Noor", multiline=True) == "Al Noor"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=None), max_size=40))
def test_cleaned_text_always_fits_in_a_workbook(text):
    from openpyxl import Workbook

    workbook = Workbook()
    for multiline in (False, True):
        cleaned = clean_text(text, multiline=multiline)
        assert bad_characters(cleaned, multiline=multiline) == []
        workbook.active.append([cleaned])  # openpyxl refuses characters XML cannot hold
    workbook.save(io.BytesIO())  # and lone surrogates cannot be written at all


@pytest.mark.parametrize("char", BAD)
def test_contact_form_refuses_control_characters_at_the_field(staff_client, customer_type, char):
    data = {
        "kind": "organisation",
        "contact_type": customer_type.pk,
        "name": f"Vertical{char}Tab Co",
        "notes": "first line\r\nsecond line",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-0-name": f"Omar{char}Saleh",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("contacts:contact_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "notes" not in form.errors
    assert "control characters" in form.errors["name"][0]
    assert "name" in response.context["persons"].forms[0].errors  # on the first submit
    assert not Contact.objects.exists()


@pytest.mark.parametrize("char", BAD)
def test_api_refuses_control_characters_at_the_field(api_client, customer_type, char):
    response = api_client.post(
        "/api/contacts/",
        {
            "name": f"Unit{char}Sep Co",
            "contact_type": customer_type.pk,
            "notes": "line\none",
            "persons": [{"name": f"Huda{char}Ali"}],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "name" in body and "notes" not in body
    persons = body["persons"]  # a list of row errors, or an object keyed by row number
    assert "name" in (persons[0] if isinstance(persons, list) else persons["0"])
    assert not Contact.objects.exists()


@pytest.mark.parametrize("field", ["name", "code", "tax_number"])
def test_api_refuses_text_disguised_by_a_direction_override(api_client, customer_type, field):
    values = {"name": "Plain Co", "code": "", "tax_number": ""}
    values[field] = "AB\u202eCD"
    response = api_client.post(
        "/api/contacts/", {**values, "contact_type": customer_type.pk}, format="json"
    )
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Contact.objects.exists()


def test_marks_typed_in_arabic_and_persian_text_are_kept():
    for text in ["محمد\u200cرضا", "x\u200fy", "\u061cعلي", "a\u200db"]:
        assert bad_characters(text) == [] and clean_text(text) == text


def test_master_data_and_organisation_forms_refuse_control_characters(admin_user, client):
    client.force_login(admin_user)
    response = client.post(
        reverse("contacts:masterdata_create", args=["industries"]),
        {"name": "Re\x1ftail", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


@pytest.fixture
def _import_storage(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tawasul.core.storage.EncryptedFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def test_import_cleans_control_characters_and_the_export_loads(
    _import_storage,
    staff_user,
    staff_client,
    company,
    customer_type,
    django_capture_on_commit_callbacks,
):
    from tawasul.contacts.imports import (
        guess_mapping,
        import_job_create,
        import_job_set_mapping,
        import_job_start,
    )

    content = (CASES / "control-char-in-name.csv").read_bytes()
    job = import_job_create(
        actor=staff_user,
        company=company,
        uploaded_file=SimpleUploadedFile("control-char-in-name.csv", content),
    )
    columns = {int(k): v for k, v in guess_mapping(job.headers).items()}
    import_job_set_mapping(actor=staff_user, job=job, columns=columns)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(actor=staff_user, job=job, dry_run=False)
    job.refresh_from_db()
    assert job.status == job.Status.IMPORTED, job.errors
    names = sorted(Contact.objects.values_list("name", flat=True))
    # The importer turns a control character into a space (and names the cell in the check).
    assert names == ["Unit Sep Co", "Vertical Tab Co"]
    response = staff_client.get(reverse("contacts:contact_export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert sorted(_xlsx_names(response.content)) == names


@pytest.mark.parametrize("char", BAD)
def test_export_of_a_row_stored_before_the_check_does_not_fail(
    staff_client, company, customer_type, char
):
    contact = make_contact(company=company, contact_type=customer_type, name="Stored")
    Contact.objects.filter(pk=contact.pk).update(name=f"Stored{char}Name")
    response = staff_client.get(reverse("contacts:contact_export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert _xlsx_names(response.content)[0] in ("Stored\nName", "StoredName")


# --- deeply nested JSON -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 5_000, 200_000])
def test_deeply_nested_json_answers_400(api_client, customer_type, depth):
    nested = "[" * depth + "1" + "]" * depth
    body = f'{{"name": "Deep", "contact_type": {customer_type.pk}, "notes": {nested}}}'
    response = api_client.generic("POST", "/api/contacts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_json_nested_within_the_limit_is_read(api_client, customer_type):
    body = json.dumps({"name": "Shallow", "contact_type": customer_type.pk, "x": [[[[1]]]]})
    response = api_client.generic("POST", "/api/contacts/", body, content_type="application/json")
    assert response.status_code == 201, response.content


# --- crafted page cursors and ids ---------------------------------------------------------------


def _cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _page_urls() -> list[str]:
    """Every list page addressed by a keyset cursor."""
    from tawasul.contacts.masterdata_views import KINDS

    urls = [
        reverse("contacts:contact_list"),
        reverse("contacts:dealer_list"),
        reverse("org:employee_list"),
        reverse("access:audit"),
        reverse("access:audit") + "?tab=changes",
    ]
    urls += [reverse("contacts:masterdata_list", args=[slug]) for slug in KINDS]
    return urls


def _api_lists() -> list[tuple[str, list[str]]]:
    """Every API list (all are keyset-paginated) with the sorts it accepts."""
    from tawasul.api_urls import router

    lists = []
    for prefix, viewset, _basename in router.registry:
        if hasattr(viewset, "list"):
            lists.append((f"/api/{prefix}/", list(getattr(viewset, "ordering_fields", []) or [])))
    return lists


@pytest.fixture
def listed(admin_user, company, customer_type):
    """A few rows in every list, so that a cursor's conditions are really evaluated."""
    from tawasul.contacts.tests.factories import AreaFactory, IndustryFactory

    for name in ("Alpha", "Bravo", "Charlie"):
        make_contact(company=company, contact_type=customer_type, name=name)
    AreaFactory(company=company, name="Riyadh")
    IndustryFactory(company=company, name="Retail")
    return admin_user


CRAFTED = [
    _cursor({"d": "n", "v": "", "k": 1}),  # an empty date
    _cursor({"d": "n", "v": [1], "k": 1}),  # a value of the wrong type
    _cursor({"d": "n", "v": {"a": 1}, "k": 1}),
    _cursor({"d": "p", "v": "not a date", "k": 1}),
    _cursor({"d": "n", "v": "2024-01-01T00:00:00", "k": 1}),  # a date without a zone
    _cursor({"d": "n", "v": "x\x00y", "k": 1}),
    _cursor({"d": "n", "v": "\ud800", "k": 1}),
    _cursor({"d": "n", "v": 10**40, "k": 1}),
    _cursor({"d": "n", "v": "a", "k": 10**40}),
    _cursor({"d": "n", "v": "a", "k": True}),
    _cursor({"d": "n", "v": float("nan"), "k": 1}),
    _cursor({"d": "n", "v": 1e308, "k": 1}),
    _cursor([]),
    "[" * 10_000,
    base64.urlsafe_b64encode(b"[" * 100_000).decode(),
    "%00",
    "",
]


@pytest.mark.parametrize("cursor", CRAFTED)
def test_crafted_cursor_shows_the_first_page(client, listed, cursor):
    client.force_login(listed)
    for url in _page_urls():
        sorts = ("name", "created_at", "-updated_at", "code") if "/contacts/" in url else ("",)
        for sort in sorts:
            response = client.get(url, {"cursor": cursor, "sort": sort})
            assert response.status_code == 200, (url, sort)


@pytest.mark.parametrize("cursor", CRAFTED)
def test_crafted_cursor_answers_400_in_the_api(client, listed, cursor):
    client.force_login(listed)
    for url, sorts in _api_lists():
        for sort in ["", *sorts]:
            response = client.get(url, {"cursor": cursor, "ordering": sort})
            assert response.status_code in (200, 400), (url, sort, response.status_code)
            if response.status_code == 400:
                assert "cursor" in response.json(), (url, sort)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
_cursor_data = st.fixed_dictionaries(
    {
        "d": st.sampled_from(["n", "p"]) | _json,
        "k": st.integers() | _json,
        "v": _json
        | st.sampled_from(["", "2024-01-01", "2024-01-01T10:00:00+03:00", "Bravo", "-1", "1.5"]),
    }
)
_cursors = st.text(max_size=60) | _json.map(_cursor) | _cursor_data.map(_cursor)


def _keyset_lists(user):
    """Every queryset and sort a list page or API list pages through."""
    from tawasul.access.models import AccessChange, AccessDenial
    from tawasul.contacts.masterdata_views import KINDS
    from tawasul.org.models import Branch, Company, Department, Employee

    lists = [(Contact.objects.all(), s) for s in ("name", "code", "created_at", "-updated_at")]
    lists += [(Contact.objects.all(), s) for s in ("-pk", "id")]
    lists += [
        (m.objects.all(), s)
        for m in (Company, Branch, Department, Employee)
        for s in ("name", "-pk")
    ]
    lists += [(kind.queryset(user), kind.sort) for kind in KINDS.values()]
    lists += [(AccessDenial.objects.all(), "-at"), (AccessChange.objects.all(), "-at")]
    return lists


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cursor=_cursors)
def test_any_cursor_pages_or_is_invalid(listed, cursor):
    from tawasul.core.pagination import InvalidCursor, keyset_paginate

    for queryset, sort in _keyset_lists(listed):
        for keys_first in (False, True):
            try:
                keyset_paginate(queryset, sort=sort, cursor=cursor, size=2, keys_first=keys_first)
            except InvalidCursor:
                pass


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cursor=_cursors)
def test_any_cursor_gives_a_page_or_a_400(client, listed, cursor):
    client.force_login(listed)
    for url in _page_urls():
        assert client.get(url, {"cursor": cursor, "sort": "-created_at"}).status_code == 200
    for url, sorts in _api_lists():
        response = client.get(url, {"cursor": cursor, "ordering": sorts[0] if sorts else ""})
        assert response.status_code in (200, 400), url


@pytest.mark.parametrize("value", ["abc", "²", "١", "-1", "1.5", "9" * 30, ""])
def test_saved_view_delete_with_a_bad_id_is_404(staff_client, staff_user, value):
    from tawasul.core.models import SavedFilter

    kept = SavedFilter.objects.create(user=staff_user, view="contacts", name="Mine", query="q=a")
    response = staff_client.post(reverse("contacts:saved_filter"), {"delete": value})
    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=kept.pk).exists()
    response = staff_client.post(reverse("contacts:saved_filter"), {"delete": str(kept.pk)})
    assert response.status_code == 302 and not SavedFilter.objects.exists()


def test_saved_view_of_an_unknown_list_is_404(staff_client):
    response = staff_client.post(
        reverse("contacts:saved_filter"), {"view": "x" * 300, "name": "Mine", "query": ""}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["²", "9" * 30, "-3", "abc"])
def test_ids_that_are_not_keys_are_skipped_not_a_server_error(
    staff_client, company, customer_type, value
):
    make_contact(company=company, contact_type=customer_type, name="Kept")
    export = staff_client.get(reverse("contacts:contact_export"), {"pk": value})
    assert export.status_code == 200
    bulk = staff_client.post(
        reverse("contacts:contact_bulk"), {"pk": value, "action": "category", "bulk-category": ""}
    )
    assert bulk.status_code == 302


# --- countries ----------------------------------------------------------------------------------


def test_address_country_is_iso_3166_in_the_api(api_client, customer_type):
    def post(country):
        return api_client.post(
            "/api/contacts/",
            {
                "name": f"Country {country}",
                "contact_type": customer_type.pk,
                "addresses": [{"kind": "office", "line1": "Olaya St", "country": country}],
            },
            format="json",
        )

    refused = post("ZZ")
    assert refused.status_code == 400
    errors = refused.json()["addresses"]
    assert "country" in (errors[0] if isinstance(errors, list) else errors["0"])
    assert post("sa").status_code == 201
    from tawasul.contacts.models import Address

    assert list(Address.objects.values_list("country", flat=True)) == ["SA"]


def test_address_country_is_iso_3166_in_the_service_and_the_form(
    staff_client, staff_user, company, customer_type
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        make_contact(
            company=company,
            contact_type=customer_type,
            actor=staff_user,
            addresses=[{"kind": "office", "line1": "x", "country": "zz"}],
        )
    assert "addresses.0.country" in exc.value.message_dict
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        actor=staff_user,
        addresses=[{"kind": "office", "line1": "x", "country": " ae "}],
    )
    assert contact.addresses.get().country == "AE"
    data = {
        "kind": "organisation",
        "contact_type": customer_type.pk,
        "name": "Form country",
        "addresses-TOTAL_FORMS": "1",
        "addresses-INITIAL_FORMS": "0",
        "addresses-0-kind": "office",
        "addresses-0-line1": "Olaya",
        "addresses-0-country": "ZZ",
        **{
            f"{p}-{k}": "0"
            for p in ("persons", "phones", "emails")
            for k in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    response = staff_client.post(reverse("contacts:contact_create"), data)
    assert response.status_code == 200
    assert "country" in response.context["addresses"].forms[0].errors
    data["addresses-0-country"] = "SA"
    assert staff_client.post(reverse("contacts:contact_create"), data).status_code == 302


def test_company_default_country_is_iso_3166(admin_user):
    from rest_framework.test import APIClient

    from tawasul.org.services import company_save

    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/companies/",
        {"code": "ZZC", "name": "Zed", "default_country": "ZZ", "currency": "SAR"},
        format="json",
    )
    assert response.status_code == 400 and "default_country" in response.json()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        company_save(actor=None, code="ZZD", name="Zed", default_country="zz")
    assert "default_country" in exc.value.message_dict
    assert (
        company_save(actor=None, code="KWT", name="K", default_country="kw").default_country == "KW"
    )


def test_import_refuses_an_unknown_country_on_its_row(
    _import_storage, staff_user, company, customer_type, django_capture_on_commit_callbacks
):
    from tawasul.contacts.imports import (
        guess_mapping,
        import_job_create,
        import_job_set_mapping,
        import_job_start,
    )

    content = b"Name,Type,Address,Country\nGood,customer,Olaya,sa\nBad,customer,Olaya,ZZ\n"
    job = import_job_create(
        actor=staff_user, company=company, uploaded_file=SimpleUploadedFile("c.csv", content)
    )
    columns = {int(k): v for k, v in guess_mapping(job.headers).items()}
    import_job_set_mapping(actor=staff_user, job=job, columns=columns)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(actor=staff_user, job=job, dry_run=True)
    job.refresh_from_db()
    assert [e["row"] for e in job.errors] == [3], job.errors
    assert "ZZ" in job.errors[0]["message"]


# --- constraints ------------------------------------------------------------------------------

# Constraints whose message belongs to no single field, or that no input can reach.
NON_FIELD_CONSTRAINTS = {"rule_has_one_grantee", "uniq_sequence"}


def _tawasul_constraints():
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("tawasul.") and "Historical" not in model.__name__:
            for constraint in model._meta.constraints:
                yield model, constraint


def test_every_constraint_has_a_translated_message_at_a_field():
    from django.utils.functional import Promise

    seen = []
    for model, constraint in _tawasul_constraints():
        seen.append(constraint.name)
        message = constraint.violation_error_message
        assert isinstance(message, Promise), constraint.name  # translated, not the default
        assert message != constraint.default_violation_error_message, constraint.name
        assert constraint.name not in str(message)
        assert constraint.violation_error_code == constraint.name
        if constraint.name not in NON_FIELD_CONSTRAINTS:
            field = model.constraint_error_fields[constraint.name]
            model._meta.get_field(field)
    assert "dealer_agreement_dates" in seen and len(seen) >= 9


def _errors_of(response) -> dict:
    return response.json() if response["Content-Type"].startswith("application/json") else {}


def test_dealer_agreement_ending_before_it_starts_is_a_field_message(api_client, company):
    from tawasul.contacts.tests.factories import ContactTypeFactory

    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    payload = {
        "name": "Gulf Dealer",
        "contact_type": dealer_type.pk,
        "dealer_profile": {"agreement_start": "2025-06-01", "agreement_end": "2025-01-01"},
    }
    response = api_client.post("/api/contacts/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    # At the field inside the nested dealer terms, as DRF nests a nested serializer's errors.
    assert body == {
        "dealer_profile": {"agreement_end": ["The agreement cannot end before it starts."]}
    }
    payload["dealer_profile"]["agreement_end"] = "2025-12-31"
    created = api_client.post("/api/contacts/", payload, format="json")
    assert created.status_code == 201
    patched = api_client.patch(
        f"/api/contacts/{created.json()['id']}/",
        {"dealer_profile": {"agreement_end": "2024-12-31"}},
        format="json",
    )
    assert patched.status_code == 400
    assert "agreement_end" in patched.json()["dealer_profile"]


def test_contact_type_code_taken_is_a_field_message(admin_user, client, company):
    from rest_framework.test import APIClient

    from tawasul.contacts.tests.factories import ContactTypeFactory

    ContactTypeFactory(company=company, code="customer", name="Customer")
    client.force_login(admin_user)
    page = client.post(
        reverse("contacts:masterdata_create", args=["contact-types"]),
        {"name": "Customers again", "code": "customer", "is_active": "on"},
    )
    assert page.status_code == 200
    assert "code" in page.context["form"].errors
    assert "uniq_" not in page.content.decode()
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/contact-types/",
        {"company": company.pk, "name": "Again", "code": "customer"},
        format="json",
    )
    assert response.status_code == 400 and "code" in response.json(), response.json()


def test_contact_code_taken_is_a_field_message(api_client, staff_client, company, customer_type):
    make_contact(company=company, contact_type=customer_type, name="First", code="C-77")
    response = api_client.post(
        "/api/contacts/",
        {"name": "Second", "contact_type": customer_type.pk, "code": "C-77"},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["code"]


@pytest.mark.parametrize("kind", ["branch", "employee"])
def test_organisation_codes_taken_are_field_messages(admin_user, client, company, kind):
    from rest_framework.test import APIClient

    from tawasul.org.tests.factories import BranchFactory, EmployeeFactory

    if kind == "branch":
        BranchFactory(company=company, code="RUH")
        data = {"code": "RUH", "name": "Riyadh again", "is_active": "on"}
        api_data = {"company": company.pk, "code": "RUH", "name": "Again"}
    else:
        EmployeeFactory(company=company, code="E-9", user=None)
        data = {"code": "E-9", "name": "Again", "is_active": "on", "account": "none"}
        api_data = {"company": company.pk, "code": "E-9", "name": "Again"}
    client.force_login(admin_user)
    page = client.post(reverse(f"org:{kind}_create"), data)
    assert page.status_code == 200
    assert "code" in page.context["form"].errors, page.context["form"].errors
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(
        f"/api/{kind}es/" if kind == "branch" else "/api/employees/", api_data, format="json"
    )
    assert response.status_code == 400 and "code" in response.json(), response.json()


def test_unreachable_constraints_still_answer_at_their_field(staff_user, company, customer_type):
    from django.core.exceptions import ValidationError

    from tawasul.contacts.models import ContactPerson
    from tawasul.core.models import SavedFilter

    contact = make_contact(
        company=company,
        contact_type=customer_type,
        persons=[{"name": "A", "is_primary": True}, {"name": "B", "is_primary": True}],
    )
    assert contact.persons.filter(is_primary=True).count() == 1  # the service keeps one
    second = ContactPerson(contact=contact, name="C", is_primary=True)
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "is_primary" in exc.value.message_dict
    SavedFilter.objects.create(user=staff_user, view="contacts", name="Mine")
    with pytest.raises(ValidationError) as exc:
        SavedFilter(user=staff_user, view="contacts", name="Mine").full_clean()
    assert exc.value.message_dict == {"name": ["You already have a view with this name."]}


def test_rule_with_two_grantees_is_refused_in_words(staff_user, company):
    from django.core.exceptions import ValidationError

    from tawasul.access.models import RecordRule

    rule = RecordRule(
        company=company,
        name="Both",
        model="contacts.contact",
        user=staff_user,
        role=staff_user.groups.first() or _group(),
        actions=["view"],
    )
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "rule_has_one_grantee" not in str(exc.value)
    assert "role or to a user" in str(exc.value)


def _group():
    from django.contrib.auth.models import Group

    return Group.objects.create(name="Some role")
