"""Roles, the unit level each is scoped to, and their labels."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Level(str, enum.Enum):
    """Administrative level of a unit (tỉnh / huyện / xã); the nation is the one unit above the
    provinces, to which the ministry's readers are attached."""

    nation = "nation"
    province = "province"
    district = "district"
    commune = "commune"


class Role(str, enum.Enum):
    commune_officer = "commune_officer"
    district_officer = "district_officer"
    pv05_officer = "pv05_officer"
    inspector = "inspector"
    admin = "admin"
    ministry_officer = "ministry_officer"

    @property
    def level(self) -> Level:
        """The level of unit a user with this role is scoped to."""
        return ROLE_LEVEL[self]

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LEVEL = {
    Role.commune_officer: Level.commune,
    Role.district_officer: Level.district,
    Role.pv05_officer: Level.province,
    Role.inspector: Level.province,
    Role.admin: Level.province,
    Role.ministry_officer: Level.nation,
}

ROLE_LABELS = {
    Role.commune_officer: _l("Commune police"),
    Role.district_officer: _l("District police"),
    Role.pv05_officer: _l("PV05 (provincial police)"),
    Role.inspector: _l("Inspector"),
    Role.admin: _l("Administrator"),
    Role.ministry_officer: _l("Ministry (whole country)"),
}

LEVEL_LABELS = {
    Level.nation: _l("Nation"),
    Level.province: _l("Province"),
    Level.district: _l("District"),
    Level.commune: _l("Commune"),
}
