"""Attachments (SPEC §12): every allowed kind, every refusal, the chain, download and tampering."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from service.core.runtime import Runtime
from tests.helpers import Api, bearer, penalty_case

from .conftest import LIMIT
from .samples import ALLOWED, REFUSED

OWN, OTHER = "150602", "150603"


def upload(api: Api, token: str, case_id: str, name: str, data: bytes, mime: str = "application/octet-stream"):
    return api.client.post(f"/api/v1/cases/{case_id}/attachments", files={"file": (name, data, mime)},
                           headers=bearer(token))


def _error(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def officer(api: Api) -> str:
    return api.principal("officer", OWN)


@pytest.fixture
def case_id(api: Api, officer: str) -> str:
    return api.create(officer, penalty_case(OWN))["id"]


def test_every_allowed_kind_is_attached_typed_by_content_and_chained(api: Api, officer: str, case_id: str) -> None:
    for name, data, mime in ALLOWED:
        response = upload(api, officer, case_id, name, data, "application/x-lies")  # the declared type is ignored
        assert response.status_code == 201, (name, response.text)
        body = response.json()
        assert (body["name"], body["content_type"], body["size"]) == (name, mime, len(data))
        assert body["sha256"] == hashlib.sha256(data).hexdigest()
    history = api.get(officer, f"/cases/{case_id}/history").json()["items"]
    attached = [e for e in history if e["event"] == "attach"]
    assert [e["data"]["name"] for e in attached] == [name for name, _, _ in ALLOWED]
    assert all(e["from_state"] == e["to_state"] == "received" for e in attached)
    assert attached[0]["data"]["sha256"] == hashlib.sha256(ALLOWED[0][1]).hexdigest()
    assert api.get(officer, f"/cases/{case_id}").json()["version"] == 1 + len(ALLOWED)
    listed = api.get(officer, f"/cases/{case_id}/attachments").json()["items"]
    assert [a["name"] for a in listed] == [name for name, _, _ in ALLOWED]


@pytest.mark.parametrize(("name", "data"), REFUSED, ids=[name for name, _ in REFUSED])
def test_content_that_is_not_an_allowed_kind_is_refused_whatever_its_name(api: Api, officer: str, case_id: str,
                                                                          name: str, data: bytes) -> None:
    response = upload(api, officer, case_id, name, data, "application/pdf")
    assert response.status_code == 415 and _error(response) == "unsupported_media_type"
    assert api.get(officer, f"/cases/{case_id}").json()["version"] == 1  # nothing entered the chain
    assert api.get(officer, f"/cases/{case_id}/attachments").json()["items"] == []


def test_too_large_is_413_with_its_code(api: Api, officer: str, case_id: str) -> None:
    just_over = upload(api, officer, case_id, "big.txt", b"a" * (LIMIT + 1))
    assert just_over.status_code == 413 and _error(just_over) == "payload_too_large"
    far_over = upload(api, officer, case_id, "huge.txt", b"a" * (LIMIT + 200_000))  # refused by the body limit
    assert far_over.status_code == 413 and _error(far_over) == "payload_too_large"
    assert upload(api, officer, case_id, "limit.txt", b"a" * LIMIT).status_code == 201
    assert api.get(officer, f"/cases/{case_id}").json()["version"] == 2


def test_other_routes_keep_the_small_body_limit(api: Api, officer: str, case_id: str) -> None:
    response = api.client.post(f"/api/v1/cases/{case_id}/events", content=b"x" * 300_000,
                               headers={**bearer(officer), "Content-Type": "application/json"})
    assert response.status_code == 413


def test_bad_uploads_are_422(api: Api, officer: str, case_id: str) -> None:
    empty = upload(api, officer, case_id, "empty.txt", b"")
    assert empty.status_code == 422 and _error(empty) == "validation_error"
    no_file = api.client.post(f"/api/v1/cases/{case_id}/attachments", data={"x": "1"}, headers=bearer(officer))
    assert no_file.status_code == 422 and no_file.json()["error"]["fields"] == ["file"]


@pytest.mark.parametrize(("role", "district", "status"), [
    ("supervisor", OWN, 201), ("officer", OTHER, 404), ("supervisor", OTHER, 404), ("city", None, 403),
    ("auditor", None, 403), ("reviewer", OWN, 403), ("partner", None, 404), ("admin", None, 404),
])
def test_who_may_attach(api: Api, case_id: str, role: str, district: str | None, status: int) -> None:
    if role == "admin":
        token = api.admin
    else:
        token = api.principal(role, district, agency="police-150602" if role == "partner" else None)
    response = upload(api, token, case_id, "说明.txt", "说明".encode())
    assert response.status_code == status, response.text
    if status != 201:
        assert _error(response) == {403: "forbidden", 404: "not_found"}[status]


def test_attach_is_not_an_event_of_the_events_api(api: Api, officer: str, case_id: str) -> None:
    forged = {"attachment_id": "x", "sha256": "0" * 64, "name": "a.txt", "content_type": "text/plain", "size": 1}
    response = api.fire(officer, case_id, "attach", forged)
    assert response.status_code == 403 and _error(response) == "forbidden"
    assert "attach" not in api.get(officer, f"/cases/{case_id}").json()["allowed_events"]


def test_a_closed_case_takes_no_attachment(api: Api, officer: str, case_id: str) -> None:
    supervisor = api.principal("supervisor", OWN)
    api.ok(supervisor, case_id, "reject", reason="不属于本部门管辖")
    response = upload(api, officer, case_id, "late.txt", b"late")
    assert response.status_code == 409 and _error(response) == "invalid_transition"


def test_download_has_its_type_and_an_rfc5987_name(api: Api, officer: str, case_id: str) -> None:
    name, data, mime = ALLOWED[5]  # 询问笔录.pdf
    attachment = upload(api, officer, case_id, name, data).json()
    for token in (officer, api.principal("city"), api.principal("auditor")):
        response = api.client.get(attachment["url"], headers=bearer(token))
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-type"] == mime
        assert response.headers["content-disposition"] == (
            f"attachment; filename=\"____.pdf\"; filename*=UTF-8''{quote(name)}")
        assert response.headers["x-content-type-options"] == "nosniff"
    other = api.principal("officer", OTHER)
    assert api.client.get(attachment["url"], headers=bearer(other)).status_code == 404
    assert api.client.get(f"/api/v1/cases/{case_id}/attachments/nope/content",
                          headers=bearer(officer)).status_code == 404


def test_same_content_is_stored_once(api: Api, officer: str, case_id: str, runtime: Runtime) -> None:
    other_case = api.create(officer, penalty_case(OWN))["id"]
    first = upload(api, officer, case_id, "a.txt", b"same bytes").json()
    second = upload(api, officer, other_case, "b.txt", b"same bytes").json()
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    if runtime.settings.attachment_dir is None:
        with runtime.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM casefile_blob_chunks WHERE sha256 = :s"),
                                {"s": first["sha256"]}).scalar() == 1
    else:
        assert len(list(Path(runtime.settings.attachment_dir).rglob(first["sha256"]))) == 1


def test_detach_is_audited_and_keeps_the_bytes(api: Api, officer: str, case_id: str) -> None:
    attachment = upload(api, officer, case_id, "错传.txt", b"wrong file").json()
    path = f"/api/v1/cases/{case_id}/attachments/{attachment['id']}/detach"
    assert api.client.post(path, json={}, headers=bearer(officer)).status_code == 422  # a reason is needed
    assert api.client.post(path, json={"reason": "x"}, headers=bearer(api.principal("city"))).status_code == 403
    response = api.client.post(path, json={"reason": "上传错误"}, headers=bearer(officer))
    assert response.status_code == 200 and response.json()["detached"] is True
    again = api.client.post(path, json={"reason": "上传错误"}, headers=bearer(officer))
    assert again.status_code == 409 and _error(again) == "guard_failed"
    last = api.get(officer, f"/cases/{case_id}/history").json()["items"][-1]
    assert (last["event"], last["reason"], last["data"]["sha256"]) == ("detach", "上传错误", attachment["sha256"])
    assert api.client.get(attachment["url"], headers=bearer(officer)).content == b"wrong file"


def _tamper(runtime: Runtime, sha256: str, data: bytes | None) -> None:
    """Swap (or, with None, remove) stored content behind the service's back."""
    if runtime.settings.attachment_dir is None:
        with runtime.db.engine.begin() as conn:
            if data is None:
                conn.execute(text("DELETE FROM casefile_blob_chunks WHERE sha256 = :s"), {"s": sha256})
            else:
                conn.execute(text("UPDATE casefile_blob_chunks SET data = :d WHERE sha256 = :s AND seq = 0"),
                             {"d": data, "s": sha256})
    else:
        path = next(Path(runtime.settings.attachment_dir).rglob(sha256))
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)


def test_a_file_tampered_in_storage_is_reported_by_verify_and_refused(api: Api, officer: str, case_id: str,
                                                                     runtime: Runtime) -> None:
    auditor = api.principal("auditor")
    swapped = upload(api, officer, case_id, "照片.png", ALLOWED[1][1]).json()
    removed = upload(api, officer, case_id, "笔录.txt", "笔录".encode()).json()
    intact = upload(api, officer, case_id, "清单.csv", b"a,b\n").json()
    assert api.get(auditor, "/audit/verify/files").json() == {
        "ok": True, "files_checked": 3, "store": runtime.settings.attachment_dir and "directory" or "database",
        "bad": [], "bad_count": 0}
    _tamper(runtime, swapped["sha256"], b"\x89PNG\r\n\x1a\n forged")
    _tamper(runtime, removed["sha256"], None)
    report = api.get(auditor, "/audit/verify/files").json()
    assert report["ok"] is False
    assert {(b["attachment_id"], b["problem"]) for b in report["bad"]} == {
        (swapped["id"], "content does not match its SHA-256"), (removed["id"], "missing")}
    assert all(b["case_id"] == case_id for b in report["bad"])
    for attachment in (swapped, removed):
        response = api.client.get(attachment["url"], headers=bearer(officer))
        assert response.status_code == 500 and _error(response) == "integrity_failed"
    assert api.client.get(intact["url"], headers=bearer(officer)).status_code == 200
    assert api.get(officer, "/audit/verify/files").status_code == 403


def test_an_attachment_row_pointed_elsewhere_is_caught_by_the_chain(api: Api, officer: str, case_id: str,
                                                                    runtime: Runtime) -> None:
    """The row is an index; the hash that counts is the one in the case's chain."""
    real = upload(api, officer, case_id, "真.txt", b"real").json()
    fake = upload(api, officer, case_id, "假.txt", b"fake").json()
    with runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE case_attachments SET sha256 = :s WHERE id = :id"),
                     {"s": fake["sha256"], "id": real["id"]})
    response = api.client.get(real["url"], headers=bearer(officer))
    assert response.status_code == 500 and _error(response) == "integrity_failed"


def test_ipcase_audit_verify_files_exits_1_naming_the_swapped_file(api: Api, officer: str, case_id: str,
                                                                   runtime: Runtime, database_url: str) -> None:
    import json
    import os
    import subprocess
    import sys

    attachment = upload(api, officer, case_id, "照片.png", ALLOWED[1][1]).json()
    env = {**os.environ, "IPCASE_DATABASE_URL": database_url}
    env.pop("IPCASE_BOOTSTRAP_ADMIN_TOKEN", None)
    if runtime.settings.attachment_dir:
        env["IPCASE_ATTACHMENT_DIR"] = runtime.settings.attachment_dir

    def verify(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "service.cli", "audit", "verify", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    clean = verify("--files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["files"]["files_checked"] == 1
    _tamper(runtime, attachment["sha256"], b"\x89PNG\r\n\x1a\n forged")
    assert verify().returncode == 0  # the chains alone are intact
    swapped = verify("--files")
    assert swapped.returncode == 1
    assert json.loads(swapped.stdout)["files"]["bad"][0]["attachment_id"] == attachment["id"]
