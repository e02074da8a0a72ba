"""What a file is, read from its bytes, never from its name (SPEC §12: images, PDF, office
documents, plain text). A renamed executable has none of the signatures below and is not text,
so it is refused whatever it is called. The name only chooses among what the content allows
(a legacy OLE2 file's kind, `.csv` for text).
"""

from __future__ import annotations

import re
import zipfile
from typing import BinaryIO

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF-", 0, "application/pdf"),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (  # stream names in the compound file's directory (UTF-16LE)
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_OOXML = (
    ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
_ODF = frozenset({"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
                  "application/vnd.oasis.opendocument.presentation"})
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
ALLOWED = ("images (JPEG, PNG, GIF, WebP, TIFF), PDF, office documents (Word, Excel, PowerPoint, OpenDocument), "
           "plain text")


def content_type(source: BinaryIO, name: str) -> str | None:
    """The MIME type of the content, or None when it is none of the allowed kinds."""
    source.seek(0)
    head = source.read(64)
    for magic, offset, mime in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(OLE2):
        return _ole(source)
    if head.startswith(b"PK\x03\x04"):
        return _zipped(source)
    return _text(source, name)


def _ole(source: BinaryIO) -> str | None:
    """A legacy Office file: which one, from the stream names in its directory (scanned whole:
    the directory may lie anywhere; files are at most the upload limit)."""
    found: set[str] = set()
    needles = [(name.encode("utf-16-le"), mime) for name, mime in _OLE_STREAMS]
    source.seek(0)
    tail = b""
    while chunk := source.read(1 << 20):
        window = tail + chunk
        for needle, mime in needles:
            if needle in window:
                found.add(mime)
        tail = window[-64:]
    return next((mime for _, mime in needles if mime in found), None)  # WordDocument before "Book" in a text


def _zipped(source: BinaryIO) -> str | None:
    """OOXML or OpenDocument; any other ZIP (an archive, a JAR, a macro-enabled document) is refused."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macros: not evidence, a risk
            if "[Content_Types].xml" in names:
                return next((mime for part, mime in _OOXML if part in names), None)
            if "mimetype" in names:
                mime = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return mime if mime in _ODF else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def _text(source: BinaryIO, name: str) -> str | None:
    """Plain text: no control bytes but tab, newlines, form feed and escape; UTF-8 or GB18030."""
    source.seek(0)
    utf8 = _Decodes("utf-8")
    gb = _Decodes("gb18030")
    seen = False
    while chunk := source.read(1 << 20):
        seen = True
        if _BINARY.search(chunk):
            return None
        utf8.feed(chunk)
        gb.feed(chunk)
        if not (utf8.ok or gb.ok):
            return None
    if not seen or not (utf8.finish() or gb.finish()):
        return None
    charset = "utf-8" if utf8.ok else "gb18030"
    kind = "text/csv" if name.lower().endswith(".csv") else "text/plain"
    return f"{kind}; charset={charset}"


class _Decodes:
    def __init__(self, encoding: str) -> None:
        import codecs

        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.ok = True

    def feed(self, chunk: bytes) -> None:
        if self.ok:
            try:
                self.decoder.decode(chunk)
            except UnicodeDecodeError:
                self.ok = False

    def finish(self) -> bool:
        if self.ok:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.ok = False
        return self.ok
