"""Bad input that used to reach something that could not take it (issue 10, section 7).

Control characters, deeply nested JSON, crafted page cursors and ids, unknown countries and
database constraints: each answers a field message (or 400, or the first page), never a 500.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
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
    + ["\U0010ffff", "\ufdd0"],
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
    assert names == ["UnitSep Co", "Vertical Tab Co"]
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
