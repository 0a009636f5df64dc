"""Demo data for Trà Vinh province (84): its units and one user per unit and role."""
from __future__ import annotations

from sqlalchemy import select

from .admin.operations import create_user
from .extensions import db
from .models import User, hash_password
from .roles import Level, Role
from .units.operations import get_unit, load_units, units_within

DEMO_PROVINCE = "84"
# Demo dossiers go only to this district, so every other unit starts empty.
DEMO_DISTRICT = "844"


def _demo_accounts() -> list[tuple[str, str, Role, str]]:
    """(username, full name, role, unit code) for every demo user."""
    province = get_unit(DEMO_PROVINCE)
    accounts = [
        ("admin", "Quản trị hệ thống", Role.admin, province.code),
        ("pv05", "Phòng PV05 - Công an tỉnh Trà Vinh", Role.pv05_officer, province.code),
        ("thanhtra", "Thanh tra Công an tỉnh Trà Vinh", Role.inspector, province.code),
    ]
    for district in units_within(province, Level.district):
        accounts.append((f"huyen{district.code}", f"Công an {district.name}", Role.district_officer, district.code))
    for commune in units_within(province, Level.commune):
        accounts.append((f"xa{commune.code}", f"Công an {commune.name}", Role.commune_officer, commune.code))
    return accounts


def seed_demo(password: str) -> int:
    """Create what is missing of the demo data; return how many users were created."""
    load_units([DEMO_PROVINCE])
    existing = set(db.session.execute(select(User.username)).scalars())
    created = 0
    shared_hash = hash_password(password)  # one password for every demo user: hash it once
    for username, full_name, role, unit_code in _demo_accounts():
        if username in existing:
            continue
        create_user(
            None,
            username=username,
            full_name=full_name,
            password=password,
            role=role,
            unit_code=unit_code,
            password_hash=shared_hash,
        )
        created += 1
    return created


def demo_logins() -> list[tuple[str, str]]:
    """The logins worth showing a newcomer: one per role, and the demo district's communes."""
    district = get_unit(DEMO_DISTRICT)
    rows = [
        ("admin", "Quản trị (admin)"),
        ("pv05", "Phòng PV05, Công an tỉnh (pv05_officer)"),
        ("thanhtra", "Thanh tra (inspector)"),
        (f"huyen{district.code}", f"Công an {district.name} (district_officer)"),
    ]
    for commune in units_within(district, Level.commune):
        rows.append((f"xa{commune.code}", f"Công an {commune.name} (commune_officer)"))
    rows.append(("huyen<mã>", "mọi huyện khác, vd. huyen849 (Huyện Trà Cú)"))
    rows.append(("xa<mã>", "mọi xã khác, vd. xa29464"))
    return rows
