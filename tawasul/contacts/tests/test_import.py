"""Contact import: reading files, checking rows, all-or-nothing writes, pages and the task queue."""

import csv
import io
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tawasul.contacts import imports
from tawasul.contacts.imports import (
    guess_mapping,
    import_job_create,
    import_job_progress,
    import_job_run,
    import_job_set_mapping,
    import_job_start,
    import_job_summary,
)
from tawasul.contacts.models import Address, Contact, ContactPerson, Email, ImportJob, Phone
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactTypeFactory,
    IndustryFactory,
    ProductGroupFactory,
    make_contact,
)
from tawasul.core.importer import progress
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[3]

HEADER = (
    "Code,Name,Arabic name,Type,Area,Industry,Phone,E-mail,Address,City,Latitude,Longitude,"
    "Person 1 name,Person 1 title,Person 1 phone,Person 2 name,Person 2 email,Product groups,"
    "Representative\n"
)
GOOD_ROWS = (
    "C-1,Al Noor Trading,النور للتجارة,customer,Riyadh,Retail,0112345678,info@noor.example,"
    "King Fahd Road,Riyadh,24.7136,46.6753,Omar Saleh,Buyer,0501234567,Huda Ali,"
    "huda@noor.example,Paints; Tools,S001\n"
    "C-2,Sara Ahmed,سارة أحمد,Customer,الرياض,,0509876543;0551112222,,,,,,,,,,,,\n"
)


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
    return type(staff_user).objects.get(pk=staff_user.pk)  # fresh permission cache


@pytest.fixture
def master(company, customer_type):
    """The master data the sample rows refer to."""
    return {
        "riyadh": AreaFactory(company=company, name="Riyadh", name_ar="الرياض"),
        "retail": IndustryFactory(company=company, name="Retail", name_ar="التجزئة"),
        "paints": ProductGroupFactory(company=company, name="Paints"),
        "tools": ProductGroupFactory(company=company, name="Tools", name_ar="عدد"),
    }


def upload(user, company, content: bytes, name: str = "contacts.csv") -> ImportJob:
    return import_job_create(
        actor=user, company=company, uploaded_file=SimpleUploadedFile(name, content)
    )


def run(job: ImportJob, *, dry_run: bool, capture) -> ImportJob:
    """Queue the job and let the (immediate) task queue run it after commit."""
    with capture(execute=True):
        import_job_start(actor=job.created_by, job=job, dry_run=dry_run)
    job.refresh_from_db()
    return job


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading files ----------------------------------------------------------------------------


def test_guess_mapping_reads_english_and_arabic_headers():
    headers = [
        "Customer code",
        "الاسم",
        "Name (Arabic)",
        "نوع العميل",
        "الهاتف",
        "Mobile",
        "E-mail",
        "العنوان",
        "المدينة",
        "Person 1: name",
        "هاتف الشخص 1",
        "person2_email",
        "Whatever",
    ]
    assert guess_mapping(headers) == {
        "0": "code",
        "1": "name",
        "2": "name_ar",
        "3": "contact_type",
        "4": "phone",
        "5": "phone",
        "6": "email",
        "7": "address1_line1",
        "8": "address1_city",
        "9": "person1_name",
        "10": "person1_phone",
        "11": "person2_email",
    }


def test_utf8_csv_imports_contacts_with_persons_addresses_and_links(
    company, importer, master, django_capture_on_commit_callbacks
):
    job = upload(importer, company, (HEADER + GOOD_ROWS).encode())
    assert (job.file_format, job.encoding, job.total_rows) == ("csv", "utf-8", 2)
    assert job.mapping["columns"]["18"] == "representative"

    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.IMPORTED, job.errors
    assert job.created_count == 2 and import_job_summary(job) == "Imported 2 contacts."
    noor = Contact.objects.get(company=company, code="C-1")
    assert noor.name_ar == "النور للتجارة" and noor.area == master["riyadh"]
    assert noor.industry == master["retail"] and noor.representative.code == "S001"
    assert set(noor.product_groups.all()) == {master["paints"], master["tools"]}
    assert noor.created_by == importer
    omar = ContactPerson.objects.get(contact=noor, name="Omar Saleh")
    assert omar.is_primary and omar.title == "Buyer"
    assert omar.phones.get().number == "+966501234567"
    assert Email.objects.get(contact=noor, person__name="Huda Ali").address == "huda@noor.example"
    address = Address.objects.get(contact=noor)
    assert (address.line1, address.city, str(address.latitude)) == (
        "King Fahd Road",
        "Riyadh",
        "24.713600",
    )
    assert Phone.objects.get(contact=noor, person=None).number == "+966112345678"
    sara = Contact.objects.get(company=company, code="C-2")
    assert sara.area == master["riyadh"]  # matched by its Arabic name
    assert set(sara.phones.values_list("number", flat=True)) == {"+966509876543", "+966551112222"}
    assert not job.file  # the uploaded copy is removed once its rows are contacts


def test_utf8_bom_csv_with_arabic_headers_and_semicolons(
    company, importer, customer_type, master, django_capture_on_commit_callbacks
):
    customer_type.name_ar = "عميل"
    customer_type.save()
    content = "الكود;الاسم;النوع;الهاتف;المنطقة\nA-1;مؤسسة الأمل;عميل;0501234567;الرياض\n"
    job = upload(importer, company, content.encode("utf-8-sig"))
    assert job.encoding == "utf-8-bom"
    assert job.headers[0] == "الكود"
    assert job.mapping["columns"] == {
        "0": "code",
        "1": "name",
        "2": "contact_type",
        "3": "phone",
        "4": "area",
    }
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    contact = Contact.objects.get(code="A-1")
    assert contact.name == "مؤسسة الأمل" and contact.area == master["riyadh"]


def test_windows_1256_arabic_csv(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = "Name,Arabic name,Notes\nAl Amal,مؤسسة الأمل,عميل قديم\n"
    job = upload(importer, company, content.encode("cp1256"))
    assert job.encoding == "windows-1256"
    import_job_set_mapping(
        actor=importer,
        job=job,
        columns={0: "name", 1: "name_ar", 2: "notes"},
        contact_type=customer_type,
    )
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    contact = Contact.objects.get(name="Al Amal")
    assert (contact.name_ar, contact.notes) == ("مؤسسة الأمل", "عميل قديم")
    assert contact.contact_type == customer_type and contact.code.startswith("C-")


def test_tab_separated_csv(company, importer, customer_type):
    job = upload(importer, company, b"Name\tPhone\nOne\t0501234567\nTwo\t0501234568\n")
    assert job.mapping["columns"] == {"0": "name", "1": "phone"}
    assert job.total_rows == 2


def test_xlsx_import(company, importer, master, django_capture_on_commit_callbacks):
    content = xlsx_bytes(
        [
            ["Code", "Name", "Type", "Phone", "Latitude", "Longitude", "Address", "Person name"],
            ["X-1", "Workbook Co", "customer", "0501234567", 24.5, 46.25, "Street 1", "Ali"],
            [None, None, None, None, None, None, None, None],  # blank rows are skipped
            [1002, "Numbers Co", "customer", 501234568, None, None, None, None],
        ]
    )
    job = upload(importer, company, content, name="contacts.xlsx")
    assert (job.file_format, job.total_rows) == ("xlsx", 2)
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    first = Contact.objects.get(code="X-1")
    assert first.addresses.get().longitude == pytest.approx(46.25)
    assert first.persons.get().name == "Ali"
    assert Contact.objects.get(code="1002").phones.get().number == "+966501234568"


# --- all or nothing ---------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_reports_row_and_column(
    company, importer, master, django_capture_on_commit_callbacks
):
    bad = "C-3,Broken Co,,customer,Atlantis,,12,not-an-email,,,,,,,,,,,\n"
    job = upload(importer, company, (HEADER + GOOD_ROWS + bad).encode())
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.FAILED
    assert not Contact.objects.filter(company=company).exists()
    assert not ContactPerson.objects.exists() and not Address.objects.exists()
    assert job.created_count == 0
    by_column = {e["column"]: e for e in job.errors}
    assert set(by_column) == {"Area", "Phone", "E-mail"}
    assert {e["row"] for e in job.errors} == {4}
    assert "Atlantis" in by_column["Area"]["message"]
    assert by_column["Phone"]["value"] == "12"
    assert import_job_summary(job) == "Nothing was imported: 3 problems in 1 row."


def test_unknown_contact_type_and_other_problems_of_the_row_are_reported(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = "Code,Name,Type\nT-1,,vendor\nT-2,Fine,customer\n"
    job = upload(importer, company, content.encode())
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    assert sorted((e["row"], e["column"]) for e in job.errors) == [(2, "Name"), (2, "Type")]
    assert "vendor" in next(e["message"] for e in job.errors if e["column"] == "Type")
    assert import_job_summary(job) == "Nothing was imported: 2 problems in 1 row."


def test_unknown_area_is_a_row_error_and_no_area_is_created(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    from tawasul.contacts.models import Area

    job = upload(importer, company, b"Name,Type,Area\nA,customer,Nowhere\n")
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    assert job.errors == [
        {
            "row": 2,
            "column": "Area",
            "field": "area",
            "value": "Nowhere",
            "message": "No area is called “Nowhere”. Add it under master data first, or fix the value.",
        }
    ]
    assert not Area.objects.exists()


def test_dry_run_writes_nothing_then_import_writes_all(
    company, importer, master, django_capture_on_commit_callbacks
):
    job = upload(importer, company, (HEADER + GOOD_ROWS).encode())
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALIDATED and job.errors == []
    assert job.processed_rows == 2
    assert "all 2 rows can be imported" in import_job_summary(job)
    assert not Contact.objects.exists() and not Phone.objects.exists()

    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED
    assert Contact.objects.count() == 2
    with pytest.raises(ValidationError):  # an imported job cannot run twice
        import_job_start(actor=importer, job=job, dry_run=False)


def test_duplicate_codes_in_the_file_and_in_the_database(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    make_contact(company=company, contact_type=customer_type, code="OLD", name="Old")
    content = "Code,Name,Type\nN-1,One,customer\nN-1,Two,customer\nOLD,Three,customer\n"
    job = upload(importer, company, content.encode())
    # "Import anyway": a code is a duplicate key too; skipping or updating is tested elsewhere.
    ImportJob.objects.filter(pk=job.pk).update(duplicate_policy="create")
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "code"), (4, "code")]
    assert "row 2" in job.errors[0]["message"]
    assert Contact.objects.count() == 1


def test_every_problem_of_a_row_is_reported(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = (
        "Name,Type,Lifecycle,Website,Representative,Person 1 phone,Latitude,Address\n"
        ",customer,Someday,not a url,NOPE,0501234567,95,\n"
    )
    job = upload(importer, company, content.encode())
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    fields = sorted(e["field"] for e in job.errors)
    assert fields == [
        "address1_latitude",
        "lifecycle",
        "name",
        "person1_name",
        "representative",
        "website",
    ]


def test_malformed_row_with_extra_cells_is_reported(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, b"Name,Type\nOne,customer\nTwo,customer,extra\n")
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "")]
    assert "3 cells" in job.errors[0]["message"]


def test_exported_formula_guard_is_undone(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    content = "Name,Type,Phone,Notes\nGuarded,customer,'+966501234567,'=SUM(A1)\n"
    job = upload(importer, company, content.encode())
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    contact = Contact.objects.get(name="Guarded")
    assert contact.notes == "=SUM(A1)"
    assert contact.phones.get().number == "+966501234567"


def test_import_needs_the_add_permission(
    company, customer_type, django_capture_on_commit_callbacks
):
    user = UserFactory(perms=["contacts.import_contact"])
    EmployeeFactory(company=company, user=user)
    job = upload(user, company, b"Name,Type\nOne,customer\n")
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "may not add" in import_job_summary(job)
    assert not Contact.objects.exists()


def test_run_is_idempotent(company, importer, customer_type, django_capture_on_commit_callbacks):
    job = upload(importer, company, b"Name,Type\nOne,customer\n")
    job = run(job, dry_run=False, capture=django_capture_on_commit_callbacks)
    assert import_job_run(job_id=job.pk, dry_run=False) is None  # a retried task does nothing
    assert Contact.objects.count() == 1


def test_progress_is_published_while_the_transaction_is_open(
    company, importer, customer_type, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    original = progress.ProgressReporter.update

    def spy(self, processed):
        original(self, processed)
        running = ImportJob.objects.get(pk=self.job_id)
        seen.append((processed, import_job_progress(job=running)))

    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(progress.ProgressReporter, "update", spy)
    rows = "".join(f"Row {n},customer\n" for n in range(5))
    job = upload(importer, company, ("Name,Type\n" + rows).encode())
    job = run(job, dry_run=True, capture=django_capture_on_commit_callbacks)
    assert seen == [(2, 2), (4, 4)]
    assert job.processed_rows == 5 and job.progress == 100


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_during_a_committed_run(
    company, importer, customer_type, monkeypatch
):
    """Outside any caller transaction, as in a worker: progress leaves the import transaction."""
    from django.db import connection, connections

    seen = []
    original = progress.ProgressReporter.update

    def spy(self, processed):
        original(self, processed)
        from_cache = progress.progress_cache().get(self.key)
        from_row = None
        if connection.vendor == "postgresql":  # SQLite: one writer, the cache carries it
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT processed_rows FROM contacts_importjob WHERE id = %s", [self.job_id]
                    )
                    from_row = cursor.fetchone()[0]
            finally:
                other.close()
        seen.append((processed, from_cache, from_row))

    monkeypatch.setattr(progress, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(progress.ProgressReporter, "update", spy)
    rows = "".join(f"Row {n},customer\n" for n in range(7))
    job = upload(importer, company, ("Name,Type\n" + rows).encode())
    import_job_start(actor=importer, job=job, dry_run=False)  # autocommit: runs at once
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED, (job.errors, job.message)
    if connection.vendor == "postgresql":
        assert seen == [(3, 3, 3), (6, 6, 6)]
    else:
        # SQLite checks every row, then writes them batch by batch: each pass is half the bar.
        assert seen == [(2, 2, None), (3, 3, None), (5, 5, None), (6, 6, None)]
    assert Contact.objects.count() == 7


# --- files that are refused ---------------------------------------------------------------------


def test_oversized_file_is_rejected(company, importer, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, ("Name\n" + "x" * 200 + "\n").encode())
    assert "too large" in exc.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_too_many_rows_is_rejected(company, importer, settings):
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, b"Name\na\nb\nc\n")
    assert "more than 2 rows" in exc.value.message_dict["file"][0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bytes(range(256)) * 40, "could not be read as a table"),
        (b"PK\x03\x04" + os.urandom(500), "not a valid Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "Old Excel files (.xls)"),
        (b"", "empty"),
        (b"\n\n,,,\n", "first row must hold the column names"),
        (b"Name,Phone\n", "no data rows"),
    ],
)
def test_unusable_files_are_rejected_with_a_clear_message(company, importer, content, expected):
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, content)
    assert expected in exc.value.message_dict["file"][0]


def test_a_zip_that_is_not_a_workbook_is_rejected(company, importer):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError) as exc:
        upload(importer, company, buffer.getvalue(), name="x.xlsx")
    assert "not a valid Excel" in exc.value.message_dict["file"][0]


def test_mapping_errors_are_keyed_by_column(company, importer, customer_type):
    job = upload(importer, company, b"A,B,C\n1,2,3\n")
    with pytest.raises(ValidationError) as exc:
        import_job_set_mapping(actor=importer, job=job, columns={0: "code", 1: "code", 2: "phone"})
    errors = exc.value.message_dict
    assert "column_1" in errors and "__all__" in errors and "contact_type" in errors
    other_type = ContactTypeFactory(company=CompanyFactory(), code="customer")
    with pytest.raises(ValidationError) as exc:
        import_job_set_mapping(
            actor=importer, job=job, columns={0: "name"}, contact_type=other_type
        )
    assert "another company" in exc.value.message_dict["contact_type"][0]


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def import_client(client, importer):
    client.force_login(importer)
    return client


def test_pages_upload_map_check_import_and_report(
    import_client, company, master, django_capture_on_commit_callbacks
):
    response = import_client.get(reverse("contacts:import_upload"))
    assert response.status_code == 200 and 'type="file"' in response.text

    upload_file = SimpleUploadedFile("my contacts.csv", (HEADER + GOOD_ROWS).encode())
    response = import_client.post(reverse("contacts:import_upload"), {"file": upload_file})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:import_mapping", args=[job.pk])

    response = import_client.get(response["Location"])
    assert response.status_code == 200
    assert '<option value="representative" selected>' in response.text
    assert "Al Noor Trading" in response.text  # the sample of the first rows

    post = {f"column_{c}": k for c, k in job.mapping["columns"].items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = import_client.post(
            reverse("contacts:import_mapping", args=[job.pk]), {**post, "action": "check"}
        )
    assert response["Location"] == reverse("contacts:import_detail", args=[job.pk])
    page = import_client.get(response["Location"]).text
    assert "all 2 rows can be imported" in page and 'id="import-now"' in page
    assert not Contact.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = import_client.post(
            reverse("contacts:import_start", args=[job.pk]), {"action": "import"}
        )
    page = import_client.get(response["Location"]).text
    assert "Imported 2 contacts." in page
    assert Contact.objects.count() == 2
    listing = import_client.get(reverse("contacts:import_list")).text
    assert "my contacts.csv" in listing and "Imported 2 contacts." in listing


def test_page_report_lists_problems_and_downloads_guarded_csv(
    import_client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, b"Name,Type,Area\nA,customer,=HYPERLINK(1)\n")
    with django_capture_on_commit_callbacks(execute=True):
        import_client.post(
            reverse("contacts:import_mapping", args=[job.pk]),
            {
                "column_0": "name",
                "column_1": "contact_type",
                "column_2": "area",
                "action": "import",
            },
        )
    page = import_client.get(reverse("contacts:import_detail", args=[job.pk])).text
    assert "Nothing was imported: 1 problem in 1 row." in page
    assert 'id="import-report"' in page and "=HYPERLINK(1)" in page
    response = import_client.get(reverse("contacts:import_report", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Problem", "Value"]
    assert rows[1][0] == "2" and rows[1][1] == "Area" and rows[1][3] == "'=HYPERLINK(1)"


def test_page_upload_errors_are_shown_at_the_field(import_client):
    response = import_client.post(
        reverse("contacts:import_upload"),
        {"file": SimpleUploadedFile("junk.csv", os.urandom(2000) + b"\x00")},
    )
    assert response.status_code == 200
    assert "could not be read as a table" in response.text and "is-invalid" in response.text
    assert not ImportJob.objects.exists()


def test_page_mapping_errors_are_shown_at_the_field(import_client, company, importer):
    job = upload(importer, company, b"A,B\n1,2\n")
    response = import_client.post(
        reverse("contacts:import_mapping", args=[job.pk]),
        {"column_0": "code", "column_1": "code", "action": "check"},
    )
    assert response.status_code == 422
    assert "already fed by column" in response.text
    assert "Choose the column that holds the contact" in response.text
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_progress_fragment_polls_while_running_and_stops_when_done(
    import_client, company, importer, customer_type
):
    job = upload(importer, company, ("Name\n" + "x\n" * 10).encode())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, dry_run=False)
    progress.progress_cache().set(progress.progress_key(job), 4)
    url = reverse("contacts:import_progress", args=[job.pk])

    response = import_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.text and f'hx-get="{url}"' in response.text
    assert 'aria-valuenow="40"' in response.text and "Importing row 4 of 10" in response.text
    assert "<html" not in response.text

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTED, processed_rows=10, message="Imported 10 contacts."
    )
    response = import_client.get(url, HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in response.text and "Imported 10 contacts." in response.text


def test_someone_elses_import_is_not_found(import_client, company, customer_type):
    other = UserFactory(perms=["contacts.import_contact", "contacts.add_contact"])
    EmployeeFactory(company=company, user=other)
    job = upload(other, company, b"Name\nx\n")
    for name in ("import_detail", "import_mapping", "import_progress", "import_report"):
        assert import_client.get(reverse(f"contacts:{name}", args=[job.pk])).status_code == 404
    assert import_client.post(reverse("contacts:import_start", args=[job.pk])).status_code == 404
    assert import_client.get(reverse("contacts:import_detail", args=[99999])).status_code == 404


def test_pages_need_the_import_permission(client, company):
    user = UserFactory(perms=["contacts.view_contact"])
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    assert client.get(reverse("contacts:import_list")).status_code == 403
    assert client.get(reverse("contacts:import_upload")).status_code == 403


def test_sample_csv_round_trips_through_the_guessed_mapping(
    import_client, company, importer, customer_type
):
    response = import_client.get(reverse("contacts:import_sample"))
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    job = upload(importer, company, content)
    assert [job.mapping["columns"][str(i)] for i in range(len(job.headers))] == (
        imports.SAMPLE_COLUMNS
    )
    assert job.total_rows == 2


# --- a real task queue --------------------------------------------------------------------------


SETUP_SCRIPT = textwrap.dedent(
    """
    from django.contrib.auth.models import Permission, User
    from django.core.files.base import ContentFile
    from tawasul.contacts.imports import import_job_create, import_job_start
    from tawasul.contacts.models import ContactType
    from tawasul.org.models import Company, Employee

    company = Company.objects.create(code="Q", name="Queue Co")
    ContactType.objects.create(company=company, code="customer", name="Customer")
    user = User.objects.create(username="importer")
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["import_contact", "add_contact", "view_contact", "view_importjob"]))
    Employee.objects.create(company=company, user=user, code="E1", name="Importer")
    from tawasul.access.services import rule_save

    rule_save(actor=None, company=company, name="All contacts", model="contacts.contact",
              actions=["view", "change"], user=user, all_records=True)
    user = User.objects.get(pk=user.pk)
    rows = "".join(f"Q-{n},Contact {n},customer,05012340{n:02d}\\n" for n in range(60))
    data = ("Code,Name,Type,Phone\\n" + rows).encode()
    job = import_job_create(actor=user, company=company,
                            uploaded_file=ContentFile(data, name="queue.csv"))
    import_job_start(actor=user, job=job, dry_run=False)
    print("JOB", job.pk)
    """
)


@pytest.mark.slow
def test_real_huey_consumer_imports_in_the_background(tmp_path):
    """The embedded setup end to end: a SQLite database file, a SQLite queue, a consumer process."""
    env = {
        **os.environ,
        "TAWASUL_TESTING": "1",
        "TAWASUL_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "HUEY_IMMEDIATE": "0",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "HUEY_WORKERS": "1",
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
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    call("migrate", "--noinput", "-v", "0")
    # Enqueued before the consumer starts: the task waits in the SQLite queue file.
    job_id = int(call("shell", "-c", SETUP_SCRIPT).split("JOB")[-1].strip())

    log = tmp_path / "consumer.log"
    with open(log, "w") as log_file:
        consumer = subprocess.Popen(
            manage + ["run_huey"], env=env, cwd=BASE_DIR, stdout=log_file, stderr=log_file
        )
    status = None
    try:
        deadline = time.monotonic() + 60
        database = tmp_path / "tawasul.sqlite3"
        while time.monotonic() < deadline:
            with sqlite3.connect(database, timeout=10) as db:
                status, created, message = db.execute(
                    "SELECT status, created_count, message FROM contacts_importjob WHERE id = ?",
                    [job_id],
                ).fetchone()
            if status in {"imported", "failed"}:
                break
            assert consumer.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
    assert status == "imported", (status, message, log.read_text()[-3000:])
    assert created == 60
    with sqlite3.connect(tmp_path / "tawasul.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM contacts_contact").fetchone() == (60,)
        assert db.execute("SELECT COUNT(*) FROM contacts_phone").fetchone() == (60,)


def test_stale_running_jobs_are_failed(company, staff_user):
    from datetime import timedelta

    from django.utils import timezone

    from tawasul.contacts.imports import import_job_fail_stale
    from tawasul.contacts.models import ImportJob

    job = ImportJob.objects.create(
        company=company,
        created_by=staff_user,
        original_name="x.csv",
        file_format="csv",
        status=ImportJob.Status.RUNNING,
    )
    assert import_job_fail_stale() == 0
    assert import_job_fail_stale(now=timezone.now() + timedelta(hours=3)) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "Nothing was imported" in import_job_summary(
        job
    )


def test_uploaded_files_are_encrypted_at_rest(importer, company):
    from pathlib import Path

    job = upload(importer, company, b"Name,Phone\nSecret Client,0501234567\n")
    raw = Path(job.file.path).read_bytes()
    assert raw.startswith(b"TWE1") and b"Secret Client" not in raw
    assert job.total_rows == 1  # and the import reads it back


def test_service_error_paths_are_reported_at_the_columns_that_fed_them():
    """The row report reads a service's structured error (core.errors): a phone's path names
    the column it came from, an address's or person's path its numbered group's column."""
    locate = imports._locate({"phones": [4, 6], "addresses": [2], "persons": [1]})
    assert locate("phones.1.number", "Bad") == ("phone", 6, "Bad")
    assert locate("persons.0.phones", "Bad") == ("person1_phone", None, "Bad")
    assert locate("persons.0", "Bad") == ("person1_name", None, "Bad")
    assert locate("addresses.0.country", "Bad") == ("address2_country", None, "Bad")
    assert locate("addresses.0", "Bad") == ("address2_line1", None, "Bad")
    assert locate("code", "Bad") == ("code", None, "Bad")
    assert locate("", "Bad") == ("", None, "Bad")


def test_the_job_is_the_generic_importers_with_the_contacts_words():
    """contacts.ImportJob keeps its table and fields through core's abstract job; its duplicate
    choices still speak of contacts."""
    from tawasul.core.importer.models import ImportJob as BaseImportJob

    assert issubclass(ImportJob, BaseImportJob) and ImportJob._meta.db_table == "contacts_importjob"
    field = ImportJob._meta.get_field("duplicate_policy")
    assert [str(label) for _value, label in field.choices] == [
        "Skip the row",
        "Update the existing contact",
        "Import it as a new contact anyway",
    ]
