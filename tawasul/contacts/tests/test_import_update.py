# ruff: noqa: F811 (fixtures imported from the export and import tests)
"""Updating existing contacts from a file changes exactly the contacts the check showed.

A row whose code is a contact's code updates that contact; a row is never applied to a contact
it reaches only through another row of the file; several matches without a code are reported;
and an import updates only contacts its check showed for the row.
"""

import pytest
from django.core.exceptions import ValidationError

from tawasul.contacts.imports import import_job_set_policies, import_job_start
from tawasul.contacts.models import Contact, ImportJob
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.contacts.tests.test_export_roundtrip import (  # noqa: F401 (fixtures)
    _import_storage,
    export,
    snapshot,
    world,
)
from tawasul.contacts.tests.test_import_hardening import importer, upload  # noqa: F401


def run(job: ImportJob, capture, *, dry_run: bool) -> ImportJob:
    with capture(execute=True):
        import_job_start(actor=job.created_by, job=job, dry_run=dry_run)
    job.refresh_from_db()
    return job


def check_then_update(user, company, content: bytes, name: str, capture) -> ImportJob:
    """As a user does it: upload, keep the guessed mapping, check with "update", import."""
    job = upload(user, company, content, name)
    job = import_job_set_policies(actor=user, job=job, duplicate_policy="update")
    job = run(job, capture, dry_run=True)
    assert job.status == ImportJob.Status.VALIDATED, (job.message, job.errors)
    return run(job, capture, dry_run=False)


@pytest.fixture
def near_twins(company, customer_type, world):
    """Contacts sharing names and e-mails under different codes, each with its own details."""
    dealer_type = ContactTypeFactory(company=company, code="agent", name="Agent")
    made = []
    for code, kind_type, tax, phone in (
        ("C-056", dealer_type, "300000000000011", "+966500000056"),
        ("C-302", customer_type, "300000000000012", "+966500000302"),
        ("C-303", customer_type, "", "+966500000303"),
    ):
        made.append(
            make_contact(
                company=company,
                contact_type=kind_type,
                code=code,
                name="Al Amal Hotels",
                name_ar="فنادق الأمل",
                tax_number=tax,
                notes=f"notes of {code}",
                phones=[{"number": phone, "kind": "mobile"}],
                emails=[{"address": "info@alamal.example", "kind": "work"}],
                addresses=[{"kind": "office", "line1": f"Street {code}", "city": "Riyadh"}],
                persons=[{"name": f"Person of {code}", "phones": [phone.replace("5000", "5111")]}],
            )
        )
    return made


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimporting_an_unchanged_export_with_update_changes_nothing(
    staff_client, staff_user, company, near_twins, fmt, django_capture_on_commit_callbacks
):
    before = snapshot(company)
    content = export(staff_client, fmt)

    job = check_then_update(
        staff_user, company, content, f"contacts.{fmt}", django_capture_on_commit_callbacks
    )

    assert job.status == ImportJob.Status.IMPORTED, (job.message, job.errors)
    assert job.created_count == 0 and job.updated_count == len(before)
    targets = {d["row"]: d["target"] for d in job.duplicates}
    codes = dict(Contact.objects.values_list("pk", "code"))
    # Every row updated the contact of its own code.
    assert sorted(codes[t] for t in targets.values()) == sorted(before)
    assert snapshot(company) == before


def test_code_match_wins_over_an_earlier_row_of_the_file(
    company, importer, customer_type, near_twins, django_capture_on_commit_callbacks
):
    content = (
        b"Code,Name,Type,Email,Notes\n"
        b"C-056,Al Amal Hotels,customer,info@alamal.example,first\n"
        b"C-302,Al Amal Hotels,customer,info@alamal.example,second\n"
    )
    job = check_then_update(importer, company, content, "x.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    notes = dict(Contact.objects.filter(code__in=["C-056", "C-302"]).values_list("code", "notes"))
    assert notes == {"C-056": "first", "C-302": "second"}
    assert Contact.objects.get(code="C-302").tax_number == "300000000000012"


def test_a_row_matching_only_an_earlier_row_is_skipped_not_redirected(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    existing = make_contact(
        company=company, contact_type=customer_type, code="E-1", name="Solo", notes="kept"
    )
    content = (
        b"Code,Name,Type,Email,Notes\n"
        b"N-1,Brand New,customer,same@example.com,new\n"
        b"N-1,Brand New Again,customer,,repeat\n"
        b",Other,customer,same@example.com,other\n"
        b"E-1,Solo,customer,,changed\n"
        b",Solo,customer,,twice\n"
    )
    job = check_then_update(importer, company, content, "x.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    actions = {d["row"]: (d["action"], d["repeats"]) for d in job.duplicates}
    assert actions == {3: ("repeat", 2), 4: ("repeat", 2), 5: ("update", None), 6: ("repeat", 5)}
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 3)
    new = Contact.objects.get(code="N-1")
    assert (new.name, new.notes) == ("Brand New", "new")
    existing.refresh_from_db()
    assert existing.notes == "changed"


def test_several_matches_without_a_code_match_are_reported_not_updated(
    company, importer, near_twins, django_capture_on_commit_callbacks
):
    before = snapshot(company)
    content = b"Name,Type,Notes\nAl Amal Hotels,customer,which one?\n"
    job = upload(importer, company, content)
    job = import_job_set_policies(actor=importer, job=job, duplicate_policy="update")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert [d["action"] for d in job.duplicates] == ["failed"]
    assert "matches several contacts" in job.errors[0]["message"]
    assert snapshot(company) == before


def test_update_changes_only_contacts_the_check_showed(
    company, importer, customer_type, django_capture_on_commit_callbacks
):
    job = upload(importer, company, b"Name,Type,Notes\nLate Comer,customer,from file\n")
    job = import_job_set_policies(actor=importer, job=job, duplicate_policy="update")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert job.created_count == 1 and not job.duplicates
    # Someone adds a contact of the same name after the check.
    late = make_contact(
        company=company, contact_type=customer_type, name="Late Comer", notes="theirs"
    )
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.FAILED
    assert "which the check did not show" in job.errors[0]["message"]
    late.refresh_from_db()
    assert late.notes == "theirs" and Contact.objects.count() == 1


def test_update_without_a_check_is_refused(company, importer, customer_type):
    job = upload(importer, company, b"Name,Type\nX,customer\n")
    job = import_job_set_policies(actor=importer, job=job, duplicate_policy="update")
    with pytest.raises(ValidationError, match="Check the file before updating"):
        import_job_start(actor=importer, job=job, dry_run=False)


def test_summary_and_reasons_are_said_in_the_readers_language(
    client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    """The check ran in English; an Arabic reader reads its result in Arabic, file names and
    values isolated, the match reasons joined with the Arabic comma."""
    from django.urls import reverse

    from tawasul.core.middleware import SESSION_LANGUAGE

    make_contact(
        company=company,
        contact_type=customer_type,
        code="R-1",
        name="Rasheed Co",
        emails=[{"address": "r@rasheed.example"}],
    )
    content = b"Name,Type,Email\nRasheed Co,customer,r@rasheed.example\nFresh,customer,\n"
    job = upload(importer, company, content, "rows.csv")
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert job.message == ""  # nothing said in the language the check ran in
    client.force_login(importer)
    session = client.session
    session[SESSION_LANGUAGE] = "ar"
    session.save()
    page = client.get(reverse("contacts:import_detail", args=[job.pk])).content.decode()
    assert "Check passed" not in page and "Nothing was written" not in page
    assert "<bdi>rows.csv</bdi>" in page
    assert "الاسم، البريد الإلكتروني" in page  # name, e-mail
    listing = client.get(reverse("contacts:import_list")).content.decode()
    assert "Check passed" not in listing and "<bdi>rows.csv</bdi>" in listing


def test_rows_swallowed_by_an_open_quote_are_counted_and_block_valid_rows(
    client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from django.urls import reverse

    path = Path("/work/shared/cases/unclosed-quote-last-column.csv")
    content = (
        path.read_bytes()
        if path.exists()
        else (
            b"Code,Name,Type,Notes\nQ2-1,Quote One,customer,ok\n"
            b'Q2-2,Quote Two,customer,"unclosed note\nQ2-3,Quote Three,customer,ok\n'
            b"Q2-4,Quote Four,customer,ok\n"
        )
    )
    job = upload(importer, company, content)
    assert job.total_rows == 4  # rows 4 and 5 sit in row 3's cell, but they are rows
    job = run(job, django_capture_on_commit_callbacks, dry_run=True)
    assert [e.get("swallowed") for e in job.errors] == [[4, 5]]
    client.force_login(importer)
    page = client.get(reverse("contacts:import_detail", args=[job.pk])).content.decode()
    assert 'id="import-valid"' not in page and 'id="import-now"' not in page
    assert "Lines 4 to 5 of the file were read into one cell" in page


def test_control_characters_become_spaces_and_the_check_names_their_cells(
    client, company, importer, customer_type, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    content = b"Code,Name,Type\nCTL-1,Vertical\x0bTab Co,customer\nCTL-2,Unit\x1fSep Co,customer\n"
    job = run(upload(importer, company, content), django_capture_on_commit_callbacks, dry_run=True)
    assert job.mapping["cleaned"] == [
        {"row": 2, "column": "Name", "chars": ["U+000B"]},
        {"row": 3, "column": "Name", "chars": ["U+001F"]},
    ]
    client.force_login(importer)
    page = client.get(reverse("contacts:import_detail", args=[job.pk])).content.decode()
    assert 'id="import-cleaned"' in page and "U+001F" in page
    job = run(job, django_capture_on_commit_callbacks, dry_run=False)
    assert job.status == ImportJob.Status.IMPORTED, job.errors
    names = sorted(Contact.objects.values_list("name", flat=True))
    assert names == ["Unit Sep Co", "Vertical Tab Co"]
