"""The documents step of the demo company: notes and small files on some demo contacts.

The files are made here, at build time (a one-page PDF and a CSV of visits), and go through
the same services as uploads, so they are stored encrypted under opaque names. The draws come
from a generator of this step's own, so the steps after it draw what they drew before.
"""

import random

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from .services import attachment_add, note_add

SEED = 712
NOTES = [
    "Called about the new price list; they want a visit next week.",
    "Asked for the catalogue in Arabic.",
    "Prefers to be called in the morning.",
    "Payment usually arrives at the end of the month.",
    "Interested in the maintenance contract.",
    "طلب زيارة المندوب يوم الأحد.",
    "يفضل التواصل عبر البريد الإلكتروني.",
]


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing `lines` (ASCII) in Helvetica."""
    stream = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(
        f"({_pdf_text(line)}) Tj T*" for line in lines
    )
    stream += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def _actor(contact):
    """The contact's representative's account (it may write on the contact), else the system."""
    employee = contact.representative
    return getattr(employee, "user", None) if employee is not None else None


def build(demo) -> None:
    """Notes and a file or two on the first demo contacts."""
    from tawasul.contacts.models import Contact

    rng = random.Random(SEED)
    contacts = list(
        Contact.objects.filter(company=demo.company)
        .select_related("representative__user")
        .order_by("pk")[:12]
    )
    for index, contact in enumerate(contacts):
        actor = _actor(contact)
        for body in rng.sample(NOTES, rng.randint(1, 3)):
            try:
                note_add(actor=actor, record=contact, body=body)
            except PermissionDenied:
                note_add(actor=None, record=contact, body=body)
        files = []
        if index % 2 == 0:
            pdf = make_pdf(
                [f"Offer for {contact.code}", "Tawasul demo", f"Total: {rng.randint(5, 90) * 100}"]
            )
            files.append((f"offer-{contact.code}.pdf", pdf, "Price offer"))
        if index % 3 == 0:
            rows = ["date,visit,result"] + [
                f"2026-0{month}-1{day},visit,{rng.choice(['ordered', 'follow up', 'no answer'])}"
                for month, day in ((1, 2), (2, 4), (3, 6))
            ]
            files.append((f"visits-{contact.code}.csv", "\n".join(rows).encode(), ""))
        for name, data, title in files:
            upload = SimpleUploadedFile(name, data)
            try:
                attachment_add(actor=actor, record=contact, upload=upload, title=title)
            except PermissionDenied:
                attachment_add(actor=None, record=contact, upload=upload, title=title)
    demo.say(_("Files and notes on %(count)s contacts.") % {"count": len(contacts)})
