"""Test data of the documents module: uploads of real bytes of each kind."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from tawasul.documents.demo import make_pdf

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
DOC_PERMS = [
    f"documents.{action}_{model}"
    for model in ("document", "note")
    for action in ("view", "add", "change", "delete")
]


def pdf_bytes(text: str = "Hello") -> bytes:
    return make_pdf([text])


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str = "offer.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)
