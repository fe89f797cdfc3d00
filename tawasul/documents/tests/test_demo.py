from types import SimpleNamespace

import pytest

from tawasul.contacts.tests.factories import make_contact
from tawasul.documents import demo
from tawasul.documents.filetypes import sniff
from tawasul.documents.models import Document, Note

pytestmark = pytest.mark.django_db


def test_demo_step_adds_notes_and_real_files(company, customer_type):
    for number in range(4):
        make_contact(company=company, contact_type=customer_type, name=f"Demo {number}")
    said = []
    demo.build(SimpleNamespace(company=company, say=said.append))
    assert Note.objects.filter(company=company).count() >= 4
    kinds = {}
    for document in Document.objects.select_related("current_version"):
        with document.current_version.file.open("rb") as handle:
            kinds[document.file_name] = sniff(handle.read(), document.file_name).key
    assert "pdf" in kinds.values() and "csv" in kinds.values()
    assert said


def test_the_pdf_is_well_formed():
    data = demo.make_pdf(["Hello (world)"])
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    offset = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[offset:].startswith(b"xref")
