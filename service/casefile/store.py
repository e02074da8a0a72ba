"""Where the case file's bytes live: one small interface, two stores (SPEC §12).

`DatabaseStore` (the default: the embedded SQLite and small deployments) keeps each content as
1 MiB rows beside the rest of the data, so a backup of the database is a backup of the files.
`DirectoryStore` (production: `IPCASE_ATTACHMENT_DIR`, a volume in compose) keeps one file per
content, named by its SHA-256. Content is addressed by its hash: stored once however many
cases hold it, never overwritten. Reading streams one chunk at a time; the caller checks the
hash (`read_verified`), since a store is only a place, not a witness.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.casefile.models import BlobChunk
from service.core.db import Database

CHUNK = 1 << 20
_SEQ = bindparam("seq")


class MissingFile(Exception):
    """The store has no content under this hash."""


class CorruptFile(Exception):
    """The stored content does not hash to the name it is stored under."""


class BlobStore(Protocol):
    kind: str

    def put(self, session: Session, sha256: str, source: BinaryIO) -> None:
        """Store `source` (read from its start) under `sha256`, unless already there; `session` is
        the transaction recording the attachment (the database store writes in it)."""

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The content, chunk by chunk; MissingFile when absent."""


def _copy_chunks(source: BinaryIO) -> Iterator[bytes]:
    source.seek(0)
    while chunk := source.read(CHUNK):
        yield chunk


class DatabaseStore:
    kind = "database"

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, session: Session, sha256: str, source: BinaryIO) -> None:
        table = BlobChunk.__table__
        if session.execute(select(table.c.seq).where(table.c.sha256 == sha256, table.c.seq == 0)).first():
            return
        insert = (sqlite.insert(table) if self.db.is_sqlite else postgresql.insert(table)).on_conflict_do_nothing()
        for seq, chunk in enumerate(_copy_chunks(source)):  # a concurrent upload of the same content: one wins
            session.execute(insert, {"sha256": sha256, "seq": seq, "data": chunk})

    def chunks(self, sha256: str) -> Iterator[bytes]:
        table = BlobChunk.__table__
        query = select(table.c.data).where(table.c.sha256 == sha256, table.c.seq == _SEQ)
        seq = 0
        with self.db.read() as session, contextlib.ExitStack() as stack:
            if self.db.is_sqlite:
                fetch = lambda n: session.execute(query, {"seq": n}).first()  # noqa: E731
            else:
                # bytea in psycopg's binary format: its text format (hex) costs 4x the time to read
                cursor = stack.enter_context(session.connection().connection.driver_connection.cursor(binary=True))
                fetch = lambda n: cursor.execute(_PG_CHUNK, (sha256, n)).fetchone()  # noqa: E731
            while (row := fetch(seq)) is not None:
                yield bytes(row[0])
                seq += 1
        if seq == 0:
            raise MissingFile(sha256)


_PG_CHUNK = "SELECT data FROM casefile_blob_chunks WHERE sha256 = %s AND seq = %s"


class DirectoryStore:
    kind = "directory"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, session: Session, sha256: str, source: BinaryIO) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(exist_ok=True)
        temporary = target.parent / f".{uuid.uuid4().hex}.part"
        try:
            with open(temporary, "wb") as out:
                for chunk in _copy_chunks(source):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)  # atomic: a reader sees the whole file or none
        finally:
            temporary.unlink(missing_ok=True)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = open(self.path(sha256), "rb")  # noqa: SIM115  closed below, after the last chunk
        except FileNotFoundError:
            raise MissingFile(sha256) from None
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk


def check(store: BlobStore, sha256: str) -> int:
    """Read the content once and compare its hash; its size, or MissingFile / CorruptFile."""
    digest, size = hashlib.sha256(), 0
    for chunk in store.chunks(sha256):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != sha256:
        raise CorruptFile(sha256)
    return size


def read_verified(store: BlobStore, sha256: str) -> Iterator[bytes]:
    """The content, after one pass that checked its hash (so nothing is sent of a swapped file).

    Two reads of the store instead of one: the price of refusing before the first byte goes out."""
    check(store, sha256)
    return store.chunks(sha256)


def store_for(db: Database, directory: str | None) -> BlobStore:
    """The store this setting names (`IPCASE_ATTACHMENT_DIR`): a directory, else the database."""
    return DirectoryStore(directory) if directory else DatabaseStore(db)
