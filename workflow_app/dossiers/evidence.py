"""Evidence files: type checked from content, stored under random names outside any served folder."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app, send_file
from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from ..extensions import db
from ..models import Evidence

# What each accepted kind of file starts with (or, for office files, what its zip holds).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
ZIP_KINDS = (
    ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ACCEPTED = ", ".join([label for *_rest, label in SIGNATURES + ZIP_KINDS] + ["ODT"])
# Every content type an evidence file may have (the API's description lists them).
CONTENT_TYPES = [content_type for _magic, content_type, _label in SIGNATURES + ZIP_KINDS] + [ODT_MIMETYPE.decode()]


# What an office file's zip may hold. Real DOCX/XLSX/ODT files stay far below these; a file
# that declares more is refused before anything is inflated (a "zip bomb" would take the worker's
# memory). Only the few bytes of the ODT "mimetype" entry are ever read.
MAX_ZIP_ENTRIES = 5_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one entry, as declared
MAX_ZIP_BYTES = 256 * 1024 * 1024  # all entries together, as declared
MAX_RATIO = 100  # inflated / compressed size, for entries over 1 MiB
RATIO_FROM = 1024 * 1024


class FileTooLarge(Exception):
    pass


class UnsupportedFile(Exception):
    pass


class SuspiciousArchive(UnsupportedFile):
    """A zip that would inflate to far more than any office file."""


class StorageFailed(Exception):
    """The file could not be written (a full disk, a broken mount): nothing of it is left behind."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size: int
    sha256: str
    content_type: str


def sniff(content: bytes) -> str:
    """The content type, judged from the bytes themselves (never from the name or the browser)."""
    for magic, content_type, _label in SIGNATURES:
        if content.startswith(magic):
            return content_type
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                _check_sizes(archive.infolist())
                names = set(archive.namelist())
                if "mimetype" in names:
                    with archive.open("mimetype") as member:
                        if member.read(len(ODT_MIMETYPE) + 2).strip() == ODT_MIMETYPE:
                            return ODT_MIMETYPE.decode()
                for member_name, content_type, _label in ZIP_KINDS:
                    if member_name in names:
                        return content_type
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, NotImplementedError):
            pass
    raise UnsupportedFile(ACCEPTED)


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SuspiciousArchive(f"{len(entries)} entries")
    total = 0
    for info in entries:
        total += info.file_size
        absurd_ratio = info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or absurd_ratio or total > MAX_ZIP_BYTES:
            raise SuspiciousArchive(info.filename)


# Control characters (a line break breaks the download's headers), format characters (bidi
# overrides that make "gpj.exe" read as "exe.jpg", zero-width spaces) and line separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def clean_filename(name: str) -> str:
    """A file name as it may be stored and sent back: no folders, no invisible or control
    characters, Vietnamese letters kept (in their composed form)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = " ".join(name.split())
    return (name or "tai-lieu")[-255:]


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge(limit)
    return content


def download(row):
    """The response that hands an evidence file to a reader (names stored before names were
    cleaned are cleaned on the way out)."""
    return send_file(path_of(row.stored_name), mimetype=row.content_type, as_attachment=True,
                     download_name=clean_filename(row.filename))


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(stored_name: str) -> Path:
    return upload_dir() / stored_name[:2] / stored_name


def store(session: Session, content: bytes) -> StoredFile:
    """Write the file; if the session's transaction then rolls back, the file is removed."""
    content_type = sniff(content)
    stored_name = secrets.token_hex(16)
    path = path_of(stored_name)
    partial = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageFailed(exc.strerror or str(exc)) from exc
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault("new_files", []).append((path, transaction))
    return StoredFile(stored_name, len(content), hashlib.sha256(content).hexdigest(), content_type)


def _within(transaction, rolled_back) -> bool:
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


def orphans(grace: timedelta = timedelta(hours=1)) -> list[Path]:
    """Files in the upload folder that no evidence row names (left by a crash between writing a
    file and committing its row). Files younger than `grace` are left out: an upload under way
    writes its file before its row is committed, so this is safe to run while serving."""
    root = upload_dir()
    if not root.is_dir():
        return []
    cutoff = time.time() - grace.total_seconds()
    candidates = {path.name.split(".")[0]: path for path in root.glob("??/*")
                  if path.is_file() and path.stat().st_mtime < cutoff}
    known: set[str] = set()
    names = sorted(candidates)
    for start in range(0, len(names), 500):
        batch = names[start:start + 500]
        known |= set(db.session.scalars(select(Evidence.stored_name).where(Evidence.stored_name.in_(batch))))
    return sorted(path for name, path in candidates.items() if name not in known)


@event.listens_for(Session, "after_soft_rollback")
def _remove_files_of_rolled_back_uploads(session, previous_transaction):
    """Delete the files written inside the transaction (or savepoint) that rolled back, and only those:
    a savepoint rolled back inside a request that then commits keeps the files written before it."""
    kept = []
    for path, transaction in session.info.pop("new_files", []):
        if _within(transaction, previous_transaction):
            Path(path).unlink(missing_ok=True)
        else:
            kept.append((path, transaction))
    if kept:
        session.info["new_files"] = kept


@event.listens_for(Session, "after_commit")
def _keep_files_of_committed_uploads(session):
    session.info.pop("new_files", None)
