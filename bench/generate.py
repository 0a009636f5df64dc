"""National data for the benchmarks: every unit of the country on both maps (or of the provinces
named), years of dossiers for every commune and district across the sets, in every state, with
their data, attestations, verdicts, evidence rows and a valid sealed audit chain; one user per unit.
The years up to 2025 are filed on the old map (districts review), the later ones on the 2025 map
(communes under the province, straight to PV05), whose provinces' scopes reach back along the
lineage to the old units' records.

    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench .venv/bin/python bench/generate.py \
        [--provinces 84,86] [--years 2021-2025] [--new-map-years 2026]

Bulk inserts, but the operations' invariants hold: each dossier's state agrees with its verdicts
and decision, its due date comes from the province's schedule, one dossier per unit, set and year,
and `flask audit verify` passes over the whole chain. It prints its own speed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

import criteria  # noqa: E402
from criteria.samples import passing_facts  # noqa: E402
from states import workflow_for  # noqa: E402
from workflow_app import create_app  # noqa: E402
from workflow_app.audit import trail  # noqa: E402
from workflow_app.deadlines import Schedule  # noqa: E402
from workflow_app.extensions import db  # noqa: E402
from workflow_app.models import (  # noqa: E402
    Attestation,
    AuditEntry,
    AuditHead,
    Dossier,
    Evidence,
    Unit,
    User,
    Verdict,
    hash_password,
)
from workflow_app.units import revisions  # noqa: E402
from workflow_app.units.operations import LEGACY_MAP, load_units, nation, route_of  # noqa: E402
from workflow_app.units.reform import load_map_2025, province_codes_2025  # noqa: E402

PASSWORD = "bench-mat-khau-2026"
BATCH = 5_000
# How the dossiers of a year are spread over the states (the rest of each year's units have none).
STATES = [("recognized", 40), ("pv05_verified", 8), ("district_reviewed", 8), ("commune_submitted", 10),
          ("returned", 6), ("draft", 14), ("withdrawn", 2), ("revoked", 2)]


def paths_of(workflow) -> dict[str, list]:
    """The shortest course of moves from draft to each state of `workflow`: the moves that bring
    a generated dossier to its state (a revocation after the recognition, a return after the
    first submission), so the trail says what the workflow itself would have written."""
    paths = {workflow.initial: []}
    todo = [workflow.initial]
    while todo:
        state = todo.pop(0)
        for spec in workflow.from_state(state):
            if spec.dest not in paths:
                paths[spec.dest] = paths[state] + [spec]
                todo.append(spec.dest)
    return paths


class Writer:
    """Rows buffered per table and inserted in batches, parents first; counts what it wrote."""

    ORDER = (User, Dossier, Evidence, Attestation, Verdict, AuditEntry)

    def __init__(self):
        self.rows: dict[type, list[dict]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model, **values):
        bucket = self.rows.setdefault(model, [])
        bucket.append(values)
        if len(bucket) >= BATCH:
            self.flush()  # every table: a child row never goes in before its dossier

    def flush(self, model=None):
        for m in [model] if model else [m for m in self.ORDER if m in self.rows]:
            bucket = self.rows.get(m) or []
            if bucket:
                db.session.execute(insert(m), bucket)
                self.counts[m.__tablename__] = self.counts.get(m.__tablename__, 0) + len(bucket)
                bucket.clear()


class Chain:
    """The audit trail, sealed in the order of time at the end: the entries of all provinces
    interleave as they do when every province works through the same months (generated unit
    after unit and sealed as generated, a province's entries would all lie together, and a
    province's newest entries would be the whole country's oldest)."""

    def __init__(self, writer: Writer, key: str):
        self.writer, self.key = writer, key
        self.seq = db.session.scalar(select(AuditHead.seq)) or 0
        self.prev = db.session.scalar(select(AuditHead.seal)) or trail.GENESIS
        self.pending: list[dict] = []

    def append(self, at: datetime, actor: dict, action: str, *, dossier_id=None, unit_code=None,
               from_state=None, to_state=None, comment="", details=None):
        self.pending.append({"at": at, "actor_id": actor["id"], "actor": actor["username"], "role": actor["role"],
                             "dossier_id": dossier_id, "unit_code": unit_code, "action": action,
                             "from_state": from_state, "to_state": to_state, "comment": comment,
                             "details": details or {}})

    def close(self):
        """Seal and write the entries, oldest first (a sort that keeps a dossier's entries of
        the same moment in the order they were appended)."""
        self.pending.sort(key=lambda fields: fields["at"])
        for fields in self.pending:
            self.seq += 1
            fields.update(seq=self.seq, prev_seal=self.prev)
            fields["seal"] = self.prev = trail.compute_seal(self.key, fields)
            self.writer.add(AuditEntry, **fields)
        self.pending.clear()
        self.writer.flush(AuditEntry)
        head = db.session.get(AuditHead, 1)
        if head is None:
            db.session.add(AuditHead(id=1, seq=self.seq, seal=self.prev))
        else:
            head.seq, head.seal = self.seq, self.prev


def users_for(units: list[Unit], writer: Writer) -> dict[tuple[str, int], dict]:
    """One user per unit (its officer; the province's PV05 officer too), one shared password hash."""
    shared = hash_password(PASSWORD)
    taken = set(db.session.scalars(select(User.username)))
    role_of = {"commune": "commune_officer", "district": "district_officer", "province": "pv05_officer"}
    for unit in units:
        username = f"{'u' if unit.map == LEGACY_MAP else 'n'}{unit.code}"  # the 2025 map reuses old codes
        if username not in taken:
            writer.add(User, username=username, full_name=f"Công an {unit.name}", password_hash=shared,
                       role=role_of[unit.level], unit_id=unit.id, active=True, must_change_password=False,
                       email=f"{username}@bench.invalid", email_enabled=True, language="vi")
    if "bocongan" not in taken:  # the ministry's reader, for the national overview
        writer.add(User, username="bocongan", full_name="Bộ Công an", password_hash=shared, role="ministry_officer",
                   unit_id=nation().id, active=True, must_change_password=False, email="bocongan@bench.invalid",
                   email_enabled=True, language="vi")
    writer.flush(User)
    return {(u.role, u.unit_id): {"id": u.id, "username": u.username, "role": u.role}
            for u in db.session.scalars(select(User).where(User.username.like("u%") | User.username.like("n%")))}


def year_range(text: str) -> list[int]:
    """ "2021-2025" -> [2021, ..., 2025]; "2026" -> [2026]; "" -> []."""
    if not text:
        return []
    ends = [int(y) for y in text.split("-")]
    return list(range(ends[0], ends[-1] + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provinces", default="all", help="comma-separated province codes, or all")
    parser.add_argument("--years", default="2021-2025", help="years on the old map")
    parser.add_argument("--new-map-years", default="2026", help="years on the 2025 map ('' for none)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    years, new_years = year_range(args.years), year_range(args.new_map_years)
    rng = random.Random(args.seed)
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is required (a PostgreSQL database to fill)")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_KEY": os.environ.get("AUDIT_KEY", "bench-audit-key"),
                      "SECRET_KEY": "bench", "UPLOAD_DIR": "/tmp/antt-bench-uploads"})
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        load_units(None if args.provinces == "all" else args.provinces.split(","))
        if new_years:
            for code in province_codes_2025():
                if args.provinces == "all" or code in args.provinces.split(","):
                    load_map_2025(code)
        db.session.commit()
        units = db.session.scalars(select(Unit).order_by(Unit.code)).all()
        wanted = None if args.provinces == "all" else set(args.provinces.split(","))
        by_id = {u.id: u for u in units}

        def province_of(unit):
            while unit.parent_id is not None:
                unit = by_id[unit.parent_id]
            return unit

        units = [u for u in units if wanted is None or province_of(u).code in wanted]
        writer = Writer()
        people = users_for(units, writer)
        db.session.commit()
        registry = criteria.default_registry()
        sets = [s for s in registry.latest() if any(s.applies_to_year(y) for y in years + new_years)]
        samples = {(s.code, y): passing_facts(s, y) for s in sets for y in years + new_years}
        schedules = {p.id: Schedule(p) for p in {province_of(u) for u in units}}
        chain = Chain(writer, app.config["AUDIT_KEY"])
        next_id = (db.session.scalar(select(Dossier.id).order_by(Dossier.id.desc()).limit(1)) or 0) + 1
        existing = set(map(tuple, db.session.execute(select(Dossier.unit_id, Dossier.criteria_set, Dossier.year))))
        weights = [w for _s, w in STATES]
        dossiers = 0
        courses: dict[str, dict[str, list]] = {}  # per workflow: the moves that lead to each state
        for unit in units:
            if unit.level == "province":
                continue
            province = province_of(unit)
            pv05 = people[("pv05_officer", province.id)]
            district = by_id.get(unit.parent_id) if unit.level == "commune" else unit
            reviewer = people.get(("district_officer", district.id)) if district else None
            own = people[("commune_officer" if unit.level == "commune" else "district_officer", unit.id)]
            for cset in sets:
                if cset.level != unit.level or not cset.applies_to_unit_type(unit.type):
                    continue
                for year in years if unit.map == LEGACY_MAP else new_years:
                    if not cset.applies_to_year(year) or (unit.id, cset.code, year) in existing:
                        continue
                    if rng.random() < 0.15:
                        continue  # some units do not take part every year
                    state = rng.choices([s for s, _w in STATES], weights)[0]
                    route = route_of(unit, year).code
                    workflow = workflow_for(cset.level, route)
                    if workflow.name not in courses:
                        courses[workflow.name] = paths_of(workflow)
                    course = courses[workflow.name]
                    # A state the workflow lacks (no district police to approve, or a district's
                    # own dossier, never "submitted by the commune") becomes its first submission.
                    moves = course[state if state in course else workflow.transition("submit").dest]
                    facts = samples[(cset.code, year)]
                    dossier_id, next_id = next_id, next_id + 1
                    opened = datetime(year + 1, 1, 5, 2, tzinfo=timezone.utc) + timedelta(minutes=rng.randrange(60 * 24 * 30))
                    when = opened
                    chain.append(when, own, "dossier_opened", dossier_id=dossier_id, unit_code=unit.code, to_state="draft",
                                 details={"criteria_set": cset.code, "criteria_set_version": cset.version, "year": year})
                    when += timedelta(hours=2)
                    chain.append(when, own, "data_updated", dossier_id=dossier_id, unit_code=unit.code,
                                 details={"changes": {k: [None, v] for k, v in list(facts.values.items())[:8]}})
                    evidence_ids = []
                    children = []  # written after the dossier's own row
                    for document in facts.documents:
                        children.append(Evidence)
                        children.append(dict( dossier_id=dossier_id, criterion=None, document_type=document.type,
                                   issued_on=document.issued_on, filename=f"{document.type}-{year}.pdf",
                                   stored_name=secrets.token_hex(16), content_type="application/pdf", size=48_213,
                                   sha256=secrets.token_hex(32), uploaded_by_id=own["id"], uploaded_at=when))
                        chain.append(when, own, "evidence_added", dossier_id=dossier_id, unit_code=unit.code,
                                     details={"filename": f"{document.type}-{year}.pdf", "document_type": document.type})
                        evidence_ids.append(document.type)
                    for code, attestation in facts.attestations.items():
                        children += [Attestation, dict(dossier_id=dossier_id, criterion=code, met=attestation.met,
                                                       note=attestation.note, by_id=own["id"], at=when)]
                    levels = []
                    snapshot = [{"criterion": c.code, "status": "met", "reason": ""} for c in cset.criteria]
                    current = "draft"
                    decision = {}
                    for move in moves:
                        when += timedelta(days=rng.randrange(1, 12), hours=rng.randrange(8))
                        source = current
                        actor = {"district_officer": reviewer, workflow.submitting_role: own}.get(move.role, pv05)
                        levels += [(level, actor) for level in workflow.reviewers if move.needs(f"{level}_verdicts")]
                        details = {"criteria_set": cset.code, "criteria_set_version": cset.version, "snapshot": snapshot}
                        if move.trigger == "recognize":
                            decision = {"number": f"{rng.randrange(1, 900)}/QĐ-UBND", "date": when.date().isoformat(),
                                        "authority": f"Chủ tịch UBND {province.name}"}
                            details["decision"] = decision
                        chain.append(when, actor, move.trigger, dossier_id=dossier_id, unit_code=unit.code,
                                     from_state=source, to_state=move.dest,
                                     comment="Đề nghị bổ sung" if move.needs("comment") else "", details=details)
                        current = move.dest
                    for level, by in levels:
                        for criterion in cset.criteria:
                            children += [Verdict, dict(dossier_id=dossier_id, criterion=criterion.code, level=level,
                                                       agree=True, comment="", by_id=by["id"], at=when)]
                    due = schedules[province.id].due(cset.code, year, current, when)
                    writer.add(Dossier, id=dossier_id, unit_id=unit.id, criteria_set=cset.code,
                               criteria_set_version=cset.version, level=cset.level,
                               route=route, year=year, state=current,
                               version=2 + len(evidence_ids) + len(moves), values=facts.values,
                               decision_number=decision.get("number"),
                               decision_date=date.fromisoformat(decision["date"]) if decision else None,
                               decision_authority=decision.get("authority"),
                               revocation_number="12/QĐ-UBND" if current == "revoked" else None,
                               verified_on=when.date() if current in ("pv05_verified", "recognized", "revoked") else None,
                               created_by_id=own["id"], created_at=opened, updated_at=when, state_changed_at=when,
                               due_on=due)
                    for model, values in zip(children[::2], children[1::2]):
                        writer.add(model, **values)
                    dossiers += 1
                    if dossiers % 10_000 == 0:
                        print(f"  {dossiers:,} dossiers, {len(chain.pending):,} trail entries to seal, "
                              f"{time.perf_counter() - started:.0f} s", flush=True)
        writer.flush()
        print(f"  sealing {len(chain.pending):,} trail entries in the order of time", flush=True)
        chain.close()
        revisions.advance_all()  # as the trail does for each change the rows above stand for
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('dossier', 'id'), "
                                    "(SELECT max(id) FROM dossier))"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Fresh statistics (or the planner guesses badly) and the visibility map a running
            # database's autovacuum keeps (or counts read every row of the table, not the index).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM (ANALYZE)"))
        elapsed = time.perf_counter() - started
        rows = sum(writer.counts.values())
        report = {"seconds": round(elapsed, 1), "units": len(units), "dossiers": dossiers, "rows": writer.counts,
                  "rows_per_second": round(rows / elapsed), "trail_entries": chain.seq}
        print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
