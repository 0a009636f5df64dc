"""Render the first page of each record to PNG for the docs (docs/documents/).

Builds a throw-away database with the demo data (whose dossiers went through the process), renders
each record of a recognized dossier and the province's letter of the year, and turns their first
pages into pictures with pdftoppm (Debian's poppler-utils).

    .venv/bin/python tools/document_pictures.py docs/documents
"""
from __future__ import annotations

import subprocess  # nosec B404 - runs pdftoppm on files this script wrote
import sys
import tempfile
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from workflow_app import create_app
from workflow_app.demo import seed_demo
from workflow_app.documents import render
from workflow_app.documents.routes import batch_of, record_of
from workflow_app.extensions import db
from workflow_app.models import Dossier


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/demo.sqlite3", "SECRET_KEY": "pictures",
                          "AUDIT_KEY": "pictures", "UPLOAD_DIR": f"{work}/uploads", "SERVER_NAME": "antt.local",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context(), app.test_request_context():
            upgrade()
            seed_demo("pictures-only-password")
            db.session.commit()
            dossier = db.session.scalars(select(Dossier).where(Dossier.state == "recognized",
                                                               Dossier.level == "commune").order_by(Dossier.id)).first()
            documents = {kind: record_of(dossier, kind).document
                         for kind in ("tu-danh-gia", "tham-dinh", "xac-minh", "cong-nhan")}
            documents["xac-minh-tinh"] = batch_of(dossier.unit.province, dossier.criteria_set, dossier.year).document
            for name, document in documents.items():
                pdf = Path(work) / f"{name}.pdf"
                pdf.write_bytes(render.pdf(document))
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),  # nosec B603 B607
                                str(target / name)], check=True)
                print(target / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/documents"))
