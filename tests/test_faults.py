"""Faults on PostgreSQL: the database connection lost mid-request, the worker killed (SIGKILL) in
the middle of a transition and of an upload, a full upload disk. Each time the state, the files
and the audit trail stay consistent, the user is told clearly, and the next request works."""
from __future__ import annotations

import errno
import http.cookiejar
import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from workflow_app import create_app
from workflow_app.admin.operations import create_user
from workflow_app.audit import trail
from workflow_app.dossiers import evidence as storage
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier, Evidence
from workflow_app.transaction import unit_of_work

from .conftest import (
    TEST_PASSWORD,
    FreshContextClient,
    base_config,
    build_dossier,
    prepare_database,
)
from .files import PDF

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg(_pg_schema, tmp_path):
    """The application on the worker's PostgreSQL database, with a commune and a district officer and
    a dossier submitted by the commune (Xã Mỹ Cẩm)."""
    app = create_app(base_config(_pg_schema, tmp_path / "uploads"))
    app.test_client_class = FreshContextClient
    with app.app_context():
        prepare_database("postgresql")
        people = {
            "commune": create_user(None, username="xa29269", full_name="Công an xã Mỹ Cẩm", password=TEST_PASSWORD,
                                   role="commune_officer", unit_code="29269"),
            "district": create_user(None, username="huyen844", full_name="Công an huyện Càng Long",
                                    password=TEST_PASSWORD, role="district_officer", unit_code="844"),
        }
        db.session.commit()
        submitted = build_dossier("29269", "xa-ntm-19.2", "commune_submitted", creator=people["commune"])
        yield app, people, submitted.id, _pg_schema
        db.session.remove()
        db.engine.dispose()


def consistent(dossier_id: int, state: str, version: int) -> None:
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    assert (dossier.state, dossier.version) == (state, version)
    assert trail.verify().ok


def as_draft(dossier_id: int) -> int:
    """Put the dossier back in draft (as if never submitted); its version."""
    with unit_of_work():
        db.session.execute(Dossier.__table__.update().where(Dossier.id == dossier_id).values(state="draft"))
    return db.session.get(Dossier, dossier_id).version


def signed_in(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    return client


# --- the connection to the database is lost in the middle of a request ------------------------


def test_a_lost_database_connection_saves_nothing_and_the_next_request_works(pg, monkeypatch):
    app, people, dossier_id, _url = pg
    version = db.session.get(Dossier, dossier_id).version
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    append = trail.append

    def cut_off(actor, action, **kwargs):
        fields = append(actor, action, **kwargs)
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))  # the server drops us
        return fields

    monkeypatch.setattr(trail, "append", cut_off)
    client = signed_in(app, people["district"])
    response = client.post(f"/dossiers/{dossier_id}/transitions/return_to_commune",
                           data={"version": version, "comment": "Bổ sung kế hoạch"})
    assert response.status_code == 503
    assert "Mất kết nối tới cơ sở dữ liệu" in response.get_data(as_text=True)
    monkeypatch.setattr(trail, "append", append)
    consistent(dossier_id, "commune_submitted", version)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    again = client.post(f"/dossiers/{dossier_id}/transitions/return_to_commune",
                        data={"version": version, "comment": "Bổ sung kế hoạch"})
    assert again.status_code == 302
    consistent(dossier_id, "returned", version + 1)


# --- the worker is killed in the middle of a change ---------------------------------------------


class Server:
    """The application in a process of its own, that pauses inside one audited change."""

    def __init__(self, url: str, uploads: Path, pause_on: str, marker: Path):
        self.marker = marker
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fault_server", url, str(uploads), pause_on, str(marker)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.base = f"http://127.0.0.1:{self.process.stdout.readline().strip()}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path: str, data: dict, files: dict | None = None) -> None:
        if files:
            boundary = "----ranh-gioi"
            parts = []
            for name, value in data.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, (filename, content) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                             f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            request = urllib.request.Request(self.base + path, data=body,
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        else:
            request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode())
        try:
            self.opener.open(request, timeout=60).read()
        except OSError:
            pass  # the process was killed under this request

    def kill_when_paused(self, request: threading.Thread) -> None:
        request.start()
        for _ in range(300):
            if self.marker.exists():
                break
            time.sleep(0.05)
        assert self.marker.exists(), "the server never reached the change"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        request.join(timeout=30)


def test_a_worker_killed_mid_transition_leaves_the_dossier_as_it_was(pg, tmp_path):
    app, people, dossier_id, url = pg
    version = db.session.get(Dossier, dossier_id).version
    server = Server(url, tmp_path / "uploads", "return_to_commune", tmp_path / "paused")
    server.post("/login", {"username": people["district"].username, "password": TEST_PASSWORD})
    server.kill_when_paused(threading.Thread(target=server.post, args=(
        f"/dossiers/{dossier_id}/transitions/return_to_commune", {"version": version, "comment": "Bổ sung"})))
    consistent(dossier_id, "commune_submitted", version)
    client = signed_in(app, people["district"])  # the next request works: no lock was left behind
    assert client.post(f"/dossiers/{dossier_id}/transitions/return_to_commune",
                       data={"version": version, "comment": "Bổ sung kế hoạch"}).status_code == 302
    consistent(dossier_id, "returned", version + 1)


def test_a_worker_killed_mid_upload_leaves_no_row_and_an_orphan_the_command_finds(pg, tmp_path):
    app, people, dossier_id, url = pg
    version = as_draft(dossier_id)
    rows = db.session.scalar(select(func.count()).select_from(Evidence))
    server = Server(url, tmp_path / "uploads", "evidence_added", tmp_path / "paused")
    server.post("/login", {"username": people["commune"].username, "password": TEST_PASSWORD})
    server.kill_when_paused(threading.Thread(target=server.post, args=(
        f"/dossiers/{dossier_id}/evidence", {"version": version, "document_type": "ke_hoach_nam_tinh_hinh",
                                             "issued_on": "10/02/2024"}, {"file": ("ke-hoach.pdf", PDF)})))
    consistent(dossier_id, "draft", version)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == rows
    from datetime import timedelta

    left = storage.orphans(timedelta(0))
    assert len(left) == 1 and left[0].read_bytes() == PDF  # written before the commit that never came
    client = signed_in(app, people["commune"])
    response = client.post(f"/dossiers/{dossier_id}/evidence", data={
        "version": version, "document_type": "ke_hoach_nam_tinh_hinh", "issued_on": "10/02/2024",
        "file": (io.BytesIO(PDF), "ke-hoach.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    consistent(dossier_id, "draft", version + 1)


# --- the upload disk is full ---------------------------------------------------------------------


def test_a_full_upload_disk_is_said_plainly_and_leaves_nothing(pg, monkeypatch):
    app, people, dossier_id, _url = pg
    version = as_draft(dossier_id)
    rows = db.session.scalar(select(func.count()).select_from(Evidence))

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)
    client = signed_in(app, people["commune"])
    form = {"version": version, "document_type": "ke_hoach_nam_tinh_hinh", "issued_on": "10/02/2024"}
    response = client.post(f"/dossiers/{dossier_id}/evidence", data={**form, "file": (io.BytesIO(PDF), "ke-hoach.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 503
    assert "đĩa" in response.get_data(as_text=True)  # "its disk may be full", next to the file field
    consistent(dossier_id, "draft", version)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == rows
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not [p for p in uploads.rglob("*") if p.is_file()]  # no file, no partial file
    monkeypatch.undo()
    again = client.post(f"/dossiers/{dossier_id}/evidence", data={**form, "file": (io.BytesIO(PDF), "ke-hoach.pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 302
