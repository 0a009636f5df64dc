import pytest

from workflow_app import create_app

from .conftest import TEST_PASSWORD

HOME_HEADINGS = {
    "commune_officer": ("29464", "Công an xã"),
    "district_officer": ("844", "Đang chờ bạn xử lý (0)"),
    "pv05_officer": ("84", "Đang chờ bạn xử lý (0)"),
    "inspector": ("84", "nhật ký kiểm tra"),
    "admin": ("84", "Quản lý người dùng"),
}


@pytest.mark.parametrize("role", HOME_HEADINGS)
def test_each_role_signs_in_to_its_home_page(client, make_user, login, role):
    unit_code, expected = HOME_HEADINGS[role]
    user = make_user(role, unit_code)
    response = login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert expected in page
    assert user.full_name in page


def test_wrong_password_keeps_the_username_and_says_why(client, make_user, login):
    user = make_user("inspector", "84", username="thanhtra")
    response = login(user, password="sai-mat-khau")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sai tên đăng nhập hoặc mật khẩu." in page
    assert 'value="thanhtra"' in page
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer(client):
    response = client.post("/login", data={"username": "khongco", "password": "whatever123"})
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, make_user, login):
    user = make_user("commune_officer", "29464", active=False)
    response = login(user)
    assert response.status_code == 400
    assert "Tài khoản này đã bị khóa" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_is_signed_out_on_next_request(client, make_user, login, app):
    from workflow_app.extensions import db

    user = make_user("commune_officer", "29464")
    login(user)
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_next_is_followed_only_within_the_site(client, make_user):
    user = make_user("admin", "84")
    data = {"username": user.username, "password": TEST_PASSWORD}
    assert client.post("/login?next=/admin/users", data=data).headers["Location"] == "/admin/users"
    client.post("/logout")
    assert client.post("/login?next=https://evil.example/", data=data).headers["Location"] == "/"
    client.post("/logout")
    assert client.post("/login?next=//evil.example/", data=data).headers["Location"] == "/"


def test_logout_is_a_post(client, make_user, login):
    login(make_user("inspector", "84"))
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", follow_redirects=True)
    assert "Bạn đã đăng xuất." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_form_requires_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("inspector", "84")
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, make_user, login):
    response = login(make_user("inspector", "84"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_app_factory_keeps_config_overrides():
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "x", "AUDIT_KEY": "y", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "x"


def test_password_guessing_is_throttled(client, make_user):
    user = make_user("inspector", "84", username="thanhtra")
    for _ in range(5):
        assert client.post("/login", data={"username": "thanhtra", "password": "doan-mo-1"}).status_code == 400
    response = client.post("/login", data={"username": "thanhtra", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Hãy chờ 15 phút rồi thử lại." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in, even with the right password
    assert user.is_active  # the account itself is not locked: the wait is enough
