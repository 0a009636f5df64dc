"""Verify a long audit trail: time and peak memory. `python bench/bench_audit.py [ENTRIES]`.

Builds a sealed chain of ENTRIES entries (1,000,000 by default) in a scratch SQLite file, then
walks it with the same `verify()` as `flask audit verify`. Memory must stay flat as ENTRIES grows.
"""
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

from workflow_app import create_app
from workflow_app.audit import trail
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, AuditHead


def build_chain(entries: int, key: str) -> None:
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    prev, batch = trail.GENESIS, []
    for seq in range(1, entries + 1):
        fields = {"seq": seq, "at": start + timedelta(seconds=seq), "actor_id": 1, "actor": "xa29269",
                  "role": "commune_officer", "dossier_id": seq % 500 + 1, "unit_code": "29269",
                  "action": "data_updated", "from_state": None, "to_state": None, "comment": "",
                  "details": {"changes": {"innovations": [seq - 1, seq]}}, "prev_seal": prev}
        prev = trail.compute_seal(key, fields)
        batch.append({**fields, "seal": prev})
        if len(batch) == 10_000:
            db.session.execute(insert(AuditEntry.__table__), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEntry.__table__), batch)
    db.session.execute(insert(AuditHead.__table__).values(id=1, seq=entries, seal=prev))
    db.session.commit()


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench", "AUDIT_KEY": "bench-audit-key",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build_chain(entries, app.config["AUDIT_KEY"])
            print(f"built {entries:,} sealed entries in {time.perf_counter() - started:.1f} s")
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            started = time.perf_counter()
            result = trail.verify()
            elapsed = time.perf_counter() - started
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"verify: ok={result.ok}, {result.entries:,} entries in {elapsed:.1f} s ({entries / elapsed:,.0f}/s); "
                  f"peak RSS {rss_before:.0f} MiB before verifying, {rss_after:.0f} MiB after")


if __name__ == "__main__":
    main()
