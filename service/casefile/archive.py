"""The archive (卷宗) of a closed case: one ZIP an auditor checks offline (SPEC §12).

Inside, in the order archives use: `00_卷内目录.html` (the catalogue), the bureau's documents
(`documents/`, from the providers of `entries.py`), the evidence (`attachments/`, in the order
attached), `history.json` (the case's events with their hashes: the chain can be recomputed),
and `manifest.json`: each file's SHA-256 and size, the chain's length and head, and an Ed25519
signature by the bureau's archive key over the manifest's canonical JSON (sorted keys, no
spaces, UTF-8) without its `signature` field. `verify` (and `scripts/verify_archive.py`, with
nothing but `cryptography`) checks the signature, that the ZIP holds exactly the files listed
with those hashes, and that the history chains to the signed head.

The ZIP is written to a temporary file, each attachment streamed in 1 MiB chunks and hashed on
the way (a stored file that no longer matches its chain stops the export); nothing is held
whole in memory but the small text files.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from typing import IO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.service import GENESIS, canonical, format_at
from service.casefile import keys
from service.casefile.entries import Entry, entries_of
from service.casefile.service import attachments_of
from service.casefile.store import BlobStore, MissingFile
from service.cases.models import Case
from service.cases.queries import check_visible
from service.core.errors import IntegrityFailed
from service.core.models import Event
from state_machines.case_machine import Rules
from state_machines.errors import GuardFailed
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES

FORMAT = "ipcase-archive/1"
CATALOGUE = "00_卷内目录.html"
HISTORY = "history.json"
MANIFEST = "manifest.json"
_HASHED = ("stream_type", "stream_id", "seq", "event", "from_state", "to_state", "actor", "at", "data", "reason",
           "prev_hash")


def build(session: Session, store: BlobStore, key: Ed25519PrivateKey, actor: Actor, case_id: str, rules: Rules,
          extra: list[Entry] | None = None, now: datetime | None = None) -> tuple[IO[bytes], str]:
    """The archive in a temporary file (at its start) and its download name; the caller closes it."""
    check_visible(session, actor, case_id, city_reviews_districts=rules.city_reviews_districts)
    case = session.get(Case, case_id)
    if case.state not in FINAL_STATES:
        raise GuardFailed(f"only a closed case is archived; this one is {case.state}")
    now = now or datetime.now(UTC)
    documents = [(f"documents/{i:02d}_{e.name}", e) for i, e in enumerate([*entries_of(session, case_id),
                                                                         *(extra or [])], 1)]
    attachments = [(f"attachments/{i:02d}_{a.name}", a) for i, a in enumerate(
        (a for a in attachments_of(session, case_id) if a.detached_at is None), 1)]
    events = _history(session, case_id)
    history = json.dumps(events, ensure_ascii=False, indent=1).encode()
    # what the chain recorded of each file, not the attachment row (an index, not a witness)
    recorded = {e["data"]["attachment_id"]: e["data"] for e in events if e["event"] == "attach"}
    for _, a in attachments:
        if (recorded.get(a.id) or {}).get("sha256") != a.sha256:
            raise IntegrityFailed(f"attachment {a.id} does not match its attach event in the case's chain")
    catalogue = [  # the order of the volume: the bureau's documents, the evidence, the record
        *({"file": name, "title": e.title or e.name, "number": e.number, "date": e.date, "size": len(e.data)}
          for name, e in documents),
        *({"file": name, "title": a.name, "number": None, "size": a.size,
           "date": a.attached_at.astimezone(CHINA_TZ).date().isoformat()} for name, a in attachments),
        {"file": HISTORY, "title": "案件办理记录（审计链）", "number": None, "date": None, "size": len(history)},
    ]
    out = tempfile.TemporaryFile(prefix="ipcase-archive-")
    try:
        with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
            files = [_write_bytes(zf, CATALOGUE, _catalogue_html(case, catalogue).encode(), zipfile.ZIP_DEFLATED)]
            files += [_write_bytes(zf, name, e.data, zipfile.ZIP_STORED) for name, e in documents]
            files += [_write_attachment(zf, name, store, a.sha256, a.size) for name, a in attachments]
            files.append(_write_bytes(zf, HISTORY, history, zipfile.ZIP_DEFLATED))
            manifest = {
                "format": FORMAT,
                "case": {"id": case.id, "number": case.number, "district": case.district, "title": case.title,
                         "state": case.state, "machine_version": case.machine_version,
                         "closed_at": format_at(case.closed_at) if case.closed_at else None},
                "chain": {"length": case.version, "head": case.head_hash},
                "files": files,
                "created_at": format_at(now),
                "created_by": actor.id,
                "key": {"algorithm": "Ed25519", "fingerprint": keys.fingerprint(key)},
            }
            manifest["signature"] = base64.b64encode(key.sign(canonical(manifest))).decode()
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1), zipfile.ZIP_DEFLATED)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out, f"{case.number}-卷宗.zip"


def _write_bytes(zf: zipfile.ZipFile, name: str, data: bytes, compression: int) -> dict:
    zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_attachment(zf: zipfile.ZipFile, name: str, store: BlobStore, sha256: str, size: int) -> dict:
    """Stream the stored file into the ZIP (stored: images and PDFs are compressed already), hashing it."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size
    digest, written = hashlib.sha256(), 0
    try:
        with zf.open(info, "w", force_zip64=size > 2**31) as entry:
            for chunk in store.chunks(sha256):
                digest.update(chunk)
                written += len(chunk)
                entry.write(chunk)
    except MissingFile:
        raise IntegrityFailed(f"{name}: the stored file is missing; run `ipcase audit verify --files`",
                              sha256=sha256) from None
    if digest.hexdigest() != sha256 or written != size:
        raise IntegrityFailed(f"{name}: the stored file does not match the hash in the case's chain; "
                              "run `ipcase audit verify --files`", sha256=sha256)
    return {"name": name, "sha256": sha256, "size": size}


def _history(session: Session, case_id: str) -> list[dict]:
    """The case's events as hashed (`at` in the chain's own text), each with its hash."""
    rows = session.execute(select(Event.stream_type, Event.stream_id, Event.seq, Event.event, Event.from_state,
                                  Event.to_state, Event.actor, Event.at, Event.data, Event.reason, Event.prev_hash,
                                  Event.hash).where(Event.stream_id == case_id).order_by(Event.seq))
    events = []
    for row in rows:
        item = dict(zip((*_HASHED, "hash"), row, strict=True))
        item["at"] = format_at(item["at"])
        events.append(item)
    return events


def _catalogue_html(case: Case, catalogue: list[dict]) -> str:
    """卷内目录: 序号, 文号, 题名, 日期, 大小, 文件 — the catalogue of the volume, in its order."""
    rows = "\n".join(
        f"<tr><td>{i}</td><td>{html.escape(c['number'] or '')}</td><td>{html.escape(c['title'])}</td>"
        f"<td>{c['date'] or ''}</td><td>{c['size']}</td><td>{html.escape(c['file'])}</td></tr>"
        for i, c in enumerate(catalogue, 1))
    number, title = html.escape(case.number), html.escape(case.title)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>卷内目录 {number}'
            f'</title></head><body><h1>卷内目录</h1><p>案号：{number}　案由：{title}</p>'
            '<table border="1" cellspacing="0" cellpadding="4"><thead><tr><th>序号</th><th>文号</th><th>题名</th>'
            f'<th>日期</th><th>大小（字节）</th><th>文件</th></tr></thead><tbody>\n{rows}\n</tbody></table></body></html>')


def verify(path: str, public_key: Ed25519PublicKey) -> dict:
    """Check an archive offline: signature, files (none missing, none extra, each hash), chain."""
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return {"ok": False, "problems": [f"not a ZIP archive: {exc}"]}
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            return {"ok": False, "problems": ["manifest.json is missing"]}
        try:
            manifest = json.loads(zf.read(MANIFEST))
            signature = base64.b64decode(manifest.pop("signature"), validate=True)
            public_key.verify(signature, canonical(manifest))
        except (ValueError, KeyError, TypeError, AttributeError):
            return {"ok": False, "problems": ["manifest.json is unreadable or unsigned"]}
        except InvalidSignature:
            return {"ok": False, "problems": ["the manifest's signature does not verify with this public key"]}
        listed = {f["name"]: f for f in manifest["files"]}
        for name in sorted(names - set(listed) - {MANIFEST}):
            problems.append(f"{name}: in the archive but not in the manifest")
        for name, f in listed.items():
            if name not in names:
                problems.append(f"{name}: listed in the manifest but missing")
                continue
            digest, size = hashlib.sha256(), 0
            with zf.open(name) as entry:
                while chunk := entry.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            if digest.hexdigest() != f["sha256"] or size != f["size"]:
                problems.append(f"{name}: content does not match its SHA-256 in the manifest")
        if HISTORY in names and HISTORY in listed and not any(p.startswith(HISTORY) for p in problems):
            problems.extend(_chain_problems(json.loads(zf.read(HISTORY)), manifest["chain"]))
    return {"ok": not problems, "problems": problems, "case": manifest["case"]["number"],
            "files": len(listed), "chain": manifest["chain"], "key": manifest.get("key")}


def _chain_problems(history: list[dict], chain: dict) -> list[str]:
    prev = GENESIS
    for event in history:
        fields = {name: event[name] for name in _HASHED}
        if fields["prev_hash"] != prev or hashlib.sha256(canonical(fields)).hexdigest() != event["hash"]:
            return [f"history.json: event {event.get('seq')} does not chain"]
        prev = event["hash"]
    if len(history) != chain["length"] or prev != chain["head"]:
        return ["history.json: the chain does not end at the signed head"]
    return []
