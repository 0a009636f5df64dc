from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.models import User

from .conftest import TEST_PASSWORD


def signed_in_admin(make_user, login):
    admin = make_user("admin", "84", username="quantri")
    login(admin)
    return admin


def test_admin_lists_users(client, make_user, login):
    signed_in_admin(make_user, login)
    make_user("commune_officer", "29464", username="xa29464")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "xa29464" in page and "quantri" in page
    filtered = client.get("/admin/users?q=phuoc+hung").get_data(as_text=True)  # accent-free: Xã Phước Hưng
    assert "xa29464" in filtered and "quantri" not in filtered


def test_other_roles_may_not_open_admin_pages(client, make_user, login):
    login(make_user("pv05_officer", "84"))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


def test_admin_creates_a_user(client, make_user, login):
    signed_in_admin(make_user, login)
    form = {"username": "huyen849", "full_name": "Công an Huyện Trà Cú", "role": "district_officer",
            "unit": "849", "password": TEST_PASSWORD, "active": "y"}
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "huyen849"))
    assert (user.role, user.unit.code, user.active) == ("district_officer", "849", True)


def test_scope_mismatch_is_shown_next_to_the_unit_and_keeps_values(client, make_user, login):
    signed_in_admin(make_user, login)
    form = {"username": "huyen849", "full_name": "Công an Huyện Trà Cú", "role": "district_officer",
            "unit": "29464", "password": TEST_PASSWORD}
    response = client.post("/admin/users/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "phải gắn với đơn vị cấp Huyện" in page
    assert 'id="unit-feedback"' in page and "is-invalid" in page
    assert 'value="huyen849"' in page and 'value="Công an Huyện Trà Cú"' in page
    assert db.session.scalar(select(User).where(User.username == "huyen849")) is None


def test_admin_deactivates_and_changes_role(client, make_user, login):
    signed_in_admin(make_user, login)
    user = make_user("commune_officer", "29464")
    form = {"full_name": user.full_name, "role": "district_officer", "unit": "849"}  # no "active": unchecked
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.unit.code, user.active) == ("district_officer", "849", False)


def test_admin_cannot_deactivate_themselves(client, make_user, login):
    admin = signed_in_admin(make_user, login)
    response = client.post(f"/admin/users/{admin.id}", data={"full_name": "X", "role": "admin", "unit": "84"})
    assert response.status_code == 400
    assert "Bạn không thể tự khóa tài khoản của mình." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_unknown_user_is_404(client, make_user, login):
    signed_in_admin(make_user, login)
    assert client.get("/admin/users/99999").status_code == 404
