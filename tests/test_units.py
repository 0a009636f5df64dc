import pytest
from sqlalchemy import func, select

from workflow_app.errors import NotFound
from workflow_app.extensions import db
from workflow_app.models import Unit
from workflow_app.roles import Level
from workflow_app.units.operations import containing, load_units, search_key, unit_type_from_name


def count(**filters) -> int:
    query = select(func.count(Unit.id))
    for name, value in filters.items():
        query = query.where(getattr(Unit, name) == value)
    return db.session.scalar(query)


def test_tra_vinh_has_9_districts_and_104_communes(app):
    assert count(level="province") == 1
    assert count(level="district") == 9
    assert count(level="commune") == 104
    province = db.session.scalar(select(Unit).where(Unit.code == "84"))
    assert province.name == "Tỉnh Trà Vinh"
    assert len(province.children) == 9


@pytest.mark.parametrize(
    "code, name, level, unit_type, parent",
    [
        ("842", "Thành phố Trà Vinh", "district", "thanh_pho", "84"),
        ("844", "Huyện Càng Long", "district", "huyen", "84"),
        ("851", "Thị xã Duyên Hải", "district", "thi_xa", "84"),
        ("29236", "Phường 4", "commune", "phuong", "842"),
        ("29266", "Thị trấn Càng Long", "commune", "thi_tran", "844"),
        ("29464", None, "commune", "xa", "849"),
    ],
)
def test_real_type_is_read_from_the_name(app, code, name, level, unit_type, parent):
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if name:
        assert unit.name == name
    assert (unit.level, unit.type, unit.parent.code) == (level, unit_type, parent)


def test_duyen_hai_district_has_6_xa_and_1_thi_tran(app):
    district = db.session.scalar(select(Unit).where(Unit.code == "850"))
    types = sorted(c.type for c in district.children)
    assert types == ["thi_tran"] + ["xa"] * 6


@pytest.mark.parametrize(
    "level, name, expected",
    [
        (Level.district, "Thành Phố Bắc Kạn", "thanh_pho"),
        (Level.district, "Quận Ba Đình", "quan"),
        (Level.province, "Thành phố Hà Nội", "thanh_pho"),
        (Level.province, "Tỉnh Trà Vinh", "tinh"),
        (Level.commune, "Thị trấn Cầu Quan", "thi_tran"),
    ],
)
def test_type_from_name(level, name, expected):
    assert unit_type_from_name(level, name) == expected


def test_unknown_name_prefix_is_an_error():
    with pytest.raises(ValueError, match="cannot tell"):
        unit_type_from_name(Level.commune, "Khóm 3")


def test_loading_twice_changes_nothing(app):
    result = load_units(["84"])
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 114)


def test_loading_repairs_a_changed_unit(app):
    unit = db.session.scalar(select(Unit).where(Unit.code == "849"))
    unit.name = "Huyện Sai Tên"
    db.session.commit()
    result = load_units(["84"])
    db.session.commit()
    assert result.updated == 1
    assert db.session.scalar(select(Unit.name).where(Unit.code == "849")) == "Huyện Trà Cú"


def test_unknown_province_is_refused(app):
    with pytest.raises(NotFound, match="99"):
        load_units(["99"])


def test_cli_load_units_province(runner):
    result = runner.invoke(args=["load-units", "--province", "84"])
    assert result.exit_code == 0, result.output
    assert "0 inserted, 0 updated, 114 unchanged" in result.output


def test_cli_load_units_needs_a_choice(runner):
    result = runner.invoke(args=["load-units"])
    assert result.exit_code != 0
    assert "--province" in result.output and "--all" in result.output


def test_cli_load_units_unknown_province(runner):
    result = runner.invoke(args=["load-units", "--province", "99"])
    assert result.exit_code == 1
    assert "99" in result.output


def test_cli_load_whole_country(runner):
    result = runner.invoke(args=["load-units", "--all"])
    assert result.exit_code == 0, result.output
    assert count(level="province") == 63
    assert count(level="district") == 696
    assert count(level="commune") == 10051
    assert count(level="commune", type="xa") == 7717
    again = runner.invoke(args=["load-units", "--all"])
    assert "0 inserted, 0 updated, 10810 unchanged" in again.output


@pytest.mark.parametrize("typed, found", [
    ("%", ["50% xong"]), ("_", ["a_b"]), ("\\", ["c\\d"]), ("a_", ["a_b"]), ("a", ["a_b", "ab"]),
    ("", ["50% xong", "a_b", "ab", "c\\d"]),
])
def test_a_typed_search_finds_what_contains_it_as_typed(app, typed, found):
    from sqlalchemy import literal, union_all

    values = union_all(*(select(literal(v).label("v")) for v in ("50% xong", "a_b", "ab", "c\\d"))).subquery()
    matched = db.session.scalars(select(values.c.v).where(values.c.v.like(containing(typed), escape="\\"))
                                 .order_by(values.c.v)).all()
    assert matched == found


def test_search_key_ignores_accents():
    assert search_key("Huyện Trà Cú") == "huyen tra cu"
    assert search_key("Xã Đôn Xuân") == "xa don xuan"


@pytest.mark.parametrize("name, key", [
    ("Huyện Trà Cú", "huyen tra cu"), ("Xã Đôn Châu", "xa don chau"), ("Thành Phố  Bắc Kạn", "thanh pho bac kan"),
    ("Phường Ỷ La", "phuong y la"), ("THỊ TRẤN CÀNG LONG", "thi tran cang long"),
])
def test_search_key_folds_vietnamese_accents(name, key):
    assert search_key(name) == key


AWKWARD = ['a"b', "c\\d", "e,f", "{x}", "NULL", "", "Trà Vinh", " sp ", "it's", '\\"']


def test_among_finds_exactly_the_values_given(app):
    """`among` sends a list as one array parameter (on PostgreSQL as the array's text): every
    value is found as it was, whatever it holds, and nothing else."""
    from sqlalchemy import literal

    from workflow_app.units.operations import among

    ids = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
    wanted = ids[::2]
    assert list(db.session.scalars(select(Unit.id).where(among(Unit.id, wanted)).order_by(Unit.id))) == wanted
    assert db.session.scalar(select(func.count()).select_from(Unit).where(among(Unit.id, []))) == 0
    for value in AWKWARD + ["29269"]:
        listed = AWKWARD if value in AWKWARD else ["2926", "292690", "29269 "]
        found = db.session.scalar(select(literal(value)).where(among(literal(value), listed)))
        assert found == (value if value in AWKWARD else None), value
