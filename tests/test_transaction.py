"""The unit of work: a lost race is a conflict; any other database error is logged and raised."""
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.models import Comment, Unit
from workflow_app.transaction import unit_of_work


def test_a_taken_unique_key_is_a_conflict(app):
    with pytest.raises(Conflict):
        with unit_of_work():
            db.session.add(Unit(code="84", name="Tỉnh trùng mã", level="province", type="tinh", search_name="x"))
    assert db.session.query(Unit).filter_by(name="Tỉnh trùng mã").count() == 0


def test_any_other_integrity_error_is_logged_not_called_a_conflict(app, caplog):
    with caplog.at_level(logging.ERROR, logger="workflow_app.transaction"):
        with pytest.raises(IntegrityError):
            with unit_of_work():
                db.session.add(Comment(dossier_id=1, text=None, by_id=1))  # a fault of ours: NOT NULL
    assert "integrity error that no concurrent request explains" in caplog.text


def test_it_reaches_the_user_as_a_server_error_page(app, client, make_user, login, monkeypatch):
    from workflow_app.admin import routes

    admin = make_user("admin", "84")
    login(admin)

    def broken(*args, **kwargs):
        db.session.add(Comment(dossier_id=1, text=None, by_id=1))

    monkeypatch.setattr(routes, "create_user", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/admin/users/new", data={"username": "moi", "full_name": "Mới", "password": "mot-hai-ba-bon",
                                                     "role": "inspector", "unit": "84", "active": "y"})
    assert response.status_code == 500 and "Chưa có gì được lưu" in response.get_data(as_text=True)
    assert "cùng lúc" not in response.get_data(as_text=True)
