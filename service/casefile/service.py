"""Attachments of the case file (SPEC §12): attach, detach, list, read, and the check of every
stored file against the case chains (`audit verify --files`).

An upload arrives spooled by the multipart parser (1 MiB in memory, the rest on disk), is
hashed and typed there, and only then enters one short transaction: the bytes go to the store
(the database store writes them in that transaction), the case is locked, the machine decides
`attach` like any other event (its state: not a closed case), and the event carrying the hash
joins the case's chain. Nothing here passes through the event writer, whose group commit keeps
serving `POST /events` unslowed; the case row lock orders the two.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.casefile import sniff
from service.casefile.models import Attachment
from service.casefile.store import BlobStore, CorruptFile, MissingFile, check, read_verified
from service.cases.commands import apply_step, lock_cases, write_cases
from service.cases.queries import _readers_only, _shared_only, case_access, check_visible
from service.cases.view import snapshot
from service.core.db import Database
from service.core.errors import IntegrityFailed, PayloadTooLarge, UnsupportedMediaType
from service.core.models import Event
from state_machines.case_machine import Rules, decide
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.principals import Actor, may_file
from state_machines.types import CHINA_TZ


def check_may_attach(db: Database, actor: Actor, case_id: str, rules: Rules) -> None:
    """404/403 before the body is read: a refused upload costs the client no transfer."""
    with db.read() as session:
        _row, shared_only = case_access(session, actor, case_id, city_reviews_districts=rules.city_reviews_districts)
    if not may_file(actor, shared_only=shared_only):
        raise Forbidden(f"role {actor.role} may not change this case's file (its district's officers and supervisors)")


def clean_name(name: str | None) -> str:
    """The file's own name (no folders, no control characters, NFC), at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if not base or base in (".", ".."):
        raise InvalidData("the file needs a name (the multipart part's filename)", fields=["file"])
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


def measure(source: BinaryIO, max_bytes: int) -> tuple[str, int]:
    """SHA-256 and size, reading 1 MiB at a time; 413 past the limit."""
    digest, size = hashlib.sha256(), 0
    source.seek(0)
    while chunk := source.read(1 << 20):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"attachments are limited to {max_bytes} bytes", limit=max_bytes)
        digest.update(chunk)
    if size == 0:
        raise InvalidData("the file is empty", fields=["file"])
    return digest.hexdigest(), size


def attach(db: Database, store: BlobStore, actor: Actor, case_id: str, source: BinaryIO, filename: str | None,
           rules: Rules, max_bytes: int, now: datetime | None = None) -> dict:
    name = clean_name(filename)
    sha256, size = measure(source, max_bytes)
    mime = sniff.content_type(source, name)
    if mime is None:
        raise UnsupportedMediaType(f"{name}: the content is none of the allowed kinds: {sniff.ALLOWED} "
                                   "(the type is read from the bytes, not the name)")
    now = now or datetime.now(UTC)
    attachment_id = str(uuid.uuid4())
    data = {"attachment_id": attachment_id, "sha256": sha256, "name": name, "content_type": mime, "size": size}
    with db.write() as session:
        store.put(session, sha256, source)
        row, parties, shared_only = _lock(session, actor, case_id, rules)
        step = _decide(row, parties, shared_only, actor, "attach", data, None, rules, now)
        apply_step(session, row, parties, step, actor.id, rules, now)
        write_cases(session, [row])
        attachment = Attachment(id=attachment_id, case_id=case_id, sha256=sha256, name=name, content_type=mime,
                                size=size, attached_by=actor.id, attached_at=now, attach_seq=row.version)
        session.add(attachment)
        session.flush()
        return {**attachment_json(attachment), "case_version": row.version}


def detach(db: Database, actor: Actor, case_id: str, attachment_id: str, reason: str | None, rules: Rules,
           now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    with db.write() as session:
        row, parties, shared_only = _lock(session, actor, case_id, rules)
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.case_id != case_id:
            raise NotFound("no such attachment")
        if attachment.detached_at is not None:
            raise GuardFailed("this attachment was already removed from the case file")
        data = {"attachment_id": attachment_id, "sha256": attachment.sha256}
        step = _decide(row, parties, shared_only, actor, "detach", data, reason, rules, now)
        apply_step(session, row, parties, step, actor.id, rules, now)
        write_cases(session, [row])
        attachment.detached_at, attachment.detached_by = now, actor.id
        session.flush()
        return {**attachment_json(attachment), "case_version": row.version}


def _lock(session: Session, actor: Actor, case_id: str, rules: Rules):
    """Lock the case as `fire_events` does; 404 unless visible, 403 unless the actor may change its file."""
    _readers_only(actor)
    row, parties = lock_cases(session, {case_id}).get(case_id, (None, {}))
    shared_only = _shared_only(session, actor, row, city_reviews_districts=rules.city_reviews_districts)
    if not may_file(actor, shared_only=shared_only):
        raise Forbidden(f"role {actor.role} may not change this case's file (its district's officers and supervisors)")
    return row, parties, shared_only


def _decide(row, parties: dict, shared_only: bool, actor: Actor, event: str, data: dict, reason: str | None,
            rules: Rules, now: datetime):
    """The case's machine decides the event (its state, the data), like any other event."""
    snap = snapshot(row, *(parties.get("respondent") or (None, None)))
    return decide(snap, actor, event, data, reason, rules, now, shared_only=shared_only)


def attachment_json(a: Attachment) -> dict:
    out = {"id": a.id, "case_id": a.case_id, "name": a.name, "content_type": a.content_type, "size": a.size,
           "sha256": a.sha256, "attached_by": a.attached_by,
           "attached_at": a.attached_at.astimezone(CHINA_TZ).isoformat(),
           "attach_seq": a.attach_seq, "detached": a.detached_at is not None,
           "url": f"/api/v1/cases/{a.case_id}/attachments/{a.id}/content"}
    if a.detached_at is not None:
        out["detached_at"] = a.detached_at.astimezone(CHINA_TZ).isoformat()
        out["detached_by"] = a.detached_by
    return out


def list_attachments(session: Session, actor: Actor, case_id: str, rules: Rules, *,
                     include_detached: bool = True) -> dict:
    check_visible(session, actor, case_id, city_reviews_districts=rules.city_reviews_districts)
    query = select(Attachment).where(Attachment.case_id == case_id)
    if not include_detached:
        query = query.where(Attachment.detached_at.is_(None))
    rows = session.scalars(query.order_by(Attachment.attached_at, Attachment.id)).all()
    return {"items": [attachment_json(a) for a in rows]}


def attachments_of(session: Session, case_id: str) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id)
                                .order_by(Attachment.attached_at, Attachment.id)))


def open_attachment(session: Session, store: BlobStore, actor: Actor, case_id: str, attachment_id: str,
                    rules: Rules):
    """The attachment and its verified content (chunks); 404 unless the case is readable."""
    check_visible(session, actor, case_id, city_reviews_districts=rules.city_reviews_districts)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise NotFound("no such attachment")
    recorded = _recorded_sha256(session, case_id, attachment.attach_seq)
    try:
        if recorded != attachment.sha256:
            raise CorruptFile(attachment.sha256)
        return attachment, read_verified(store, recorded)
    except (MissingFile, CorruptFile) as exc:
        problem = "missing" if isinstance(exc, MissingFile) else "does not match the hash in the case's chain"
        raise IntegrityFailed(f"the stored file {problem}: it is not served; run `ipcase audit verify --files`",
                              sha256=recorded) from None


def _recorded_sha256(session: Session, case_id: str, seq: int) -> str | None:
    """The hash the case's own chain recorded for this attachment (the attachment row is only an index)."""
    data = session.scalar(select(Event.data).where(Event.stream_id == case_id, Event.seq == seq,
                                                   Event.event == "attach"))
    return (data or {}).get("sha256")


def verify_files(session: Session, store: BlobStore, limit: int = 100) -> dict:
    """Every file the case chains recorded (`attach` events), read and hashed; the chains themselves
    are `audit verify`'s. Reports each missing or swapped file (up to `limit`) with its case."""
    rows = session.execute(select(Event.stream_id, Event.seq, Event.data)
                           .where(Event.stream_type == "case", Event.event == "attach")
                           .order_by(Event.stream_id, Event.seq))
    by_hash: dict[str, list[dict]] = {}
    for case_id, seq, data in rows:
        by_hash.setdefault(data["sha256"], []).append(
            {"case_id": case_id, "seq": seq, "attachment_id": data.get("attachment_id"), "name": data.get("name")})
    bad: list[dict] = []
    for sha256, holders in by_hash.items():
        try:
            check(store, sha256)
            continue
        except MissingFile:
            problem = "missing"
        except CorruptFile:
            problem = "content does not match its SHA-256"
        bad.extend({**h, "sha256": sha256, "problem": problem} for h in holders)
    return {"ok": not bad, "files_checked": len(by_hash), "store": store.kind, "bad": bad[:limit],
            "bad_count": len(bad)}
