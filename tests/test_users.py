import pytest
from sqlalchemy import func, select

from states import ALL_STATES
from workflow_app.admin.operations import create_user, update_user
from workflow_app.demo import DEMO_DOSSIERS
from workflow_app.dossiers import queries
from workflow_app.errors import ValidationFailed
from workflow_app.extensions import db
from workflow_app.models import Dossier, User

from .conftest import TEST_PASSWORD

# (role, unit code, fits): a role's scope must be a unit of its level.
ROLE_SCOPE = [
    ("commune_officer", "29464", True),
    ("commune_officer", "844", False),
    ("commune_officer", "84", False),
    ("district_officer", "844", True),
    ("district_officer", "29464", False),
    ("district_officer", "84", False),
    ("pv05_officer", "84", True),
    ("pv05_officer", "844", False),
    ("inspector", "84", True),
    ("inspector", "29464", False),
    ("admin", "84", True),
    ("admin", "842", False),
]


@pytest.mark.parametrize("role, unit_code, fits", ROLE_SCOPE)
def test_role_scope_must_fit_level(app, role, unit_code, fits):
    def create():
        return create_user(
            None, username="canbo1", full_name="Cán bộ", password=TEST_PASSWORD, role=role, unit_code=unit_code
        )

    if fits:
        assert create().unit.code == unit_code
    else:
        with pytest.raises(ValidationFailed) as err:
            create()
        assert err.value.fields.keys() == {"unit"}
        assert "phải gắn với đơn vị cấp" in err.value.message


def test_password_is_stored_hashed(app, make_user):
    user = make_user("commune_officer", "29464")
    assert TEST_PASSWORD not in user.password_hash
    assert user.check_password(TEST_PASSWORD)
    assert not user.check_password("wrong-password")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"username": "AB"}, "username"),
        ({"username": "có dấu"}, "username"),
        ({"full_name": "  "}, "full_name"),
        ({"password": "short"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"unit_code": "00000"}, "unit"),
    ],
)
def test_bad_user_input_names_the_field(app, changes, field):
    values = dict(username="canbo1", full_name="Cán bộ", password=TEST_PASSWORD, role="inspector", unit_code="84")
    values.update(changes)
    with pytest.raises(Exception) as err:
        create_user(None, **values)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_duplicate_username(app, make_user):
    make_user("inspector", "84", username="thanhtra")
    with pytest.raises(ValidationFailed, match="thanhtra"):
        create_user(None, username="ThanhTra", full_name="X", password=TEST_PASSWORD, role="inspector", unit_code="84")


def test_admin_changes_role_and_unit_together(app, make_user):
    admin = make_user("admin", "84")
    user = make_user("commune_officer", "29464")
    update_user(admin, user, role="district_officer", unit_code="849")
    db.session.commit()
    assert (user.role, user.unit.code) == ("district_officer", "849")


def test_role_change_without_fitting_unit_is_refused(app, make_user):
    admin = make_user("admin", "84")
    user = make_user("commune_officer", "29464")
    with pytest.raises(ValidationFailed):
        update_user(admin, user, role="district_officer")
    db.session.rollback()
    assert db.session.get(User, user.id).role == "commune_officer"


def test_non_admin_may_not_manage_users(app, make_user):
    pv05 = make_user("pv05_officer", "84")
    user = make_user("commune_officer", "29464")
    with pytest.raises(Exception) as err:
        update_user(pv05, user, active=False)
    assert err.value.status == 403


def test_admin_cannot_lock_themselves_out(app, make_user):
    admin = make_user("admin", "84")
    with pytest.raises(ValidationFailed, match="khóa"):
        update_user(admin, admin, active=False)
    with pytest.raises(ValidationFailed):
        update_user(admin, admin, role="inspector")


def test_cli_create_user_with_password(runner):
    result = runner.invoke(args=["create-user", "xa29464", "--role", "commune_officer", "--unit", "29464", "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "xa29464"))
    assert user.role == "commune_officer" and user.unit.code == "29464" and user.check_password(TEST_PASSWORD)


def test_cli_create_user_prompts_for_password(runner):
    result = runner.invoke(
        args=["create-user", "pv05", "--role", "pv05_officer", "--unit", "84"], input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "pv05")).check_password(TEST_PASSWORD)


def test_cli_create_user_scope_mismatch_is_a_clear_error(runner):
    result = runner.invoke(args=["create-user", "huyen", "--role", "district_officer", "--unit", "29464", "--password", TEST_PASSWORD])
    assert result.exit_code == 1
    assert "Vai trò Công an huyện phải gắn với đơn vị cấp Huyện" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_creates_every_demo_user_and_dossier_once(runner):
    """One seeding checked whole (seeding goes through the operations: it is the slow part)."""
    from workflow_app.audit import trail

    result = runner.invoke(args=["seed-demo", "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "117 users created" in result.output
    roles = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    assert roles == {"admin": 1, "pv05_officer": 1, "inspector": 1, "district_officer": 9, "commune_officer": 104,
                     "ministry_officer": 1}
    assert db.session.scalar(select(User).where(User.username == "bocongan")).unit.name == "Việt Nam"
    assert db.session.scalar(select(User).where(User.username == "huyen849")).unit.name == "Huyện Trà Cú"
    xa = db.session.scalar(select(User).where(User.username == "xa29464"))
    assert xa.role == "commune_officer" and xa.unit.code == "29464" and xa.check_password(TEST_PASSWORD)

    # The demo dossiers: every state and set, all in Càng Long (844), the trail intact.
    dossiers = db.session.scalars(select(Dossier)).all()
    assert {d.state for d in dossiers} == set(ALL_STATES)
    assert {d.criteria_set for d in dossiers} == {"xa-ntm-19.2", "xa-ntm-nc-19.2", "huyen-ntm-9.4", "huyen-ntm-nc-9.1",
                                                  "xa-dien-hinh-antt"}
    assert {d.unit.code if d.unit.level == "district" else d.unit.parent.code for d in dossiers} == {"844"}
    recognized = [d for d in dossiers if d.state == "recognized"]
    assert all(d.decision_number and d.decision_date for d in recognized)
    returned = next(d for d in dossiers if d.state == "returned" and d.criteria_set == "xa-ntm-19.2")
    assert any(not v.agree and v.comment for v in returned.verdicts)
    district = next(d for d in dossiers if d.criteria_set == "huyen-ntm-9.4")
    iii2 = queries.evaluate_dossier(district).results["III.2"]
    assert iii2.status == "not_met" and "7/13 xã" in iii2.reason.vi
    assert trail.verify().ok

    again = runner.invoke(args=["seed-demo", "--password", TEST_PASSWORD])
    assert "0 users created" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 117
    assert db.session.scalar(select(func.count(Dossier.id))) == len(DEMO_DOSSIERS)  # not made twice


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, make_user):
    make_user("admin", "84")
    result = runner.invoke(args=["seed-demo", "--if-empty", "--password", TEST_PASSWORD])
    assert "already has users" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_logins_lists_one_login_per_role(runner):
    result = runner.invoke(args=["demo-logins", "--password", TEST_PASSWORD])
    for username in ("admin", "pv05", "thanhtra", "huyen844", "xa29266"):
        assert f"  {username} " in result.output


@pytest.mark.parametrize("password, reason", [
    ("12345678", "mật khẩu phổ biến"),
    ("password", "mật khẩu phổ biến"),
    ("nguyenvana", "không được chứa tên đăng nhập"),
    ("NguyenVanA-1", "không được chứa tên đăng nhập"),
    ("canbotravinh", "tên, đơn vị"),
    ("aaaaaaaaaaaa", "lặp lại"),
    ("ngắn", "ít nhất 8 ký tự"),
])
def test_weak_passwords_are_refused_with_the_reason(app, make_user, password, reason):
    from workflow_app.admin.operations import create_user

    admin = make_user("admin", "84")
    with pytest.raises(ValidationFailed) as refused:
        create_user(admin, username="nguyenvana", full_name="Nguyễn Văn A", password=password,
                    role="commune_officer", unit_code="29269")
    assert reason in refused.value.fields["password"]


def test_a_weak_password_is_refused_on_the_form_with_the_values_kept(app, make_user, login, client):
    admin = make_user("admin", "84")
    login(admin)
    response = client.post("/admin/users/new", data={
        "username": "nguyenvanb", "full_name": "Nguyễn Văn B", "password": "12345678", "role": "inspector",
        "unit": "84", "active": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Mật khẩu quá dễ đoán" in html and 'value="nguyenvanb"' in html


def test_every_problem_of_a_new_user_is_said_at_once(app, make_user, login, client):
    admin = make_user("admin", "84")
    login(admin)
    response = client.post("/admin/users/new", data={
        "username": "A B", "full_name": "Nguyễn Văn B", "password": "12345678", "role": "district_officer",
        "unit": "29269"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Tên đăng nhập gồm 3 đến 64 ký tự", "Mật khẩu quá dễ đoán", "phải gắn với đơn vị cấp"):
        assert message in html, message
