"""The load run: the application and the reference app under gunicorn on 127.0.0.1, each page
driven by wrk for a while after a warm-up, interleaved with the reference, a few rounds; medians
written to bench/results.json and printed as a table.

    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench .venv/bin/python bench/load.py [--seconds 10] [--rounds 3]

The database is the one bench/generate.py filled (AUDIT_KEY must be the one it sealed with).
CPU ms per request is the gunicorn processes' CPU time over the requests wrk completed.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess  # nosec B404 - runs gunicorn and wrk, both ours to start
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
APP_PORT, REF_PORT, SECOND_PORT = 8801, 8802, 8803
PASSWORD = "bench-mat-khau-2026"  # bench/generate.py's
MINISTRY = "bocongan"  # its reader of the national overview
LUA = """
wrk.method = os.getenv("WRK_METHOD") or "GET"
local header = os.getenv("WRK_HEADER")
if header and header ~= "" then
  local name, value = header:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end
if os.getenv("WRK_BODY") then wrk.body = os.getenv("WRK_BODY"); wrk.headers["Content-Type"] = "application/json" end
-- WRK_MOVES: a file of "path<TAB>authorization" lines, each requested once, split between the
-- threads (moves of different dossiers, each by the PV05 officer of its province)
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end
function init(args)
  moves, position = {}, 0
  local file = os.getenv("WRK_MOVES")
  if file and file ~= "" then
    local n = 0
    for line in io.lines(file) do
      if n % 2 == index then
        local path, auth = line:match("^([^\t]+)\t(.*)$")
        moves[#moves + 1] = {path, auth}
      end
      n = n + 1
    end
  end
end
request = function()
  if #moves == 0 then return wrk.format() end
  position = math.min(position + 1, #moves)  -- past the end: the last again (refused, counted as non-2xx)
  return wrk.format("POST", moves[position][1],
                    {["Authorization"] = moves[position][2], ["Content-Type"] = "application/json"}, wrk.body)
end
"""


# Each application server: four worker processes of four threads (what the load run measures).
GUNICORN = [str(BIN / "gunicorn"), "-k", "gthread", "-w", "4", "--threads", "4", "--log-level", "warning"]


def server_env(url: str, root: Path = ROOT) -> dict:
    """The environment the servers run in: the bench database, the secrets generate.py sealed with."""
    return {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "SECRET_KEY": "bench-secret-key",
            "AUDIT_KEY": os.environ.get("AUDIT_KEY", "bench-audit-key"), "PYTHONPATH": str(root)}


def start(command: list[str], env: dict, port: int, cwd: Path = ROOT) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # nosec B603
    probe = f"http://127.0.0.1:{port}/ping" if port == REF_PORT else f"http://127.0.0.1:{port}/login"
    for _ in range(300):
        try:
            urllib.request.urlopen(probe, timeout=1)  # nosec B310
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the server on port {port} did not start")


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children, from /proc (clock ticks)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [root_pid] + [int(p) for p in Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def worker_memory_mb(root_pid: int) -> dict:
    """The largest worker's peak resident memory (VmHWM: every transient allocation counted, a
    sign-in's 32 MiB of scrypt included) and its resident memory now (VmRSS)."""
    children = [int(p) for p in Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()]
    found = {"VmHWM": [], "VmRSS": []}
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name = line.split(":")[0]
            if name in found:
                found[name].append(int(line.split()[1]) / 1024)
    return {"peak": max(found["VmHWM"], default=0.0), "resident": max(found["VmRSS"], default=0.0)}


def verify_audit(env: dict) -> dict:
    """`flask audit verify` over the whole chain: the walk's own time (as the command reports it)
    and the whole command's, with its start-up."""
    started = time.perf_counter()
    verified = subprocess.run([str(BIN / "flask"), "--app", "workflow_app", "audit", "verify"], env=env, cwd=ROOT,  # nosec B603
                              capture_output=True, text=True)
    took = time.perf_counter() - started
    output = verified.stdout + verified.stderr
    entries = int(re.search(r"(\d+) entries", output).group(1))
    walked = re.search(r"walked in ([\d.]+) s", output)
    return {"entries": entries, "seconds": float(walked.group(1)) if walked else None,
            "entries_per_second": round(entries / float(walked.group(1))) if walked else None,
            "command_seconds": round(took, 1), "ok": verified.returncode == 0}


def session_cookie(username: str, port: int = APP_PORT) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()  # nosec B310
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data)  # nosec B310
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def api_token(username: str, port: int = APP_PORT) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tokens", method="POST",
                                     data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["token"]  # nosec B310


def start_wrk(url: str, seconds: int, header: str = "", method: str = "GET", body: str | None = None,
              moves: str = "", connections: int = 16) -> subprocess.Popen:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    env = {**os.environ, "WRK_HEADER": header, "WRK_METHOD": method, "WRK_MOVES": moves}
    if body is not None:
        env["WRK_BODY"] = body
    return subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],  # nosec B603 B607
                            env=env, stdout=subprocess.PIPE, text=True)


def statements_per_request(env: dict, targets: list[tuple]) -> dict[str, int]:
    """SQL statements one request of each target issues, counted in this process on the same
    database with the same cookie or token (the third request: as under load, after the first ones)."""
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "APP_ENV", "SECRET_KEY", "AUDIT_KEY")})
    from sqlalchemy import event

    from workflow_app import create_app
    from workflow_app.extensions import db

    app = create_app()
    seen = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.__setitem__(0, seen[0] + 1))
    counts = {}
    for name, target, header, _reference in targets:
        path = urllib.parse.urlsplit(target)
        headers = dict([header.split(": ", 1)]) if header else {}
        for _ in range(3):
            seen[0] = 0
            app.test_client(use_cookies=False).get(path.path, query_string=path.query, headers=headers)
        counts[name] = seen[0]
    return counts


def wrk(url: str, seconds: int, header: str = "", method: str = "GET", body: str | None = None,
        moves: str = "", connections: int = 16) -> dict:
    return wrk_result(start_wrk(url, seconds, header, method, body, moves, connections))


def wrk_result(process: subprocess.Popen) -> dict:
    out, _err = process.communicate()
    if process.returncode:
        raise SystemExit(f"wrk failed ({process.returncode})")

    def ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50"), "p99_ms": ms("99"), "non_2xx": int(errors.group(1)) if errors else 0}


_CSRF = re.compile(r'((?:name="csrf_token"[^>]*value|name="csrf-token"[^>]*content)=")[^"]*')


def answer(url: str, header: str) -> tuple[int, str]:
    """Status and body of one request, the CSRF tokens (signed per request) blanked."""
    name, _sep, value = header.partition(":")
    request = urllib.request.Request(url, headers={name: value.strip()} if header else {})
    with urllib.request.urlopen(request) as response:  # nosec B310 - our own server on 127.0.0.1
        return response.status, _CSRF.sub(r"\1", response.read().decode())


def moves_file(moves: list[tuple[int, str]]) -> str:
    """A WRK_MOVES file: PV05 returns each of these dossiers to its district (path, authorization)."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as listing:
        for dossier_id, token in moves:
            listing.write(f"/api/v1/dossiers/{dossier_id}/transitions/return_to_district\tBearer {token}\n")
    return listing.name


RETURN_BODY = json.dumps({"comment": "Đề nghị huyện thẩm định lại"})


def scale_out(env: dict, targets: list[tuple], seconds: int, engine, tokens: dict) -> dict:
    """A second application server on the same database, both driven at once (8 connections
    each, as many as one server had alone): each page's combined throughput, whether both
    servers give the same answer to the same session or token (nothing is kept in a server), and
    transitions sent to both at once — each dossier moved once, the trail one chain."""
    from sqlalchemy import text

    second = start(GUNICORN + ["-b", f"127.0.0.1:{SECOND_PORT}", "workflow_app.wsgi:app"], env, SECOND_PORT)
    try:
        pages = {}
        for name, target, header, _reference in targets:
            other = target.replace(f":{APP_PORT}/", f":{SECOND_PORT}/")
            same = answer(target, header) == answer(other, header)
            both = [wrk_result(p) for p in [start_wrk(target, seconds, header, connections=8),
                                            start_wrk(other, seconds, header, connections=8)]]
            pages[name] = {"rps": round(sum(r["rps"] for r in both), 2), "p99_ms": max(r["p99_ms"] for r in both),
                           "non_2xx": sum(r["non_2xx"] for r in both), "same_answer": same}
        with engine.connect() as connection:
            movable = connection.execute(text(
                "SELECT d.id, dist.parent_id FROM dossier d JOIN unit u ON u.id = d.unit_id "
                "JOIN unit dist ON dist.id = u.parent_id WHERE d.state = 'district_reviewed' AND d.level = 'commune' "
                "ORDER BY d.id")).all()
            since = connection.execute(text("SELECT seq FROM audit_head")).scalar()
        halves = [[(d, tokens[p]) for d, p in movable[i::2] if p in tokens] for i in (0, 1)]
        runs = [start_wrk(f"http://127.0.0.1:{port}/", seconds, "", "POST", RETURN_BODY, moves=moves_file(half),
                          connections=8) for port, half in zip((APP_PORT, SECOND_PORT), halves)]
        results = [wrk_result(p) for p in runs]
        asked = [d for half in halves for d, _t in half]
        with engine.connect() as connection:  # what the trail and the dossiers say, in one snapshot
            entries, dossiers, moved = connection.execute(text(
                "SELECT count(*), count(DISTINCT dossier_id), (SELECT count(*) FROM dossier WHERE "
                "state = 'commune_submitted' AND id = ANY(:ids)) FROM audit_entry WHERE seq > :since "
                "AND action = 'return_to_district'"), {"since": since, "ids": asked}).one()
        return {"pages": pages, "transitions": {"rps": round(sum(r["rps"] for r in results), 2),
                                                "refused": sum(r["non_2xx"] for r in results),
                                                "moves_in_trail": entries, "dossiers_moved": moved,
                                                "each_moved_once": entries == dossiers == moved}}
    finally:
        second.terminate()
        second.wait(timeout=20)


def subjects_at(url: str) -> tuple[int, str, str, str | None]:
    """subjects() of the database at `url`, read through a connection of its own."""
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        found = subjects(connection)
    engine.dispose()
    return found


def subjects(connection) -> tuple[int, str, str, str | None]:
    """What the pages are asked about: the first 34-criterion dossier of the old map, the first
    district officer, the first PV05 officer of the old map and of the 2025 map (whose scope reaches
    back along the lineage to the old provinces' records: new Hà Nội's, the old Hà Nội's)."""
    from sqlalchemy import text

    def first(statement: str):
        return connection.execute(text(statement)).scalar()

    return (first("SELECT d.id FROM dossier d JOIN unit u ON u.id = d.unit_id WHERE d.criteria_set = "
                  "'xa-dien-hinh-antt' AND u.map = 'legacy' ORDER BY d.id LIMIT 1"),
            first("SELECT username FROM user_account WHERE role = 'district_officer' ORDER BY id LIMIT 1"),
            first("SELECT username FROM user_account WHERE role = 'pv05_officer' AND username LIKE 'u%' "
                  "ORDER BY id LIMIT 1"),
            first("SELECT username FROM user_account WHERE role = 'pv05_officer' AND username LIKE 'n%' "
                  "ORDER BY username LIMIT 1"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--transitions-only", action="store_true", help="skip the pages")
    parser.add_argument("--no-scale-out", action="store_true", help="skip the run with two application servers")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is required")
    env = server_env(url)
    app = start(GUNICORN + ["-b", f"127.0.0.1:{APP_PORT}", "workflow_app.wsgi:app"], env, APP_PORT)
    ref = start(GUNICORN + ["-b", f"127.0.0.1:{REF_PORT}", "bench.reference_app:create()"], env, REF_PORT)
    try:
        sys.path.insert(0, str(ROOT))
        from sqlalchemy import create_engine, text

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            big, district, pv05, pv05_2025 = subjects(connection)
        cookies = {name: session_cookie(name) for name in (district, pv05, MINISTRY, pv05_2025) if name}
        token = api_token(pv05)
        app_base, ref_base = f"http://127.0.0.1:{APP_PORT}", f"http://127.0.0.1:{REF_PORT}"
        targets = [
            ("login page", f"{app_base}/login", "", "fortunes"),
            ("district inbox", f"{app_base}/", f"Cookie: {cookies[district]}", "fortunes"),
            ("dossier list (PV05)", f"{app_base}/dossiers/", f"Cookie: {cookies[pv05]}", "fortunes"),
            ("API dossier (34 criteria)", f"{app_base}/api/v1/dossiers/{big}", f"Authorization: Bearer {token}", "fortunes"),
            ("audit trail page", f"{app_base}/audit/", f"Cookie: {cookies[pv05]}", "fortunes"),
            ("dossier page, 34 criteria", f"{app_base}/dossiers/{big}", f"Cookie: {cookies[pv05]}", "fortunes"),
            ("province overview", f"{app_base}/reports/dashboard?year=2024", f"Cookie: {cookies[pv05]}", "fortunes"),
            ("national overview", f"{app_base}/reports/national?year=2024", f"Cookie: {cookies[MINISTRY]}", "fortunes"),
            ("API dossier list (20 items)", f"{app_base}/api/v1/dossiers?per_page=20", f"Authorization: Bearer {token}",
             "fortunes"),
        ]
        if pv05_2025:  # data generated with the 2025 map
            targets += [
                ("dossier list (PV05, 2025 map)", f"{app_base}/dossiers/", f"Cookie: {cookies[pv05_2025]}", "fortunes"),
                ("province overview (2025 map, 2026)", f"{app_base}/reports/dashboard?year=2026",
                 f"Cookie: {cookies[pv05_2025]}", "fortunes"),
            ]
        references = {"fortunes": f"{ref_base}/fortunes", "hello": f"{ref_base}/hello"}
        if args.transitions_only:
            targets = []
        runs: dict[str, list[dict]] = {}
        statements = statements_per_request(env, targets)
        for _name, target, header, _ref in targets:  # warm-up
            wrk(target, 2, header)
        for _round in range(args.rounds):
            for name, target, header, reference in targets:
                for label, where, pid, head in ((name, target, app.pid, header),
                                                (f"reference: {reference}", references[reference], ref.pid, "")):
                    before = cpu_seconds(pid)
                    result = wrk(where, args.seconds, head)
                    result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / max(result["requests"], 1)
                    runs.setdefault(label, []).append(result)
        # Transitions that really move dossiers: each PV05 officer returns dossiers its district
        # approved (each dossier once), against a one-row insert-and-commit on the reference app.
        with engine.connect() as connection:
            movable = connection.execute(text(
                "SELECT d.id, dist.parent_id FROM dossier d JOIN unit u ON u.id = d.unit_id "
                "JOIN unit dist ON dist.id = u.parent_id WHERE d.state = 'district_reviewed' AND d.level = 'commune' "
                "ORDER BY d.id")).all()
            officers = dict(connection.execute(text(
                "SELECT unit_id, username FROM user_account WHERE role = 'pv05_officer'")).all())
        tokens = {province: api_token(officers[province]) for province in {p for _d, p in movable}}
        for round_no in range(args.rounds):
            listing = moves_file([(d, tokens[p]) for d, p in movable[round_no::args.rounds * 2]])  # half kept
            before = cpu_seconds(app.pid)
            result = wrk(f"{app_base}/", args.seconds, "", "POST", RETURN_BODY, moves=listing)
            result["cpu_ms"] = (cpu_seconds(app.pid) - before) * 1000 / max(result["requests"], 1)
            runs.setdefault("transition (return to district)", []).append(result)
            before = cpu_seconds(ref.pid)
            result = wrk(f"{ref_base}/insert", args.seconds, "", "POST", "{}")
            result["cpu_ms"] = (cpu_seconds(ref.pid) - before) * 1000 / max(result["requests"], 1)
            runs.setdefault("reference: insert", []).append(result)
        targets.append(("transition (return to district)", "", "", "insert"))
        references["insert"] = f"{ref_base}/insert"
        summary = {}
        for label, results in runs.items():
            summary[label] = {key: round(statistics.median(r[key] for r in results), 2)
                              for key in ("rps", "p50_ms", "p99_ms", "cpu_ms", "non_2xx")}
        for name, _t, _h, reference in targets:
            own, ref_result = summary[name], summary[f"reference: {reference}"]
            own["statements"] = statements.get(name)
            own["share_of_reference"] = round(ref_result["cpu_ms"] / own["cpu_ms"], 3) if own["cpu_ms"] else None
        memory = worker_memory_mb(app.pid)
        shown = [t for t in targets if t[0] in ("district inbox", "dossier page, 34 criteria", "API dossier (34 criteria)",
                                                 "national overview")]
        scaled = None
        if not args.no_scale_out:
            try:
                scaled = scale_out(env, shown, args.seconds, engine, tokens)
            except (SystemExit, OSError) as exc:  # the single server's results are kept, with why
                scaled = {"error": str(exc)}
        # Twice: right after the load the machine and the database may still be busy (one walk there
        # ran at half the speed of the same walk a minute later); both are kept in the results.
        walks = [verify_audit(env) for _ in range(2)]
        report = {"targets": summary, "peak_worker_mb": round(memory["peak"], 1),
                  "resident_worker_mb": round(memory["resident"], 1),
                  "seconds": args.seconds, "rounds": args.rounds,
                  # the walk itself (as the command reports it), and the whole command with its start-up
                  "audit_verify": {**max(walks, key=lambda w: w["entries_per_second"] or 0),
                                   "runs": [{k: w[k] for k in ("seconds", "entries_per_second")} for w in walks]},
                  "two_servers": scaled}
        (ROOT / "bench" / "results.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        print(f"{'target':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}{'share':>8}{'SQL':>5}")
        for label, row in summary.items():
            share = row.get("share_of_reference")
            print(f"{label:<32}{row['rps']:>9.0f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['cpu_ms']:>9.2f}"
                  f"{(f'{share:.0%}' if share else ''):>8}{row.get('statements') or '':>5}")
        print(f"worker memory: peak {report['peak_worker_mb']} MB, resident at the end {report['resident_worker_mb']} MB")
        audit = report["audit_verify"]
        print(f"audit verify: {audit['entries']:,} entries walked in {audit['seconds']} s "
              f"({audit['entries_per_second']:,}/s; the command {audit['command_seconds']} s with its start-up; "
              f"the other walk {min(w['entries_per_second'] or 0 for w in walks):,}/s), "
              f"{'intact' if audit['ok'] else 'NOT intact'}")
        if scaled and "error" in scaled:
            print(f"two application servers: not measured ({scaled['error']})")
        elif scaled:
            print("two application servers on one database, at once:")
            for name, row in scaled["pages"].items():
                alone = summary[name]
                print(f"  {name:<30}{row['rps']:>8.0f} req/s (one server {alone['rps']:.0f}), p99 {row['p99_ms']:.0f} ms, "
                      f"non-2xx {row['non_2xx']}, same answer on both: {row['same_answer']}")
            moves = scaled["transitions"]
            print(f"  transitions: {moves['rps']:.0f}/s, {moves['moves_in_trail']} moves in the trail, "
                  f"{moves['dossiers_moved']} dossiers moved, each once: {moves['each_moved_once']}")
    finally:
        for process in (app, ref):
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
