"""The archive (卷宗, SPEC §12): exported for a closed case, verified offline, refused when tampered."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from service.core.runtime import Runtime
from tests.helpers import Api, bearer, penalty_case

from .samples import ALLOWED

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "verify_archive.py"
OWN = "150602"


def _closed_case_with_files(api: Api) -> tuple[str, str, list[dict]]:
    officer, supervisor = api.principal("officer", OWN), api.principal("supervisor", OWN)
    case_id = api.create(officer, penalty_case(OWN))["id"]
    attached = []
    for name, data, _ in ALLOWED[:4]:
        response = api.client.post(f"/api/v1/cases/{case_id}/attachments", files={"file": (name, data)},
                                   headers=bearer(officer))
        attached.append(response.json())
    api.client.post(f"/api/v1/cases/{case_id}/attachments/{attached[-1]['id']}/detach",
                    json={"reason": "与本案无关"}, headers=bearer(officer))
    api.ok(officer, case_id, "add_note", {"text": "现场检查"})
    api.ok(supervisor, case_id, "accept")
    api.ok(supervisor, case_id, "dismiss", reason="违法事实不成立")
    return case_id, officer, attached


def _export(api: Api, token: str, case_id: str, target: Path) -> Path:
    response = api.client.get(f"/api/v1/cases/{case_id}/archive", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    target.write_bytes(response.content)
    return target


def _public_key(api: Api, tmp_path: Path) -> Path:
    response = api.client.get("/api/v1/archive/public-key")  # public: no token
    assert response.status_code == 200 and response.text.startswith("-----BEGIN PUBLIC KEY-----")
    path = tmp_path / "archive-public.pem"
    path.write_bytes(response.content)
    return path


def _script(archive: Path, key: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(archive), str(key)], capture_output=True, text=True,
                          timeout=60)


def _cli(archive: Path, key: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", "archive", "verify", str(archive), "--public-key",
                           str(key)], capture_output=True, text=True, timeout=60)


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the ZIP with `change(name, data)` applied to each entry (None drops it)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
    return target


def test_archive_is_verified_offline_and_refused_when_tampered(api: Api, tmp_path: Path) -> None:
    case_id, officer, attached = _closed_case_with_files(api)
    archive = _export(api, api.principal("auditor"), case_id, tmp_path / "archive.zip")
    key = _public_key(api, tmp_path)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        catalogue = zf.read("00_卷内目录.html").decode()
        history = json.loads(zf.read("history.json"))
    assert names[0] == "00_卷内目录.html" and names[-2:] == ["history.json", "manifest.json"]
    assert [n for n in names if n.startswith("attachments/")] == [
        f"attachments/{i:02d}_{a['name']}" for i, a in enumerate(attached[:3], 1)]  # the detached one left out
    assert "卷内目录" in catalogue and attached[0]["name"] in catalogue
    assert manifest["chain"]["length"] == len(history) and manifest["chain"]["head"] == history[-1]["hash"]
    assert [e["event"] for e in history].count("attach") == 4
    case = api.get(officer, f"/cases/{case_id}").json()
    assert manifest["case"]["number"] == case["number"] and manifest["chain"]["length"] == case["version"]

    ok = _script(archive, key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    cli = _cli(archive, key)
    assert cli.returncode == 0 and json.loads(cli.stdout)["ok"] is True, cli.stdout + cli.stderr

    target = attached[0]["name"]

    def one_byte(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.endswith(target) else data

    def without(name: str, data: bytes) -> bytes | None:
        return None if name.endswith(target) else data

    def edited_manifest(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["case"]["title"] = "另一个案件"
        return json.dumps(manifest, ensure_ascii=False).encode()

    def extra_file(name: str, data: bytes) -> bytes:
        return data

    tampered = {
        "one_byte": _rewrite(archive, tmp_path / "one-byte.zip", one_byte),
        "removed": _rewrite(archive, tmp_path / "removed.zip", without),
        "manifest": _rewrite(archive, tmp_path / "manifest.zip", edited_manifest),
    }
    added = _rewrite(archive, tmp_path / "added.zip", extra_file)
    with zipfile.ZipFile(added, "a") as zf:
        zf.writestr("attachments/99_planted.txt", b"planted")
    tampered["added"] = added
    for kind, path in tampered.items():
        script = _script(path, key)
        assert script.returncode == 1, (kind, script.stdout, script.stderr)
        cli = _cli(path, key)
        assert cli.returncode == 1 and json.loads(cli.stdout)["ok"] is False, (kind, cli.stdout)
    assert "SHA-256" in _script(tampered["one_byte"], key).stdout
    assert "missing" in _script(tampered["removed"], key).stdout
    assert "signature" in _script(tampered["manifest"], key).stdout


def test_another_key_refuses_the_archive(api: Api, tmp_path: Path) -> None:
    from service.casefile import keys

    case_id, _, _ = _closed_case_with_files(api)
    archive = _export(api, api.principal("city"), case_id, tmp_path / "archive.zip")
    other = tmp_path / "other.pem"
    other.write_bytes(keys.public_pem(keys.load_or_create(tmp_path / "other-private.pem")))
    assert _script(archive, other).returncode == 1
    assert _cli(archive, other).returncode == 1


def test_only_a_closed_case_visible_to_the_caller_is_archived(api: Api) -> None:
    officer = api.principal("officer", OWN)
    open_case = api.create(officer, penalty_case(OWN))["id"]
    response = api.client.get(f"/api/v1/cases/{open_case}/archive", headers=bearer(officer))
    assert response.status_code == 409 and response.json()["error"]["code"] == "guard_failed"
    other = api.principal("officer", "150603")
    assert api.client.get(f"/api/v1/cases/{open_case}/archive", headers=bearer(other)).status_code == 404


def test_a_tampered_store_stops_the_export(api: Api, runtime: Runtime) -> None:
    from .test_attachments import _tamper

    case_id, officer, attached = _closed_case_with_files(api)
    _tamper(runtime, attached[0]["sha256"], b"\xff\xd8\xff forged")
    response = api.client.get(f"/api/v1/cases/{case_id}/archive", headers=bearer(officer))
    assert response.status_code == 500 and response.json()["error"]["code"] == "integrity_failed"


def test_the_bureaus_documents_enter_the_archive_first_as_pdf(api: Api, tmp_path: Path) -> None:
    """The documents package fills the archive's registry on import: the case's 立案审批表 and
    结案审批表 (issued by accept and dismiss) are bound as PDFs before the evidence, catalogued
    with their 文号, and the offline check covers them."""
    case_id, officer, _ = _closed_case_with_files(api)
    issued = api.get(officer, f"/cases/{case_id}/bureau-documents").json()["items"]
    assert [d["kind"] for d in issued] == ["filing_approval", "closing_approval"]
    archive = _export(api, officer, case_id, tmp_path / "archive.zip")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        catalogue = zf.read("00_卷内目录.html").decode()
        pdfs = [zf.read(name) for name in names[1:3]]
    assert names[1] == f"documents/01_立案审批表_{issued[0]['number']}.pdf"  # documents before the evidence
    assert names[2] == f"documents/02_结案审批表_{issued[1]['number']}.pdf"
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    assert issued[0]["number"] in catalogue and issued[1]["number"] in catalogue
    assert _script(archive, _public_key(api, tmp_path)).returncode == 0
