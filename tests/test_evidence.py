import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from workflow_app import errors
from workflow_app.dossiers import evidence as storage
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.errors import ValidationFailed
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Evidence

from .files import DOCX, EXE, JPEG, ODT, OTHER_ZIP, PDF, PNG, XLSX, bomb, zipped

COMMUNE = "29269"


@pytest.fixture
def officer(make_user):
    return make_user("commune_officer", COMMUNE)


@pytest.fixture
def dossier(officer, make_dossier):
    return make_dossier(COMMUNE, "xa-ntm-19.2", "draft")


def upload(officer, dossier, content, name="ke-hoach.pdf", **kwargs):
    kwargs.setdefault("document_type", "ke_hoach_nam_tinh_hinh")
    kwargs.setdefault("issued_on", "2024-02-10")
    return ops.add_evidence(officer, dossier, io.BytesIO(content), name, **kwargs)


@pytest.mark.parametrize(
    "content, content_type",
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
     (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
     (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
     (ODT, "application/vnd.oasis.opendocument.text")],
)
def test_accepted_kinds_are_recognized_from_content(app, officer, dossier, content, content_type):
    row = upload(officer, dossier, content, name="tai-lieu.pdf")
    db.session.commit()
    assert row.content_type == content_type
    assert row.size == len(content) and row.sha256 == hashlib.sha256(content).hexdigest()
    stored = storage.path_of(row.stored_name)
    assert stored.read_bytes() == content
    assert row.stored_name not in row.filename and app.static_folder not in str(stored)


@pytest.mark.parametrize("content", [EXE, OTHER_ZIP, b"<html><script>alert(1)</script></html>", b"PK\x03\x04broken"])
def test_other_content_is_refused_whatever_its_name(app, officer, dossier, content):
    with pytest.raises(ValidationFailed) as err:
        upload(officer, dossier, content, name="quyet-dinh.pdf")
    assert "file" in err.value.fields and "PDF, JPEG, PNG, DOCX, XLSX, ODT" in err.value.message


def test_a_png_named_pdf_is_stored_as_png(app, officer, dossier):
    assert upload(officer, dossier, PNG, name="scan.pdf").content_type == "image/png"


def test_size_limit(app, officer, dossier):
    app.config["MAX_UPLOAD_BYTES"] = len(PDF) - 1
    with pytest.raises(errors.TooLarge) as err:
        upload(officer, dossier, PDF)
    assert err.value.status == 413 and "file" in err.value.fields


@pytest.mark.parametrize(
    "changes, field",
    [({"document_type": "thu_tay"}, "document_type"), ({"issued_on": "10/02/2024"}, "issued_on"),
     ({"issued_on": "2999-01-01"}, "issued_on"), ({"criterion": "TC99"}, "criterion")],
)
def test_bad_metadata_names_the_field(app, officer, dossier, changes, field):
    with pytest.raises(Exception) as err:
        upload(officer, dossier, PDF, **changes)
    assert field in err.value.fields


def test_empty_file_is_refused(app, officer, dossier):
    with pytest.raises(ValidationFailed, match="rỗng"):
        upload(officer, dossier, b"")


def test_rolled_back_upload_leaves_no_file(app, officer, dossier):
    row = upload(officer, dossier, PDF)
    path = storage.path_of(row.stored_name)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    assert db.session.scalars(select(Evidence).where(Evidence.stored_name == row.stored_name)).first() is None


def test_path_in_the_name_is_dropped(app, officer, dossier):
    row = upload(officer, dossier, PDF, name="../../etc/Nghị quyết số 05.pdf")
    assert row.filename == "Nghị quyết số 05.pdf"


def test_an_upload_satisfies_its_document_requirement(app, officer, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    for row in list(dossier.evidence):
        if row.document_type == "nghi_quyet_dang_uy":
            ops.remove_evidence(officer, dossier, row)
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "incomplete"
    upload(officer, dossier, PDF, document_type="nghi_quyet_dang_uy", issued_on=date(2024, 1, 20))
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "met"


def test_removal_keeps_the_record_and_is_audited(app, officer, dossier):
    row = upload(officer, dossier, PDF)
    db.session.commit()
    ops.remove_evidence(officer, dossier, row)
    db.session.commit()
    db.session.expire_all()
    assert row.id not in [e.id for e in dossier.evidence]
    assert db.session.get(Evidence, row.id).removed_at is not None
    assert storage.path_of(row.stored_name).exists()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(2)).all()
    assert actions == ["evidence_removed", "evidence_added"]


def test_evidence_cannot_be_added_after_submission(app, officer, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    with pytest.raises(ops.Conflict):
        upload(officer, dossier, PDF)


def test_a_savepoint_rolled_back_keeps_the_files_written_before_it(app, officer, dossier):
    """A committed evidence row never loses its file because a later savepoint rolled back."""
    kept = upload(officer, dossier, PDF)
    savepoint = db.session.begin_nested()
    dropped = upload(officer, dossier, PNG, name="anh.png")
    dropped_path = storage.path_of(dropped.stored_name)
    savepoint.rollback()
    db.session.commit()
    assert storage.path_of(kept.stored_name).read_bytes() == PDF
    assert not dropped_path.exists()
    assert db.session.get(Evidence, kept.id) is not None


@pytest.mark.parametrize("content", [
    bomb("mimetype", 80 * 1024 * 1024),  # an ODT whose mimetype entry inflates to 80 MiB
    bomb("word/document.xml", 80 * 1024 * 1024, **{"[Content_Types].xml": b"<Types/>"}),  # a DOCX-looking bomb
    bomb("xl/sharedStrings.xml", 30 * 1024 * 1024, **{"xl/workbook.xml": b"<workbook/>"}),  # ratio far above any sheet
], ids=["odt-mimetype", "docx", "xlsx-ratio"])
def test_zip_bombs_are_refused_before_they_inflate(app, officer, dossier, content):
    assert len(content) < 1024 * 1024
    with pytest.raises(ValidationFailed) as err:
        upload(officer, dossier, content, name="bao-cao.docx")
    assert "expand to far more" in err.value.fields["file"] or "nén" in err.value.fields["file"]
    assert db.session.scalars(select(Evidence).where(Evidence.filename == "bao-cao.docx")).first() is None


def test_an_ordinary_large_office_file_is_accepted(app, officer, dossier):
    import os

    noise = os.urandom(3 * 1024 * 1024)  # incompressible: a large embedded image
    content = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                      "word/media/image1.png": noise})
    assert upload(officer, dossier, content, name="bao-cao.docx").content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize("name, stored", [
    ("Quyết định\r\nsố 12.pdf", "Quyết định số 12.pdf"),
    ("bao-cao\u202egpj.exe.pdf", "bao-caogpj.exe.pdf"),  # a right-to-left override
    ("Nghị\u200bquyết\ufeff.pdf", "Nghịquyết.pdf"),  # zero-width space, byte-order mark
    ("Ke\u0302\u0301 hoa\u0323ch.pdf", "Kế hoạch.pdf"),  # decomposed accents, composed
    ("\x07\x1b[31m.pdf", "[31m.pdf"),
    ("\u2028\u2029", "tai-lieu"),
])
def test_file_names_keep_letters_and_lose_invisible_characters(app, officer, dossier, name, stored):
    row = upload(officer, dossier, PDF, name=name)
    assert row.filename == stored
    db.session.commit()
    with app.test_request_context():
        response = storage.download(row)
        assert "\r" not in response.headers["Content-Disposition"] and "\n" not in response.headers["Content-Disposition"]
        response.close()


def test_a_name_stored_before_cleaning_still_downloads(app, officer, dossier):
    row = upload(officer, dossier, PDF)
    row.filename = "cu\r\nten.pdf"  # as an older version stored it
    db.session.commit()
    with app.test_request_context():
        response = storage.download(row)
        assert response.headers["Content-Disposition"] == 'attachment; filename="cu ten.pdf"'
        response.close()


def test_orphaned_files_are_listed_and_removed_but_not_uploads_under_way(app, officer, dossier, runner):
    import os
    import time

    kept = upload(officer, dossier, PDF)
    db.session.commit()
    old = time.time() - 2 * 3600
    os.utime(storage.path_of(kept.stored_name), (old, old))
    crashed = storage.path_of("ab" + "0" * 30)  # written, then the worker died before the commit
    crashed.parent.mkdir(parents=True, exist_ok=True)
    crashed.write_bytes(PDF)
    os.utime(crashed, (old, old))
    partial = crashed.with_name("cd" + "1" * 30 + ".part")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"%PDF-")
    os.utime(partial, (old, old))
    under_way = storage.path_of("ef" + "2" * 30)  # an upload whose row is not committed yet
    under_way.parent.mkdir(parents=True, exist_ok=True)
    under_way.write_bytes(PDF)
    listed = runner.invoke(args=["evidence", "orphans"])
    assert listed.exit_code == 0
    assert str(crashed) in listed.output and str(partial) in listed.output
    assert storage.path_of(kept.stored_name).name not in listed.output and str(under_way) not in listed.output
    assert crashed.exists()  # listing removes nothing
    removed = runner.invoke(args=["evidence", "orphans", "--delete"])
    assert removed.exit_code == 0 and "2 orphaned file(s) removed" in removed.output
    assert not crashed.exists() and not partial.exists() and under_way.exists()
    assert storage.path_of(kept.stored_name).exists()


def test_a_documents_type_and_date_are_corrected_and_the_trail_keeps_both(app, officer, dossier):
    row = upload(officer, dossier, PDF, document_type="ke_hoach_nam_tinh_hinh", issued_on="2024-02-10")
    db.session.commit()
    before = dossier.version
    ops.update_evidence(officer, dossier, row, document_type="nghi_quyet_dang_uy", issued_on=date(2024, 2, 11),
                        version=before)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Evidence, row.id)
    assert (stored.document_type, stored.issued_on, stored.sha256) == ("nghi_quyet_dang_uy", date(2024, 2, 11), row.sha256)
    assert dossier.version == before + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert entry.action == "evidence_changed"
    assert entry.details["changes"] == {"document_type": ["ke_hoach_nam_tinh_hinh", "nghi_quyet_dang_uy"],
                                        "issued_on": ["2024-02-10", "2024-02-11"]}


def test_a_correction_that_changes_nothing_writes_nothing(app, officer, dossier):
    row = upload(officer, dossier, PDF, issued_on="2024-02-10")
    db.session.commit()
    version, entries = dossier.version, db.session.scalar(select(func.count()).select_from(AuditEntry))
    ops.update_evidence(officer, dossier, row, document_type=row.document_type, issued_on="2024-02-10")
    db.session.commit()
    assert dossier.version == version
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


@pytest.mark.parametrize("changes, field", [
    ({"document_type": "khong_co"}, "document_type"),
    ({"issued_on": "2024-13-01"}, "issued_on"),
    ({"issued_on": "2999-01-01"}, "issued_on"),
])
def test_a_wrong_correction_names_the_field_and_changes_nothing(app, officer, dossier, changes, field):
    row = upload(officer, dossier, PDF, issued_on="2024-02-10")
    db.session.commit()
    kwargs = {"document_type": row.document_type, "issued_on": row.issued_on, **changes}
    with pytest.raises(ValidationFailed) as refused:
        ops.update_evidence(officer, dossier, row, **kwargs)
    assert field in refused.value.fields
    db.session.rollback()
    assert (db.session.get(Evidence, row.id).document_type, db.session.get(Evidence, row.id).issued_on) == (
        "ke_hoach_nam_tinh_hinh", date(2024, 2, 10))


def test_a_submitted_dossiers_documents_cannot_be_corrected(app, officer, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    row = dossier.evidence[0]
    with pytest.raises(ops.Conflict):
        ops.update_evidence(officer, dossier, row, issued_on="2024-01-01")


def test_a_document_filed_under_the_wrong_type_counts_once_corrected(app, officer, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    for row in list(dossier.evidence):
        if row.document_type == "nghi_quyet_dang_uy":
            ops.remove_evidence(officer, dossier, row)
    row = upload(officer, dossier, PDF, document_type="ke_hoach_ubnd", issued_on=date(2024, 1, 20))
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "incomplete"
    ops.update_evidence(officer, dossier, row, document_type="nghi_quyet_dang_uy", issued_on=date(2024, 1, 20))
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "met"
