"""How audit entries read to a person: action names and a dossier's history."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, cast, literal_column, null, select, union_all

import criteria
import states

from ..extensions import db
from ..formatting import format_date_vn, input_value
from ..i18n import language, per_language, tr
from ..models import AuditEntry, Dossier, Unit, User
from ..units.operations import among_parameter
from .queries import Entry

ACTION_LABELS = {
    "dossier_opened": _l("Opened the dossier"),
    # A move whose label names its receiver, which differs between levels and routes.
    "submit": _l("Submitted the dossier"),
    "dossier_moved": _l("Moved to the new map's unit"),
    "user_moved": _l("Moved a user to the new map's unit"),
    "data_updated": _l("Updated the figures"),
    "attestation_set": _l("Attested a criterion"),
    "verdict_recorded": _l("Recorded a verdict"),
    "evidence_added": _l("Attached a file"),
    "evidence_removed": _l("Removed a file"),
    "evidence_changed": _l("Corrected a file's details"),
    "comment_added": _l("Commented"),
    "user_created": _l("Created a user"),
    "user_updated": _l("Changed a user"),
    "password_changed": _l("Changed their own password"),
    "calendar_changed": _l("Changed the year's calendar"),
}


@per_language
def action_label(action: str, lang: str | None = None) -> str:
    lang = lang or language()
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    for workflow in states.WORKFLOWS.values():
        try:
            return workflow.transition(action).label.get(lang)
        except KeyError:
            continue
    return action


def all_actions() -> list[str]:
    triggers = list(dict.fromkeys(t for w in states.WORKFLOWS.values() for t in w.triggers()))
    return list(ACTION_LABELS) + triggers


def actor_names(entries) -> dict[int, str]:
    return lookup(actors={e.actor_id for e in entries if e.actor_id}).names


def history_of(dossier) -> list[dict]:
    """The dossier's entries in the trail, oldest first, each with its actor's name."""
    entries = [Entry._make(row) for row in db.session.execute(_history_statement(), {"dossier": dossier.id})]
    names = actor_names(entries)
    return [{"entry": e, "who": names.get(e.actor_id, e.actor)} for e in entries]


@lru_cache(maxsize=1)
def _history_statement():
    """history_of()'s statement, built once: the entries' columns as rows (read as Entry, not
    mapped entries), through the mapped attributes, so that what the request has not yet written
    is written first."""
    return (select(*(getattr(AuditEntry, name) for name in Entry._fields))
            .where(AuditEntry.dossier_id == bindparam("dossier", type_=Integer)).order_by(AuditEntry.seq))


class Labels(NamedTuple):
    names: dict[int, str]  # a user's id: the full name
    units: dict[str, str]  # a unit's code: its name
    sets: dict[int, object]  # a dossier's id: the criteria set and version it was opened with


def entry_labels(entries) -> Labels:
    """What a list of entries names: its actors, units and dossiers' sets, in one statement."""
    return lookup(actors={e.actor_id for e in entries if e.actor_id},
                  codes={e.unit_code for e in entries if e.unit_code},
                  dossiers={e.dossier_id for e in entries if e.dossier_id})


def lookup(actors=(), codes=(), dossiers=()) -> Labels:
    """The names of these users and units and the sets of these dossiers (one statement, none when
    there is nothing to look up)."""
    found = Labels({}, {}, {})
    if not (actors or codes or dossiers):
        return found
    registry = criteria.default_registry()
    for part, number, key, text, version in db.session.execute(
            _lookup_statement(db.session.get_bind().dialect.name),
            {"actors": list(actors), "codes": list(codes), "dossiers": list(dossiers)}):
        if part == 0:
            found.names[number] = text
        elif part == 1:
            found.units[key] = text
        else:
            found.sets[number] = registry.get(key, version)
    return found


@lru_cache(maxsize=4)
def _lookup_statement(dialect: str):
    """lookup()'s statement, built once per process: the three lookups in the same columns
    (part, number, key, text, version), each filling the ones it needs."""
    def part(n: int):
        return literal_column(str(n), Integer).label("part")

    no_number, no_text = cast(null(), Integer), cast(null(), String)
    return union_all(
        select(part(0), User.id, no_text, User.full_name, no_text).where(among_parameter(User.id, "actors", dialect)),
        select(part(1), no_number, Unit.code, Unit.name, no_text)
        .where(among_parameter(Unit.code, "codes", dialect, strings=True)),
        select(part(2), Dossier.id, Dossier.criteria_set, no_text, Dossier.criteria_set_version)
        .where(among_parameter(Dossier.id, "dossiers", dialect)))


def _document_change(name: str, old, new, cset) -> str:
    """"Loại văn bản: Kế hoạch → Nghị quyết", "Ngày ban hành: — → 15/03/2025"."""
    if name == "document_type":
        def shown(code):
            known = cset.document_types.get(code) if cset is not None else None
            return tr(known.label) if known else (code or "—")
        return _("Document type: %(old)s → %(new)s", old=shown(old), new=shown(new))

    def day(value):
        return format_date_vn(date.fromisoformat(value)) if value else "—"
    return _("Issue date: %(old)s → %(new)s", old=day(old), new=day(new))


def what_was_decided(entry, cset=None) -> str:
    """An entry's content in a line: a verdict and its criterion, a decision's number, the figures
    changed from → to, the file, the user."""
    d = entry.details or {}
    if entry.action == "verdict_recorded":
        level = _("district police") if d.get("level") == "district" else _("PV05")
        verdict = _("agrees") if d.get("agree") else _("disagrees")
        return f"{d.get('criterion', '')}: {verdict} ({level})"
    if entry.action == "attestation_set":
        attested = _("attested as met") if d.get("met") else _("attested as not met")
        return f"{d.get('criterion', '')}: {attested}"
    if entry.action == "data_updated":
        parts = []
        for name, (old, new) in (d.get("changes") or {}).items():
            spec = cset.inputs.get(name) if cset is not None else None
            label = tr(spec.label) if spec else name
            shown = (lambda v: input_value(spec, v)) if spec else (lambda v: "—" if v in (None, "") else str(v))
            parts.append(f"{label}: {shown(old)} → {shown(new)}")
        return "; ".join(parts)
    if entry.action in ("evidence_added", "evidence_removed"):
        return d.get("filename", "")
    if entry.action == "evidence_changed":
        return f"{d.get('filename', '')}: " + "; ".join(
            _document_change(name, old, new, cset) for name, (old, new) in (d.get("changes") or {}).items())
    if entry.action == "comment_added":
        return d.get("criterion") or ""
    if entry.action in ("user_created", "user_updated", "password_changed"):
        return d.get("user", "")
    decision = d.get("decision")
    if decision and decision.get("number"):
        when = format_date_vn(date.fromisoformat(decision["date"])) if decision.get("date") else ""
        return _("decision no. %(n)s %(d)s %(a)s", n=decision["number"], d=when, a=decision.get("authority") or "").strip()
    return ""
