"""Files of every allowed kind, built in memory, and files that must be refused."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00"  # one red pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def ooxml(part: str) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", part: b"<doc/>"})


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["案号", "罚款"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ole(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 512


ALLOWED = [  # name, bytes, expected content type
    ("现场照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4, "image/jpeg"),
    ("扫描件.png", png(), "image/png"),
    ("animation.gif", b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 64, "image/gif"),
    ("photo.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "image/webp"),
    ("scan.tif", b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64, "image/tiff"),
    ("询问笔录.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
    ("情况说明.docx", ooxml("word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("涉案物品清单.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("汇报.pptx", ooxml("ppt/presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("说明.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
     "application/vnd.oasis.opendocument.text"),
    ("旧文档.doc", ole("WordDocument"), "application/msword"),
    ("旧表格.xls", ole("Workbook"), "application/vnd.ms-excel"),
    ("旧演示.ppt", ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("说明.txt", "当事人称不知道是假货。\n".encode(), "text/plain; charset=utf-8"),
    ("gbk.txt", "当事人称不知道是假货。\r\n".encode("gb18030"), "text/plain; charset=gb18030"),
    ("台账.csv", "日期,数量\n2026-12-01,3\n".encode(), "text/csv; charset=utf-8"),
]

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200

REFUSED = [  # name, bytes: refused by content whatever the name says
    ("证据.pdf", PE),  # a Windows executable renamed
    ("照片.jpg", ELF),  # a Linux executable renamed
    ("notes.txt", b"\x00\x01\x02binary\x00"),
    ("合同.docx", _zip({"a.txt": b"hello"})),  # a plain ZIP
    ("宏.docm", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>",
                     "word/vbaProject.bin": b"\x00"})),
    ("unknown.ole", ole("SomethingElse")),
]
