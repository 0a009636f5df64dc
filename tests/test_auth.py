import pytest
from sqlalchemy import select

from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.models import User

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


def later(seconds: float):
    """Let `seconds` pass for the sign-in throttle."""
    from datetime import timedelta
    from unittest import mock

    from workflow_app.auth import operations
    from workflow_app.clock import utcnow

    return mock.patch.object(operations, "utcnow", lambda: utcnow() + timedelta(seconds=seconds))


def test_password_guessing_is_slowed_down_not_locked(client, make_user):
    user = make_user("inspector", "84", username="thanhtra")
    for _ in range(5):
        assert client.post("/login", data={"username": "thanhtra", "password": "doan-mo-1"}).status_code == 400
    response = client.post("/login", data={"username": "thanhtra", "password": TEST_PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert "Đăng nhập sai quá nhiều lần. Hãy chờ 1 giây rồi thử lại." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in yet
    with later(1.5):  # the wait is over: the right password signs in
        assert client.post("/login", data={"username": "thanhtra", "password": TEST_PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    assert user.is_active


def test_each_further_guess_waits_longer(client, make_user):
    make_user("inspector", "84", username="thanhtra")
    waits = []
    for step in range(9):
        with later(61 * step):  # each guess once the previous wait (at most 60 s) is over
            response = client.post("/login", data={"username": "thanhtra", "password": f"doan-{step}"})
        waits.append(response.status_code)
    assert waits == [400] * 9  # waited each time, so every guess was checked (and wrong)
    with later(61 * 8):
        response = client.post("/login", data={"username": "thanhtra", "password": "doan-9"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) == 16  # 9 failures: 1, 2, 4, 8, 16 s


def test_the_address_behind_a_trusted_proxy_is_the_clients(app, make_user):
    """Behind the documented reverse proxy, one office's mistakes do not slow down another's."""
    app.config["TRUSTED_PROXIES"] = 1
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    make_user("inspector", "84", username="thanhtra")
    client = app.test_client()
    for i in range(25):  # 25 wrong passwords for 25 names, all from one office
        client.post("/login", data={"username": f"khong-co-{i}", "password": "sai"},
                    headers={"X-Forwarded-For": "10.0.0.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    response = client.post("/login", data={"username": "thanhtra", "password": TEST_PASSWORD},
                           headers={"X-Forwarded-For": "10.0.0.8"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 302


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(client, make_user):
    """Nobody escapes the per-address count by forging X-Forwarded-For."""
    make_user("inspector", "84", username="thanhtra")
    for i in range(20):
        client.post("/login", data={"username": f"khong-co-{i}", "password": "sai"}, headers={"X-Forwarded-For": f"10.0.1.{i}"})
    response = client.post("/login", data={"username": "khong-co-x", "password": "sai"}, headers={"X-Forwarded-For": "10.0.2.1"})
    assert response.status_code == 429


def test_unknown_and_known_names_cost_the_same(app, client, make_user):
    """A password hash is checked whether or not the username exists (no enumeration by timing)."""
    from unittest import mock

    from workflow_app import models
    from workflow_app.auth import operations

    make_user("inspector", "84", username="thanhtra")
    operations._decoy_hash(app.config["PASSWORD_HASH_METHOD"])  # made once per process, before the count
    for name in ("thanhtra", "khong-ton-tai"):
        with mock.patch.object(models, "check_password_hash", wraps=models.check_password_hash) as checked:
            client.post("/login", data={"username": name, "password": "sai-mat-khau"})
        assert checked.call_count == 1, name
        method = app.config["PASSWORD_HASH_METHOD"]
        assert operations._decoy_hash(method).startswith(method.split(":")[0])


def test_a_copied_session_cookie_dies_with_logout(app, make_user, login):
    user = make_user("inspector", "84")
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    copy = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert thief.get("/").status_code == 302


def test_a_password_reset_ends_every_session_remember_cookie_and_token(app, make_user):
    from workflow_app.admin.operations import update_user
    from workflow_app.transaction import unit_of_work

    admin = make_user("admin", "84")
    user = make_user("inspector", "84")
    browser = app.test_client()
    browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD, "remember": "y"})
    remembered = browser.get_cookie("remember_token").value
    token = app.test_client().post("/api/v1/tokens", json={"username": user.username, "password": TEST_PASSWORD}).json["token"]
    with unit_of_work():
        update_user(admin, user, password="mot-mat-khau-moi-that-dai")
    assert browser.get("/").status_code == 302
    returning = app.test_client()
    returning.set_cookie("remember_token", remembered)
    assert returning.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _given_a_password_by(admin, user_kwargs: dict):
    from workflow_app.admin.operations import create_user
    from workflow_app.transaction import unit_of_work

    with unit_of_work():
        return create_user(admin, **user_kwargs)


NEW_ACCOUNT = {"username": "canbomoi", "full_name": "Nguyễn Văn Mới", "password": "mat-khau-quan-tri-cap-9",
               "role": "inspector", "unit_code": "84"}


def test_a_password_chosen_by_an_administrator_is_replaced_at_the_first_sign_in(app, make_user):
    from workflow_app.models import AuditEntry

    admin = make_user("admin", "84")
    user = _given_a_password_by(admin, NEW_ACCOUNT)
    assert user.must_change_password
    browser = app.test_client()
    signed_in = browser.post("/login", data={"username": "canbomoi", "password": NEW_ACCOUNT["password"]})
    assert signed_in.status_code == 302
    for path in ("/", "/audit/", "/dossiers/"):
        answer = browser.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/password"), path
    assert "Hãy tự đặt mật khẩu của mình trước khi tiếp tục" in browser.get("/account/password").get_data(as_text=True)
    api = app.test_client().post("/api/v1/tokens", json={"username": "canbomoi", "password": NEW_ACCOUNT["password"]})
    assert api.status_code == 403 and "tự đặt mật khẩu" in api.json["message"]
    other = app.test_client()  # signed in elsewhere with the given password
    other.post("/login", data={"username": "canbomoi", "password": NEW_ACCOUNT["password"]})

    changed = browser.post("/account/password", data={
        "current_password": NEW_ACCOUNT["password"], "new_password": "den-giao-thong-ngo-9",
        "repeat_password": "den-giao-thong-ngo-9"})
    assert changed.status_code == 302
    assert browser.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # every other one ended
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    assert app.test_client().post("/login", data={"username": "canbomoi", "password": NEW_ACCOUNT["password"]}
                                  ).status_code == 400
    assert app.test_client().post("/api/v1/tokens", json={"username": "canbomoi", "password": "den-giao-thong-ngo-9"}
                                  ).status_code == 201
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (last.action, last.actor, last.details) == ("password_changed", "canbomoi", {"user": "canbomoi"})


def test_an_administrators_reset_asks_for_a_new_choice_but_an_own_account_from_the_command_line_does_not(
        app, make_user):
    from workflow_app.admin.operations import update_user
    from workflow_app.transaction import unit_of_work

    admin = make_user("admin", "84")
    user = make_user("inspector", "84")  # made as the command line makes accounts
    assert not user.must_change_password
    with unit_of_work():
        update_user(admin, user, password="mot-mat-khau-moi-that-dai")
    assert user.must_change_password


@pytest.mark.parametrize("form, errors", [
    ({"current_password": "sai-mat-khau", "new_password": "den-giao-thong-ngo-9", "repeat_password": "den-giao-thong-ngo-9"},
     {"current_password": "Mật khẩu hiện tại không đúng."}),
    ({"current_password": TEST_PASSWORD, "new_password": "12345678", "repeat_password": "12345679"},
     {"new_password": "Mật khẩu quá dễ đoán: đó là (hoặc dựa trên) một mật khẩu phổ biến", "repeat_password": "Hai lần nhập mật khẩu mới không giống nhau."}),
    ({"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD, "repeat_password": TEST_PASSWORD},
     {"new_password": "Hãy chọn mật khẩu khác mật khẩu hiện tại."}),
])
def test_a_refused_change_says_why_at_each_field_and_changes_nothing(app, make_user, form, errors):
    user = make_user("inspector", "84")
    browser = app.test_client()
    browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    answer = browser.post("/account/password", data=form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    for field, message in errors.items():
        feedback = html[html.index(f'id="{field}-feedback"'):]
        assert feedback[:feedback.index("</div>")].count(message) == 1, (field, feedback[:300])
    assert browser.get("/").status_code == 200
    assert app.test_client().post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302


def test_passwords_are_checked_one_at_a_time_in_a_process(monkeypatch):
    """scrypt takes 32 MiB for each hash: sign-ins arriving together on one worker's threads are
    checked in turn, so that together they cannot multiply the worker's memory."""
    import threading
    import time

    from workflow_app import models

    inside, most, count = [0], [0], threading.Lock()

    def check(stored, password):
        with count:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with count:
            inside[0] -= 1
        return stored == "hash-of-" + password

    monkeypatch.setattr(models, "check_password_hash", check)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(models.password_matches("hash-of-mk", "mk")))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [True] * 4 and most[0] == 1
