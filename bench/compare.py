"""Two checkouts of the application side by side under load: the code before a change and after
it, both served at once on the same database, each page driven on one and then the other (the
order turned every round), the reference's fortunes between them. Two load runs of the same
code, one after the other, differ by up to 15 % on this kind of machine; served at once and
interleaved, the two checkouts meet the same noise.

    git worktree add /tmp/before <commit>          # the code before the change
    ln -s "$PWD/.venv" /tmp/before/.venv && make -C /tmp/before translations
    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench .venv/bin/python bench/compare.py /tmp/before

The database is the one bench/generate.py filled. Prints, per page, the CPU ms per request of
each checkout (its gunicorn processes' CPU over the requests wrk completed), its share of
fortunes' and its p99.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import (  # noqa: E402 - the load run's own pieces
    GUNICORN, REF_PORT, ROOT, api_token, cpu_seconds, server_env, session_cookie, start, subjects_at, wrk)

BEFORE_PORT, AFTER_PORT = 8804, 8805


def targets(url: str) -> list[tuple[str, str, str]]:
    """(name, path, who): a cookie for a username, a bearer token for "api:<username>"."""
    big, district, pv05, _pv05_2025 = subjects_at(url)
    return [("district inbox", "/", district), ("dossier list (PV05)", "/dossiers/", pv05),
            ("API dossier (34 criteria)", f"/api/v1/dossiers/{big}", f"api:{pv05}"),
            ("audit trail page", "/audit/", pv05), ("dossier page, 34 criteria", f"/dossiers/{big}", pv05)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path, help="a checkout of the code before the change")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is required")
    sides = {"before": (args.before.resolve(), BEFORE_PORT), "after": (ROOT, AFTER_PORT)}
    servers = {side: start(GUNICORN + ["-b", f"127.0.0.1:{port}", "workflow_app.wsgi:app"], server_env(url, root),
                           port, cwd=root)
               for side, (root, port) in sides.items()}
    servers["fortunes"] = start(GUNICORN + ["-b", f"127.0.0.1:{REF_PORT}", "bench.reference_app:create()"],
                                server_env(url), REF_PORT)
    try:
        pages = targets(url)
        headers = {}
        for side, (_root, port) in sides.items():
            for _name, _path, who in pages:
                headers[side, who] = (f"Authorization: Bearer {api_token(who[4:], port)}" if who.startswith("api:")
                                      else f"Cookie: {session_cookie(who, port)}")
        measured: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for number in range(args.rounds):
            for name, path, who in pages:
                order = ("before", "after") if number % 2 == 0 else ("after", "before")
                for side in order + ("fortunes",):
                    if side == "fortunes":
                        address, header = f"http://127.0.0.1:{REF_PORT}/fortunes", ""
                    else:
                        address, header = f"http://127.0.0.1:{sides[side][1]}{path}", headers[side, who]
                    wrk(address, 1, header)  # warm-up
                    spent = cpu_seconds(servers[side].pid)
                    result = wrk(address, args.seconds, header)
                    spent = cpu_seconds(servers[side].pid) - spent
                    if result["non_2xx"] or not result["requests"]:
                        sys.exit(f"{side}, {name}: {result['requests']} answers, {result['non_2xx']} not 2xx or 3xx")
                    measured.setdefault((name, side), []).append((spent / result["requests"] * 1000, result["p99_ms"]))
        print("| page | CPU ms/request, before → after | share of fortunes' CPU, before → after | p99 ms, before → after |")
        print("|---|---|---|---|")
        for name, _path, _who in pages:
            fortunes = statistics.median(cpu for cpu, _p99 in measured[name, "fortunes"])
            cpu = {side: statistics.median(c for c, _p in measured[name, side]) for side in sides}
            p99 = {side: statistics.median(p for _c, p in measured[name, side]) for side in sides}
            print(f"| {name} | {cpu['before']:.2f} → {cpu['after']:.2f} | {100 * fortunes / cpu['before']:.0f} → "
                  f"{100 * fortunes / cpu['after']:.0f} % | {p99['before']:.0f} → {p99['after']:.0f} |")
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
