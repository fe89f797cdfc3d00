"""A file exported from Tawasul imports again unchanged: export, delete, import, compare.

Through the real export view and the real import flow (services and the task), in CSV and
XLSX, with English and Arabic headers; plus what the XLSX file holds cell by cell.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tawasul.contacts import fileformat
from tawasul.contacts.imports import (
    TARGET_BY_KEY,
    guess_mapping,
    import_job_create,
    import_job_set_mapping,
    import_job_start,
)
from tawasul.contacts.models import Contact, ContactCategory, ImportJob, ReferralSource
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactTypeFactory,
    IndustryFactory,
    ProductGroupFactory,
    SegmentFactory,
    SizeFactory,
    make_contact,
)
from tawasul.core.middleware import SESSION_LANGUAGE
from tawasul.org.tests.factories import BranchFactory, EmployeeFactory

FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'


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
def world(company, customer_type, staff_user):
    """Master data and contacts with every field of the file filled, Arabic names included."""
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    wholesale = ContactCategory.objects.create(
        company=company, contact_type=customer_type, name="Wholesale", name_ar="جملة"
    )
    saudi = AreaFactory(company=company, name="Saudi Arabia", name_ar="السعودية", level="country")
    riyadh = AreaFactory(company=company, name="Riyadh", name_ar="الرياض", parent=saudi)
    jeddah = AreaFactory(company=company, name="Jeddah", name_ar="جدة", parent=saudi)
    # Two areas called "Olaya": the file names them with their parents.
    olaya = AreaFactory(
        company=company, name="Olaya", name_ar="العليا", parent=riyadh, level="zone"
    )
    AreaFactory(company=company, name="Olaya", name_ar="العليا", parent=jeddah, level="zone")
    paints = ProductGroupFactory(company=company, name="Paints, coatings", name_ar="دهانات")
    tools = ProductGroupFactory(company=company, name="Tools", name_ar="عدد")
    branch = BranchFactory(company=company, code="RUH", name="Riyadh branch")
    rep = EmployeeFactory(company=company, user=None, code="R001", name="Rami Rep")
    coordinator = EmployeeFactory(company=company, user=None, code="C001", name="Cora")
    manager = EmployeeFactory(company=company, user=None, code="M001", name="Mona")
    referrer_employee = EmployeeFactory(company=company, user=None, code="F001", name="Fahad")
    dealer = make_contact(
        company=company,
        contact_type=dealer_type,
        code="D-1",
        name="Zahra Dealers",  # after the customers by name: the file must still put it first
        name_ar="موزعو الزهراء",
        phones=[{"number": "+966112000001", "kind": "work"}],
    )
    referrer = make_contact(
        company=company,
        contact_type=customer_type,
        code="X-1",
        name="Yasmin Referrer",
        dealer=dealer,
    )
    full = make_contact(
        company=company,
        contact_type=customer_type,
        code="C-1",
        kind="organisation",
        name="Al Bayan Hotels Co.",
        name_ar="فنادق البيان",
        category=wholesale,
        lifecycle="customer",
        tax_number="300000000000003",
        website="https://bayan.example",
        notes="First line\nsecond line, with a comma; and a semicolon",
        area=olaya,
        industry=IndustryFactory(company=company, name="Hospitality", name_ar="الضيافة"),
        segment=SegmentFactory(company=company, name="Enterprise"),
        size=SizeFactory(company=company, name="Large", name_ar="كبيرة"),
        referral_source=ReferralSource.objects.create(
            company=company, name="Expo 2024", name_ar="معرض ٢٠٢٤", kind="exhibition"
        ),
        referred_by_contact=referrer,
        referred_by_employee=referrer_employee,
        branch=branch,
        representative=rep,
        coordinator=coordinator,
        manager=manager,
        dealer=dealer,
        product_groups=[paints, tools],
        phones=[
            {"number": "+966501234567", "kind": "mobile"},
            {"number": "+966112345678", "kind": "work"},
            {"number": "+966112345679", "kind": "fax"},
            {"number": "+966551112222", "kind": "mobile"},
        ],
        emails=[
            {"address": "info@bayan.example", "kind": "work"},
            {"address": "bills@bayan.example", "kind": "billing"},
        ],
        addresses=[
            {
                "kind": "office",
                "line1": "King Fahd Road 12",
                "line2": "Tower B, floor 3",
                "city": "Riyadh",
                "area": olaya,
                "postal_code": "12211",
                "country": "SA",
                "latitude": Decimal("24.713600"),
                "longitude": Decimal("46.675300"),
            },
            {"kind": "billing", "line1": "PO Box 55", "city": "Riyadh", "country": "SA"},
            {"kind": "site", "line1": "طريق الملك عبدالعزيز", "city": "الرياض", "area": riyadh},
        ],
        persons=[
            {
                "name": "Omar Saleh",
                "name_ar": "عمر صالح",
                "title": "Buyer",
                "department": "Purchasing",
                "is_primary": True,
                "phones": ["+966501111111", "+966502222222"],
                "emails": ["omar@bayan.example"],
            },
            {"name": "Huda Ali", "name_ar": "هدى علي", "emails": ["huda@bayan.example"]},
            {"name": "Khalid", "title": "Accountant", "phones": ["+966503333333"]},
        ],
    )
    individual = make_contact(
        company=company,
        contact_type=customer_type,
        code="I-1",
        kind="individual",
        name="Sara Ahmed",
        name_ar="سارة أحمد",
        lifecycle="rejected",
        rejection_reason="Moved abroad",
        emails=[{"address": "sara@example.com", "kind": "personal"}],
    )
    formula = make_contact(
        company=company,
        contact_type=customer_type,
        code="Q-1",
        name=FORMULA_NAME,
        notes="-1 and +2 and @home",
        phones=[{"number": "+966509999999"}],
    )
    return {"contacts": [dealer, referrer, full, individual, formula]}


def snapshot(company) -> dict:
    """Every field the file carries, of every contact of `company`, keyed by code."""
    result = {}
    contacts = Contact.objects.filter(company=company).prefetch_related(
        "product_groups", "phones", "emails", "addresses", "persons__phones", "persons__emails"
    )
    for c in contacts:
        result[c.code] = {
            "plain": [
                c.kind,
                c.name,
                c.name_ar,
                c.lifecycle,
                c.rejection_reason,
                c.tax_number,
                c.website,
                c.notes,
            ],
            "links": [
                c.contact_type_id,
                c.category_id,
                c.area_id,
                c.industry_id,
                c.segment_id,
                c.size_id,
                c.referral_source_id,
                c.referred_by_contact.code if c.referred_by_contact else None,
                c.referred_by_employee_id,
                c.branch_id,
                c.representative_id,
                c.coordinator_id,
                c.manager_id,
                c.dealer.code if c.dealer else None,
            ],
            "product_groups": sorted(g.pk for g in c.product_groups.all()),
            "phones": sorted((p.kind, p.number) for p in c.phones.all() if p.person_id is None),
            "emails": sorted((e.kind, e.address) for e in c.emails.all() if e.person_id is None),
            "addresses": [
                (
                    a.kind,
                    a.line1,
                    a.line2,
                    a.city,
                    a.area_id,
                    a.postal_code,
                    a.country,
                    a.latitude,
                    a.longitude,
                )
                for a in c.addresses.all()
            ],
            "persons": [
                (
                    p.name,
                    p.name_ar,
                    p.title,
                    p.department,
                    p.is_primary,
                    [x.number for x in p.phones.all()],
                    [x.address for x in p.emails.all()],
                )
                for p in c.persons.all()
            ],
        }
    return result


def export(client, fmt: str) -> bytes:
    response = client.get(reverse("contacts:contact_export"), {"format": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        return b"".join(response.streaming_content)
    return response.content


def import_file(user, company, content: bytes, name: str, capture) -> ImportJob:
    """The import as a user runs it: upload, accept the guessed mapping, import."""
    job = import_job_create(
        actor=user, company=company, uploaded_file=SimpleUploadedFile(name, content)
    )
    job = import_job_set_mapping(
        actor=user,
        job=job,
        columns={int(c): k for c, k in job.mapping["columns"].items()},
    )
    with capture(execute=True):
        import_job_start(actor=user, job=job, dry_run=False)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_file_imports_back_field_by_field(
    staff_client, staff_user, company, world, fmt, language, django_capture_on_commit_callbacks
):
    session = staff_client.session
    session[SESSION_LANGUAGE] = language
    session.save()
    before = snapshot(company)
    assert len(before) == 5
    content = export(staff_client, fmt)

    Contact.objects.filter(company=company).delete()
    job = import_file(
        staff_user, company, content, f"contacts.{fmt}", django_capture_on_commit_callbacks
    )

    assert job.status == ImportJob.Status.IMPORTED, job.errors or job.message
    assert job.created_count == 5
    assert snapshot(company) == before


def test_every_exported_header_is_recognised_exactly_in_both_languages():
    columns = fileformat.contact_columns()
    for language in ("en", "ar"):
        with translation.override(language):
            headers = [str(c.label) for c in columns]
        assert len(set(headers)) == len(headers), language
        mapping = guess_mapping(headers)
        expected = {str(i): c.target for i, c in enumerate(columns) if c.target}
        assert mapping == expected, language
    for column in columns:
        assert column.target is None or column.target in TARGET_BY_KEY, column.key


def test_arabic_headers_are_translated(staff_client, world):
    session = staff_client.session
    session[SESSION_LANGUAGE] = "ar"
    session.save()
    text = export(staff_client, "csv").decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["الرمز", "الاسم", "الاسم بالعربية"]
    assert "name_ar" not in header and "code" not in header


def test_persons_phones_stay_out_of_the_contacts_columns(staff_client, world):
    rows = list(csv.DictReader(io.StringIO(export(staff_client, "csv").decode("utf-8-sig"))))
    full = next(r for r in rows if r["Code"] == "C-1")
    assert full["Phone (Mobile)"] == "'+966501234567; '+966551112222".replace("; '", "; ")
    assert full["Person 1: phone"] == "'+966501111111; +966502222222"
    assert "966501111111" not in full["Phone (Mobile)"]
    assert full["Representative (employee code)"] == "R001"
    assert full["Representative name"] == "Rami Rep"
    assert full["Product groups"] == "Paints, coatings; Tools"
    assert full["Area"] == "Saudi Arabia / Riyadh / Olaya"  # another Olaya exists in Jeddah
    assert full["Address 3: area"] == "Riyadh"
    # Contacts that others link to come first, so the file imports in one pass.
    assert [r["Code"] for r in rows][:2] == ["D-1", "X-1"]


def test_xlsx_cells_are_typed_and_the_sheet_is_laid_out(staff_client, world):
    from openpyxl import load_workbook

    session = staff_client.session
    session[SESSION_LANGUAGE] = "ar"
    session.save()
    workbook = load_workbook(io.BytesIO(export(staff_client, "xlsx")))
    sheet = workbook.worksheets[0]
    assert sheet.title == "جهات الاتصال"
    assert sheet.sheet_view.rightToLeft
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 32  # the name
    header = [cell.value for cell in sheet[1]]
    with translation.override("ar"):
        labels = {c.key: str(c.label) for c in fileformat.contact_columns()}
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    mobile = rows["C-1"][header.index(labels["phone_mobile"])]
    assert mobile.data_type == "s" and mobile.value == "+966501234567; +966551112222"
    formula = rows["Q-1"][header.index(labels["name"])]
    assert formula.data_type == "s" and formula.value == FORMULA_NAME  # text, not a formula
    notes = rows["Q-1"][header.index(labels["notes"])]
    assert notes.value == "-1 and +2 and @home"
    # Addresses in their page order (by kind): billing, office, site.
    latitude = rows["C-1"][header.index(labels["address2_latitude"])]
    assert latitude.data_type == "n" and Decimal(str(latitude.value)) == Decimal("24.7136")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert not (isinstance(cell.value, str) and cell.value.startswith("'")), cell


def test_xlsx_holds_no_formula_at_all(staff_client, world):
    """What any spreadsheet program reads: a formula needs an <f> element; every text cell is
    an inline string (t="inlineStr"), which Excel and LibreOffice show as written."""
    import zipfile

    content = export(staff_client, "xlsx")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert re.search(r't="inlineStr"><is><t>=HYPERLINK\((&quot;|")http://evil', sheet)
    assert "&apos;+966" not in sheet and "'+966" not in sheet


def test_english_sheet_is_left_to_right(staff_client, world):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export(staff_client, "xlsx"))).worksheets[0]
    assert sheet.title == "Contacts" and not sheet.sheet_view.rightToLeft


def test_csv_neutralises_formulas(staff_client, world):
    rows = list(csv.DictReader(io.StringIO(export(staff_client, "csv").decode("utf-8-sig"))))
    formula = next(r for r in rows if r["Code"] == "Q-1")
    assert formula["Name"] == "'" + FORMULA_NAME
    assert formula["Notes"] == "'-1 and +2 and @home"


def test_links_the_user_may_not_see_are_exported_hidden_and_import_empty(
    client, company, customer_type, world, django_capture_on_commit_callbacks
):
    """A user whose rules reach customers but not dealers: the dealer's code is not written,
    and the file still imports (the hidden link stays empty)."""
    from tawasul.access.services import rule_save
    from tawasul.conftest import CONTACT_PERMS, MASTER_PERMS, ORG_VIEW_PERMS
    from tawasul.org.tests.factories import UserFactory

    user = UserFactory(username="narrow", perms=CONTACT_PERMS + MASTER_PERMS + ORG_VIEW_PERMS)
    EmployeeFactory(company=company, user=user, code="N001")
    rule_save(
        actor=None,
        company=company,
        name="Customers only",
        model="contacts.contact",
        actions=["view", "export", "change", "delete"],
        user=user,
        conditions=[{"field": "contact_type", "operator": "in", "values": [customer_type.pk]}],
    )
    client.force_login(user)
    content = export(client, "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {r["Code"] for r in rows} == {"X-1", "C-1", "I-1", "Q-1"}
    full = next(r for r in rows if r["Code"] == "C-1")
    assert full["Served by dealer or agent (code)"] == "(not visible to you)"
    assert "D-1" not in content.decode("utf-8-sig") and "Zahra" not in content.decode("utf-8-sig")

    Contact.objects.filter(company=company, contact_type=customer_type).delete()
    job = import_file(user, company, content, "contacts.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.IMPORTED, job.errors or job.message
    imported = Contact.objects.get(company=company, code="C-1")
    assert imported.dealer is None and imported.referred_by_contact.code == "X-1"
