"""Import that does not trust its file: encodings, broken CSV and XLSX structure, unpack bombs,
city-only addresses, duplicates, valid-rows mode, SQLite writers during an import, live status.

Each file of `../shared/cases/` (copied into `cases/` next to this module) has a test that
asserts what its README says the import must do.
"""

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tawasul.contacts import imports
from tawasul.contacts.choices import PhoneKind
from tawasul.contacts.imports import (
    import_job_create,
    import_job_set_mapping,
    import_job_start,
)
from tawasul.contacts.models import Address, Contact, Email, ImportJob, Phone
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core.importer import runner
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[3]
CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(autouse=True)
def _import_storage(settings, tmp_path):
    """Uploaded files and the progress cache go to a temporary folder."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tawasul.core.storage.EncryptedFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def importer(staff_user):
    staff_user.user_permissions.add(
        Permission.objects.get(content_type__app_label="contacts", codename="view_importjob")
    )
    return type(staff_user).objects.get(pk=staff_user.pk)


def upload(user, company, content: bytes, name: str = "contacts.csv") -> ImportJob:
    return import_job_create(
        actor=user, company=company, uploaded_file=SimpleUploadedFile(name, content)
    )


def case(name: str) -> bytes:
    return (CASES / name).read_bytes()


def run(job: ImportJob, capture, *, dry_run: bool, **policies) -> ImportJob:
    """Set the policies (if any), queue the job and let the immediate queue run it."""
    if policies:
        ImportJob.objects.filter(pk=job.pk).update(**policies)
        job.refresh_from_db()
    with capture(execute=True):
        import_job_start(actor=job.created_by, job=job, dry_run=dry_run)
    job.refresh_from_db()
    return job


def problems(job: ImportJob) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in job.errors]


def workbook_bytes(build) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    build(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the six cases ------------------------------------------------------------------------------


def test_case_invalid_utf8_reads_utf8_and_reports_the_bad_byte(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, case("invalid-utf8-one-stray-byte.csv"))
    assert job.encoding == "utf-8"
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert problems(job) == [(3, "Name")]
    assert "not valid UTF-8" in job.errors[0]["message"]
    assert job.errors[0]["value"] == "Caf\ufffd Two"  # replaced visibly, not guessed

    job = run(job, django_capture_on_commit_callbacks, dry_run=False, error_policy="valid")
    assert job.status == ImportJob.Status.IMPORTED and job.created_count == 1
    contact = Contact.objects.get(code="U8-1")
    assert contact.name_ar == "مقهى واحد"  # Arabic intact, not read as Windows-1256
    assert not Contact.objects.filter(code="U8-2").exists()


def test_case_unclosed_quote_reports_the_row_that_swallowed_the_rest(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, case("unclosed-quote-last-column.csv"))
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert problems(job) == [(3, "Notes")]
    assert "never closed" in job.errors[0]["message"]
    assert "lines 4 to 5" in job.errors[0]["message"]
    assert job.status == ImportJob.Status.VALIDATED and not Contact.objects.exists()


def test_case_short_row_is_reported_even_with_a_default_type(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, case("short-row.csv"))
    import_job_set_mapping(
        actor=importer, job=job, columns={0: "code", 1: "name"}, contact_type=customer_type
    )
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert problems(job) == [(3, "")]
    assert "2 cells but the header row has 3" in job.errors[0]["message"]
    assert job.status == ImportJob.Status.FAILED and not Contact.objects.exists()


def test_case_city_without_street_imports_addresses_with_the_city(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, case("city-without-street.csv"))
    assert job.mapping["columns"]["4"] == "address1_city"
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    cities = dict(Address.objects.values_list("contact__code", "city"))
    assert cities == {"CT-1": "Riyadh", "CT-2": "Jeddah"}
    assert set(Address.objects.values_list("line1", flat=True)) == {""}


def test_case_duplicate_rows_are_shown_and_the_user_chooses(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    data = case("duplicate-rows.csv")
    job = run(upload(importer, company, data), django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == ImportJob.Status.VALIDATED and not job.errors
    [entry] = job.duplicates
    assert entry["row"] == 3 and entry["earlier_row"] == 2 and entry["action"] == "skip"
    assert set(entry["earlier_reasons"]) == {"name", "phone", "email"}

    job = run(job, django_capture_on_commit_callbacks, dry_run=False)  # default: skip
    assert (job.created_count, job.skipped_count) == (1, 1)
    first = Contact.objects.get()

    # The same file again: both rows match the contact now in the database.
    again = upload(importer, company, data)
    again = run(again, django_capture_on_commit_callbacks, dry_run=True)
    assert [(d["row"], [m["id"] for m in d["matches"]]) for d in again.duplicates] == [
        (2, [first.pk]),
        (3, [first.pk]),
    ]
    assert set(again.duplicates[0]["matches"][0]["reasons"]) >= {"name", "phone", "email"}
    again = run(again, django_capture_on_commit_callbacks, dry_run=False)
    assert (again.created_count, again.skipped_count) == (0, 2)
    assert Contact.objects.count() == 1

    update = run(
        upload(importer, company, data),
        django_capture_on_commit_callbacks,
        dry_run=True,  # an update changes only what a check showed
        duplicate_policy="update",
    )
    update = run(update, django_capture_on_commit_callbacks, dry_run=False)
    # Row 3 repeats row 2, which updates the contact: skipped, never applied on top.
    assert (update.created_count, update.updated_count, update.skipped_count) == (0, 1, 1)
    assert Contact.objects.count() == 1 and Phone.objects.count() == 1

    anyway = run(
        upload(importer, company, data),
        django_capture_on_commit_callbacks,
        dry_run=False,
        duplicate_policy="create",
    )
    assert anyway.created_count == 2 and Contact.objects.count() == 3
    assert [d["action"] for d in anyway.duplicates] == ["create", "create"]


def test_case_control_characters_are_cleaned_and_exports_work(
    staff_client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, case("control-char-in-name.csv"))
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    names = set(Contact.objects.values_list("name", flat=True))
    assert not any(ch in name for name in names for ch in "\x0b\x1f\n")
    for export_format in ("xlsx", "csv"):
        response = staff_client.get(reverse("contacts:contact_export"), {"format": export_format})
        assert response.status_code == 200
        b"".join(response.streaming_content) if response.streaming else response.content


# --- encodings ----------------------------------------------------------------------------------


def test_windows_1256_file_is_still_read_as_windows_1256(company, importer):
    job = upload(importer, company, "Name\nمحمد الأحمد\nعائشة\n".encode("cp1256"))
    assert job.encoding == "windows-1256"


# --- CSV structure ------------------------------------------------------------------------------


def test_quote_closed_rows_later_is_reported_where_it_opened(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = (
        "Code,Name,Type,Notes\n"
        "A-1,One,customer,ok\n"
        'A-2,Two,customer,"opens here\n'
        "A-3,Three,customer,ok\n"
        'A-4,Four,customer,"closes" here\n'
        "A-5,Five,customer,ok\n"
    )
    job = run(
        upload(importer, company, content.encode()),
        django_capture_on_commit_callbacks,
        dry_run=True,
    )
    assert problems(job) == [(3, "Notes")]
    assert "lines 4 to 5" in job.errors[0]["message"]


def test_multi_line_notes_are_not_mistaken_for_swallowed_rows(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = 'Code,Name,Type,Notes\nB-1,One,customer,"first line\nsecond, with a comma"\n'
    job = run(
        upload(importer, company, content.encode()),
        django_capture_on_commit_callbacks,
        dry_run=False,
    )
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    assert Contact.objects.get().notes == "first line\nsecond, with a comma"


def test_long_row_is_reported(company, importer, customer_type, django_capture_on_commit_callbacks):
    job = upload(importer, company, b"Name,Type\nOne,customer\nTwo,customer,extra\n")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert problems(job) == [(3, "")] and "3 cells" in job.errors[0]["message"]


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_formula_without_saved_value_is_reported_by_cell(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    def build(sheet):
        sheet.append(["Name", "Type", "Notes"])
        sheet.append(["Plain Co", "customer", "x"])
        sheet.append(['=CONCAT("Formula", " Co")', "customer", "y"])  # no cached value
        sheet.append(["Error Co", "customer", "#N/A"])

    job = upload(importer, company, workbook_bytes(build), name="f.xlsx")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert problems(job) == [(3, "Name"), (4, "Notes")]
    assert "formula without a saved value" in job.errors[0]["message"]
    assert "#N/A" in job.errors[1]["message"]


def test_xlsx_formulas_with_saved_values_import_their_values(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    """As Excel saves them: the formula and its last result, also an empty text result."""

    def build(sheet):
        sheet.append(["Name", "Type", "Notes"])
        sheet.append(["=A1", "customer", "=C1"])

    data = workbook_bytes(build)
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[part] = (
        parts[part]
        .replace(
            b'<c r="A2"><f>A1</f><v /></c>', b'<c r="A2" t="str"><f>A1</f><v>Cached Co</v></c>'
        )
        .replace(b'<c r="C2"><f>C1</f><v /></c>', b'<c r="C2" t="str"><f>C1</f><v></v></c>')
    )
    assert b"Cached Co" in parts[part] and b"<v></v>" in parts[part]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    job = upload(importer, company, buffer.getvalue(), name="cached.xlsx")
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    assert Contact.objects.get().name == "Cached Co"


def test_xlsx_cells_merged_down_fill_every_row_of_the_range(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    def build(sheet):
        sheet.append(["Name", "Type", "City"])
        for name in ("One", "Two", "Three"):
            sheet.append([name, "customer", "Riyadh" if name == "One" else None])
        sheet.append(["Four", "customer", "Jeddah"])
        sheet.merge_cells("B2:B4")  # one "customer" for three rows
        sheet.merge_cells("C2:C4")

    job = upload(importer, company, workbook_bytes(build), name="m.xlsx")
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    assert dict(Address.objects.values_list("contact__name", "city")) == {
        "One": "Riyadh",
        "Two": "Riyadh",
        "Three": "Riyadh",
        "Four": "Jeddah",
    }


def _bomb(padding: int) -> bytes:
    """A real workbook plus a part of `padding` zero bytes, which compresses about 1000:1."""
    base = workbook_bytes(lambda sheet: sheet.append(["Name"]))
    buffer = io.BytesIO(base)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * padding)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "padding",
    [60 * 1024 * 1024, 3 * 1024 * 1024],  # over 50 MB; under it, but over 100 times the file
)
def test_workbook_that_unpacks_to_too_much_is_refused_at_once(company, importer, padding):
    data = _bomb(padding)
    assert len(data) < 200_000
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, data, name="bomb.xlsx")
    assert time.monotonic() - started < 2
    assert "unpacks to" in exc.value.message_dict["file"][0]


def test_workbook_whose_directory_lies_about_sizes_is_refused(company, importer):
    """The directory says the sheet is small; zipfile stops there and the checksum fails."""
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name'
        b"</t></is></c></row></sheetData></worksheet>" + b" " * (40 * 1024 * 1024)
    )
    base = workbook_bytes(lambda ws: ws.append(["Name"]))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    data = bytearray(buffer.getvalue())
    # Rewrite the central directory's uncompressed size of the sheet to 4 KB.
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    struct.pack_into("<I", data, entry + 24, 4096)
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, bytes(data), name="liar.xlsx")
    assert time.monotonic() - started < 2
    assert "not a valid Excel" in exc.value.message_dict["file"][0]


# --- addresses with a city only, everywhere ------------------------------------------------------


def test_city_only_address_through_service_form_and_api(
    staff_client, api_client, company, customer_type
):
    contact = make_contact(
        company=company, contact_type=customer_type, addresses=[{"city": "Abha"}]
    )
    assert contact.addresses.get().city == "Abha"
    with pytest.raises(ValidationError) as exc:
        make_contact(company=company, contact_type=customer_type, addresses=[{"kind": "office"}])
    assert "addresses.0.line1" in exc.value.message_dict

    response = api_client.post(
        "/api/contacts/",
        {"name": "API Co", "contact_type": customer_type.pk, "addresses": [{"city": "Taif"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    empty = api_client.post(
        "/api/contacts/",
        {"name": "API Two", "contact_type": customer_type.pk, "addresses": [{"kind": "office"}]},
        format="json",
    )
    assert empty.status_code == 400

    form = {
        "kind": "organisation",
        "name": "Form Co",
        "contact_type": customer_type.pk,
        "persons-TOTAL_FORMS": "0",
        "persons-INITIAL_FORMS": "0",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "1",
        "addresses-INITIAL_FORMS": "0",
        "addresses-0-kind": "office",
        "addresses-0-city": "Dammam",
    }
    response = staff_client.post(reverse("contacts:contact_create"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contact.objects.get(name="Form Co").addresses.get().city == "Dammam"
    del form["addresses-0-city"]
    form["name"] = "Form Two"
    response = staff_client.post(reverse("contacts:contact_create"), form)
    assert response.status_code != 302 and not Contact.objects.filter(name="Form Two").exists()


# --- duplicates ---------------------------------------------------------------------------------


def test_update_adds_what_the_contact_lacks_and_keeps_its_code(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    existing = make_contact(
        company=company,
        contact_type=customer_type,
        code="K-1",
        name="Keep Co",
        phones=[{"number": "0501234567"}],
    )
    content = (
        "Code,Name,Type,Phone,Email,City\nNEW-9,Keep Co,customer,0501234567,k@keep.example,Abha\n"
    )
    job = upload(importer, company, content.encode())
    job = run(job, django_capture_on_commit_callbacks, dry_run=True, duplicate_policy="update")
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED and job.updated_count == 1, job.errors
    existing.refresh_from_db()
    assert existing.code == "K-1" and Contact.objects.count() == 1
    assert list(Phone.objects.values_list("number", flat=True)) == ["+966501234567"]
    assert list(Email.objects.values_list("address", flat=True)) == ["k@keep.example"]
    assert existing.addresses.get().city == "Abha"


def test_update_is_refused_when_several_contacts_match(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    make_contact(company=company, contact_type=customer_type, name="Twin")
    make_contact(company=company, contact_type=customer_type, name="Twin")
    job = upload(importer, company, b"Name,Type\nTwin,customer\n")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True, duplicate_policy="update")
    assert "matches several contacts" in job.errors[0]["message"]


def test_contacts_the_importer_may_not_see_are_never_shown_as_matches(
    company, customer_type, django_capture_on_commit_callbacks
):
    from tawasul.access.services import rule_save
    from tawasul.conftest import CONTACT_PERMS, MASTER_PERMS, ORG_VIEW_PERMS

    user = UserFactory(username="narrow", perms=CONTACT_PERMS + MASTER_PERMS + ORG_VIEW_PERMS)
    EmployeeFactory(company=company, user=user, code="N001")
    rule_save(
        actor=None,
        company=company,
        name="Customers only",
        model="contacts.contact",
        actions=["view", "change"],
        user=user,
        conditions=[{"field": "contact_type", "operator": "in", "values": [customer_type.pk]}],
    )
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    make_contact(company=company, contact_type=dealer_type, name="Hidden Twin", code="H-1")
    job = upload(user, company, b"Name,Type\nHidden Twin,customer\n")
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.duplicates == []  # nothing about the contact the importer cannot see
    assert job.status == ImportJob.Status.IMPORTED and Contact.objects.count() == 2


# --- all or nothing, or the valid rows ----------------------------------------------------------


def test_valid_rows_mode_imports_the_good_rows_and_reports_the_rest(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = "Name,Type,Phone\nGood One,customer,\nBad,nope,\nGood Two,customer,0112345678\n"
    job = run(
        upload(importer, company, content.encode()),
        django_capture_on_commit_callbacks,
        dry_run=True,
    )
    assert job.status == ImportJob.Status.VALIDATED and problems(job) == [(3, "Type")]
    assert "Nothing was imported" in imports.import_job_summary(
        job
    )  # the default stays all or nothing

    job = run(job, django_capture_on_commit_callbacks, dry_run=False, error_policy="valid")
    assert job.status == ImportJob.Status.IMPORTED and job.created_count == 2
    assert "1 row with problems was not imported" in imports.import_job_summary(job)
    assert set(Contact.objects.values_list("name", flat=True)) == {"Good One", "Good Two"}
    # A landline is no mobile: the number says which when the column does not.
    assert Phone.objects.get().kind == PhoneKind.WORK


def test_page_offers_to_import_the_valid_rows_after_a_check_with_problems(
    client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    client.force_login(importer)
    content = "Name,Type\nGood,customer\nBad,nope\n"
    job = run(
        upload(importer, company, content.encode()),
        django_capture_on_commit_callbacks,
        dry_run=True,
    )
    page = client.get(reverse("contacts:import_detail", args=[job.pk])).content.decode()
    assert 'value="import_valid"' in page and "Import the 1 valid row, report the rest" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contacts:import_start", args=[job.pk]), {"action": "import_valid"}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED and job.error_policy == "valid"
    assert list(Contact.objects.values_list("name", flat=True)) == ["Good"]


def test_a_check_in_batches_still_links_rows_to_contacts_earlier_rows_create(
    company, importer, customer_type, monkeypatch, django_capture_on_commit_callbacks
):
    """Each check batch is rolled back; a row of a later batch may still name a contact that an
    earlier batch created (its dealer, by code), as it will when the file is imported."""
    monkeypatch.setattr(runner, "BATCH_ROWS", 1)
    ContactTypeFactory(company=company, code="dealer", name="Dealer")
    content = "Code,Name,Type,Dealer\nD-1,Dealer Co,dealer,\nC-1,Customer Co,customer,D-1\n"
    job = upload(importer, company, content.encode())
    import_job_set_mapping(
        actor=importer, job=job, columns={0: "code", 1: "name", 2: "contact_type", 3: "dealer"}
    )
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == ImportJob.Status.VALIDATED and job.errors == []
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert Contact.objects.get(code="C-1").dealer.code == "D-1"


def test_mobile_numbers_stay_mobile(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, b"Name,Type,Phone\nM Co,customer,0501234567\n")
    run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert Phone.objects.get().kind == PhoneKind.MOBILE


@pytest.mark.django_db(transaction=True)
def test_sqlite_all_or_nothing_undoes_written_batches_when_a_row_fails_late(
    company, importer, customer_type, monkeypatch
):
    """Outside a transaction (a worker), SQLite checks, then writes in committed batches; a row
    that fails only while writing undoes the batches before it, updates included."""
    monkeypatch.setattr(runner, "BATCH_ROWS", 2)
    monkeypatch.setattr(runner, "SQLITE_BATCH_PAUSE", 0)
    existing = make_contact(
        company=company, contact_type=customer_type, name="Old Name Co", code="U-1", notes="before"
    )
    rows = "".join(f"N-{n},New {n},customer,\n" for n in range(5))
    content = "Code,Name,Type,Notes\nU-1,Old Name Co,customer,after\n" + rows
    job = upload(importer, company, content.encode())
    ImportJob.objects.filter(pk=job.pk).update(duplicate_policy="update")
    import_job_start(actor=importer, job=job, dry_run=True)  # an update needs a check first
    job.refresh_from_db()
    real_create = imports.contact_create
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    calls = {"N-3": 0, "all": 0}

    def create_failing_late(**kwargs):
        # Row 6 (N-3) passes the check and fails when written, as when another user took its
        # code in between. SQLite creates each row twice (check, write); PostgreSQL once.
        calls["all"] += 1
        if kwargs["data"].get("code") == "N-3":
            calls["N-3"] += 1
            if calls["N-3"] == (2 if sqlite else 1):
                raise ValidationError({"code": "This code cannot be used."})
        return real_create(**kwargs)

    monkeypatch.setattr(imports, "contact_create", create_failing_late)
    import_job_start(actor=importer, job=job, dry_run=False)  # autocommit: runs at once
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and problems(job) == [(6, "Code")]
    assert list(Contact.objects.values_list("code", flat=True)) == ["U-1"]
    existing.refresh_from_db()
    assert existing.notes == "before"
    if sqlite:  # the check (5 new rows), then the write: N-0, N-1, N-2 committed, N-3 failed
        assert calls["all"] == 9


def test_a_stale_batched_import_says_its_written_rows_are_kept(company, staff_user):
    from datetime import timedelta

    from django.utils import timezone

    common = {"company": company, "created_by": staff_user, "file_format": "csv"}
    common["status"] = ImportJob.Status.RUNNING
    batched = ImportJob.objects.create(
        original_name="b.csv", dry_run=False, error_policy="valid", **common
    )
    check = ImportJob.objects.create(original_name="c.csv", dry_run=True, **common)
    later = timezone.now() + timedelta(hours=3)
    assert imports.import_job_fail_stale(now=later) == 2
    batched.refresh_from_db()
    check.refresh_from_db()
    assert "Rows written before it stopped are kept" in batched.message
    assert "Nothing was imported" in check.message


# --- writers during a long import on SQLite ------------------------------------------------------

CONCURRENCY_SCRIPT = textwrap.dedent(
    """
    import json, os, threading, time
    from django.contrib.auth.models import Permission, User
    from django.core.files.base import ContentFile
    from django.db import OperationalError, connection
    from tawasul.access.services import rule_save
    from tawasul.contacts import imports
    from tawasul.contacts.models import Contact, ContactType, ImportJob
    from tawasul.contacts.services import contact_create
    from tawasul.org.models import Company, Employee

    if os.environ.get("ONE_LONG_TRANSACTION"):  # how it was: to see this test fail
        from tawasul.core.importer import runner
        runner.BATCH_ROWS = runner.BATCH_SECONDS = 10**9
    company = Company.objects.create(code="L", name="Lock Co")
    kind = ContactType.objects.create(company=company, code="customer", name="Customer")
    user = User.objects.create(username="importer")
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["import_contact", "add_contact", "view_contact", "view_importjob"]))
    Employee.objects.create(company=company, user=user, code="E1", name="Importer")
    rule_save(actor=None, company=company, name="All", model="contacts.contact",
              actions=["view", "change"], user=user, all_records=True)
    user = User.objects.get(pk=user.pk)
    rows = "".join(f"L-{n},Contact {n},customer,05012{n:05d}\\n" for n in range(ROWS))
    job = imports.import_job_create(actor=user, company=company, uploaded_file=ContentFile(
        ("Code,Name,Type,Phone\\n" + rows).encode(), name="lock.csv"))
    ImportJob.objects.filter(pk=job.pk).update(status="queued")

    def run_import():
        try:
            imports.import_job_run(job_id=job.pk, dry_run=False)
        finally:
            connection.close()

    worker = threading.Thread(target=run_import)
    worker.start()
    with connection.cursor() as cursor:  # a writer that gives up after 2 s, not 10
        cursor.execute("PRAGMA busy_timeout = 2000")
    writes = [
        lambda n: contact_create(actor=user, company=company,
                                 data={"contact_type": kind, "name": f"Typed {n}"}),
        lambda n: imports.import_job_fail_stale(),  # the periodic sweep writes too
    ]
    waits, failures, n = [], [], 0
    while worker.is_alive():
        n += 1
        for write in writes:
            started = time.monotonic()
            try:
                write(n)
            except OperationalError as exc:
                failures.append(str(exc))
            waits.append(time.monotonic() - started)
        time.sleep(0.1)
    worker.join()
    job.refresh_from_db()
    print("RESULT" + json.dumps({"waits": waits, "failures": failures, "status": job.status,
          "created": job.created_count, "message": job.message}))
    """
)


@pytest.mark.slow
def test_sqlite_writers_wait_briefly_and_never_fail_during_a_long_import(tmp_path):
    """A SQLite database file, an import in one thread, a writer with a 2-second patience in
    another: every write succeeds, none waits near its limit."""
    env = {
        **os.environ,
        "TAWASUL_TESTING": "1",
        "TAWASUL_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "tawasul.settings",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]

    def call(*args: str) -> str:
        done = subprocess.run(
            manage + list(args),
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    call("migrate", "--noinput", "-v", "0")
    output = call("shell", "-c", CONCURRENCY_SCRIPT.replace("ROWS", "400"))
    result = json.loads(output.split("RESULT", 1)[1])
    assert result["status"] == "imported" and result["created"] == 400, result["message"]
    assert result["failures"] == []
    assert len(result["waits"]) >= 10  # the import ran long enough to be in the way
    assert max(result["waits"]) < 1.5, result["waits"]  # a batch, not the whole import


# --- the status badge follows the job -----------------------------------------------------------


def test_progress_fragment_updates_the_heading_badge_out_of_band(
    client, company, importer, customer_type
):
    client.force_login(importer)
    job = upload(importer, company, b"Name\nx\n")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    detail = client.get(reverse("contacts:import_detail", args=[job.pk])).content.decode()
    assert '<span id="import-badge">' in detail and "Queued" in detail

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATED, message="Check passed."
    )
    fragment = client.get(
        reverse("contacts:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    badge = fragment.split('<span id="import-badge" hx-swap-oob="true">', 1)[1]
    assert "Check passed" in badge and "Queued" not in badge
    assert "hx-trigger" not in fragment  # finished: the polling stops


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_badge_and_status_change_in_the_browser_when_the_job_finishes(
    page, company, importer, customer_type
):
    from playwright.sync_api import expect

    job = upload(importer, company, b"Name,Type\nx,customer\n")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.goto(reverse("contacts:import_detail", args=[job.pk]))
    expect(page.locator("#import-badge")).to_contain_text("Queued")

    # The worker finishes; no reload: the polled block brings the heading's badge along.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATED, message="Check passed: all 1 rows can be imported."
    )
    expect(page.locator("#import-badge")).to_contain_text("Check passed")
    expect(page.locator("#import-banner")).to_contain_text("Check passed")
    expect(page.locator("#import-now")).to_be_visible()
