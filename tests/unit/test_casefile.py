"""The case file's pure parts: content typing, names, the Content-Disposition header."""

from __future__ import annotations

import io

import pytest

from service.casefile.routes import content_disposition
from service.casefile.service import clean_name
from service.casefile.sniff import content_type
from state_machines.errors import InvalidData
from tests.integration.casefile.samples import ALLOWED, REFUSED


@pytest.mark.parametrize(("name", "data", "mime"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_allowed_content_is_typed_whatever_it_is_called(name: str, data: bytes, mime: str) -> None:
    assert content_type(io.BytesIO(data), name) == mime
    assert content_type(io.BytesIO(data), "renamed.bin") == mime.replace("text/csv", "text/plain")


@pytest.mark.parametrize(("name", "data"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_content_has_no_type(name: str, data: bytes) -> None:
    assert content_type(io.BytesIO(data), name) is None


def test_text_must_decode_to_its_end() -> None:
    assert content_type(io.BytesIO("中文".encode() + b"\xff\xfe\xfd\xfc"), "a.txt") is None
    assert content_type(io.BytesIO(b""), "a.txt") is None


def test_names_lose_folders_and_control_characters() -> None:
    assert clean_name("C:\\Users\\张三\\照片.jpg") == "照片.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("a\x00b\u202ec.txt") == "abc.txt"
    assert len(clean_name("长" * 300 + ".pdf")) == 255 and clean_name("长" * 300 + ".pdf").endswith(".pdf")
    with pytest.raises(InvalidData):
        clean_name("..")


def test_content_disposition_carries_an_rfc5987_name() -> None:
    assert content_disposition("询问笔录 1.pdf") == (
        "attachment; filename=\"____ 1.pdf\"; filename*=UTF-8''%E8%AF%A2%E9%97%AE%E7%AC%94%E5%BD%95%201.pdf")
    assert content_disposition('a"b.txt').startswith('attachment; filename="a_b.txt"')
