"""Instructions per request, counted by valgrind (callgrind), in one process with the test client:
the same count for the same code and data whatever else the machine is doing, so a change of a
few per cent shows, where CPU time on a shared machine moves by a third between two runs.

    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench .venv/bin/python bench/instructions.py \\
        u001=/ u01=/dossiers/ u01=/audit/ token:u01=/api/v1/dossiers?per_page=20

Each target is `user=/path` (signed in with the bench password; `token:user=` for the API's
bearer token). Fortunes, the reference of the load run, is counted too; each target is given as
its instructions per request and its share of the reference's. A target is run twice under
callgrind, with a few requests and with `--requests` more, after the same warm-up: the difference
over the added requests leaves out start-up, sign-in and warm-up. Needs valgrind (Debian's
package); about two minutes a target on a 2-core machine. Application code only: PostgreSQL's
work is not counted.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess  # nosec B404: runs this script under valgrind
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-mat-khau-2026"
FORTUNES = "fortunes"
WARM_UP = 3


def client_for(app, target: str):
    """A test client signed in as the target's user, and the headers its requests carry."""
    who, _path = target.split("=", 1)
    client = app.test_client()
    if who.startswith("token:"):
        answer = client.post("/api/v1/tokens", json={"username": who[len("token:"):], "password": PASSWORD})
        return client, {"Authorization": f"Bearer {answer.get_json()['token']}"}
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post("/login", data={"csrf_token": token, "username": who, "password": PASSWORD})
    if signed_in.status_code != 302:
        sys.exit(f"{who} could not sign in (the bench data's users: bench/generate.py)")
    return client, {}


def child(target: str, requests: int) -> None:
    """In valgrind: warm up, then `requests` requests of the target (as a worker runs: the
    garbage collector set as workflow_app.wsgi sets it)."""
    sys.path.insert(0, str(ROOT))
    if target == FORTUNES:
        from bench.reference_app import create

        app, path, headers = create(), "/fortunes", {}
        client = app.test_client()
    else:
        os.environ.setdefault("SECRET_KEY", "bench-secret-key")
        os.environ.setdefault("AUDIT_KEY", "bench-audit-key")
        os.environ.setdefault("APP_ENV", "development")
        from workflow_app import create_app

        app = create_app(command_line=False)
        client, headers = client_for(app, target)
        path = target.split("=", 1)[1]
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, *gc.get_threshold()[1:])
    for _ in range(WARM_UP):
        status = client.get(path, headers=headers).status_code
        if status != 200:
            sys.exit(f"{target}: {status}")
    for _ in range(requests):
        client.get(path, headers=headers)


def collected(target: str, requests: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", target, "--requests", str(requests)]
    # One hash seed for every child: with a random one, the same code's counts differed by up to
    # 7 % from one process to the next (fortunes 2.51 and 2.70 M); with one, they agree.
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    done = subprocess.run(command, capture_output=True, text=True, env=env)  # nosec B603
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"{target}: valgrind failed\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(target: str, requests: int) -> float:
    return (collected(target, 2 + requests) - collected(target, 2)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="user=/path or token:user=/path")
    parser.add_argument("--requests", type=int, default=10, help="requests counted per target")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL is required (the bench database)")
    if args.child:
        child(args.child, args.requests)
        return
    reference = per_request(FORTUNES, args.requests * 4)
    print(f"{'target':60} {'instructions/request':>22} {'share of fortunes':>18}")
    print(f"{FORTUNES:60} {reference / 1e6:20.2f} M {100:17.0f}%", flush=True)
    for target in args.targets:
        count = per_request(target, args.requests)
        print(f"{target:60} {count / 1e6:20.2f} M {100 * reference / count:17.1f}%", flush=True)


if __name__ == "__main__":
    main()
