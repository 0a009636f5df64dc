"""The district sets' view of other dossiers: which xã hold a live recognition."""
from __future__ import annotations

from sqlalchemy import select

from criteria import CommuneStanding

from ..extensions import db
from ..models import Dossier, Unit


class DatabaseAggregates:
    """Counted live from the dossiers, so a revocation shows at once in every district dossier."""

    def recognized_communes(self, district_code: str, set_codes: tuple[str, ...], year: int) -> CommuneStanding:
        district_id = select(Unit.id).where(Unit.code == district_code).scalar_subquery()
        units = db.session.execute(
            select(Unit.code, Unit.name, Unit.type).where(Unit.parent_id == district_id).order_by(Unit.code)
        ).all()
        recognized = db.session.execute(
            select(Unit.code)
            .join(Dossier, Dossier.unit_id == Unit.id)
            .where(
                Unit.parent_id == district_id,
                Dossier.criteria_set.in_(set_codes),
                Dossier.state == "recognized",
                Dossier.year <= year,
            )
        ).scalars()
        return CommuneStanding.of_units(units, set(recognized))
