"""Who may do what with a dossier: the model's predicates, one table over every state and role."""
import pytest

import states
from workflow_app.models import Dossier, Unit, User

PROVINCE = Unit(id=1, code="84", name="Tỉnh Trà Vinh", level="province", type="tinh")
DISTRICT = Unit(id=2, code="844", name="Huyện Càng Long", level="district", type="huyen", parent=PROVINCE)
COMMUNE = Unit(id=3, code="29269", name="Xã Mỹ Cẩm", level="commune", type="xa", parent=DISTRICT)
NEIGHBOUR = Unit(id=4, code="29272", name="Xã An Trường", level="commune", type="xa", parent=DISTRICT)


def user(role, unit):
    return User(username=role, role=role, unit=unit, unit_id=unit.id)


PEOPLE = {
    "commune_officer": user("commune_officer", COMMUNE),
    "neighbour_officer": user("commune_officer", NEIGHBOUR),
    "district_officer": user("district_officer", DISTRICT),
    "pv05_officer": user("pv05_officer", PROVINCE),
    "inspector": user("inspector", PROVINCE),
    "admin": user("admin", PROVINCE),
}
EDITABLE = {"draft", "returned"}


def commune_dossier(state):
    return Dossier(unit=COMMUNE, unit_id=COMMUNE.id, level="commune", state=state)


@pytest.mark.parametrize("state", states.ALL_STATES)
@pytest.mark.parametrize("who", PEOPLE)
def test_commune_dossier_predicates(state, who):
    dossier, person = commune_dossier(state), PEOPLE[who]
    assert dossier.can_view(person) is (who != "neighbour_officer")
    assert dossier.can_edit(person) is (who == "commune_officer" and state in EDITABLE)
    reviewer = {"commune_submitted": "district_officer", "district_reviewed": "pv05_officer"}.get(state)
    assert dossier.can_review(person) is (who == reviewer)
    assert dossier.can_comment(person) is (who in ("commune_officer", "district_officer", "pv05_officer"))


@pytest.mark.parametrize("state", [s for s in states.ALL_STATES if s != "commune_submitted"])
@pytest.mark.parametrize("who", PEOPLE)
def test_district_dossier_predicates(state, who):
    dossier, person = Dossier(unit=DISTRICT, unit_id=DISTRICT.id, level="district", state=state), PEOPLE[who]
    assert dossier.can_edit(person) is (who == "district_officer" and state in EDITABLE)
    assert dossier.can_review(person) is (who == "pv05_officer" and state == "district_reviewed")


@pytest.mark.parametrize("who, opens", [("commune_officer", True), ("district_officer", True), ("pv05_officer", False),
                                        ("inspector", False), ("admin", False)])
def test_who_opens_dossiers(who, opens):
    assert PEOPLE[who].can_open_dossiers() is opens
