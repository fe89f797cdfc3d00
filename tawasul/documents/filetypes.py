"""What kind of file an upload is, read from its bytes (never from its name or the browser).

A small table of signatures: PDF, the web's image formats, Office Open XML and OpenDocument
packages (zip files told apart by the parts they hold), and plain text (UTF-8 without control
characters, and not markup). Anything else is refused: executables, HTML, SVG and XML (which a
browser would run), old binary Office files (macros), archives, and what nothing here
recognises. `ATTACHMENT_TYPES` names the kinds an installation accepts.
"""

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    """A kind of file: its key in `ATTACHMENT_TYPES`, media type and usual extensions."""

    key: str
    media_type: str
    extensions: tuple[str, ...]


KINDS = {
    kind.key: kind
    for kind in (
        FileKind("pdf", "application/pdf", (".pdf",)),
        FileKind("png", "image/png", (".png",)),
        FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg")),
        FileKind("gif", "image/gif", (".gif",)),
        FileKind("webp", "image/webp", (".webp",)),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        FileKind(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
        ),
        FileKind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
        ),
        FileKind("odt", "application/vnd.oasis.opendocument.text", (".odt",)),
        FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
        FileKind("odp", "application/vnd.oasis.opendocument.presentation", (".odp",)),
        FileKind("txt", "text/plain", (".txt",)),
        FileKind("csv", "text/csv", (".csv",)),
    )
}
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS.values()}

# Office Open XML: the folder of the main part tells the application.
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
# Text that a browser or a shell would run, whatever the name says.
_MARKUP_STARTS = ("<", "#!", "\ufeff<")


def _package_kind(data: bytes) -> str | None:
    """docx/xlsx/pptx/odt/ods/odp for a zip package holding their parts, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
            if "mimetype" in names:
                return _OPENDOCUMENT.get(package.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                for folder, key in _OOXML.items():
                    if any(name.startswith(folder) for name in names):
                        return key
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return None
    return None


def _text_kind(data: bytes, name: str) -> str | None:
    """txt or csv for UTF-8 text without control characters that is not markup, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n\f" or ord(c) == 127 for c in text):
        return None
    if text.lstrip().startswith(_MARKUP_STARTS):
        return None
    return "csv" if name.lower().endswith(".csv") else "txt"


def sniff(data: bytes, name: str = "") -> FileKind | None:
    """The kind of file `data` holds, or None when it is none of `KINDS`.

    `name` only tells CSV from other plain text (both are harmless text)."""
    key: str | None = None
    if data.startswith(b"%PDF-"):
        key = "pdf"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        key = "png"
    elif data.startswith(b"\xff\xd8\xff"):
        key = "jpeg"
    elif data.startswith((b"GIF87a", b"GIF89a")):
        key = "gif"
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        key = "webp"
    elif data.startswith(b"PK\x03\x04"):
        key = _package_kind(data)
    elif data:
        key = _text_kind(data, name)
    return KINDS.get(key) if key else None


def download_name(original: str, kind: FileKind | None) -> str:
    """The name a download is offered under: the original name, with the extension of the
    kind it really is appended when the name claims another (a PDF named "x.html" is offered
    as "x.html.pdf", so no program opens it as a page)."""
    if kind is None or original.lower().endswith(kind.extensions):
        return original
    return original + kind.extensions[0]
