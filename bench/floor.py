"""What a signed-in page costs before its own content, against the reference, in one process.

    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench .venv/bin/python bench/floor.py [--rounds 7]

On the data bench/generate.py wrote, with Flask's test client (no server, no network: the
application's own CPU per request, the median of each round, the targets in turn in every round):
the reference's hello and fortunes; a signed-in request answered with one word (what every request
of a signed-in user costs: the cookie, the session's user read from the database, the headers); an
empty page in the layout (its menu and the sign-out form's CSRF token besides); the district inbox.
Each as a share of fortunes' CPU, as the load run gives its shares: the 50 % targets ask a whole
page to cost no more than two fortunes, and this shows how much of that is spent before a page
shows anything of its own.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.instructions import client_for  # noqa: E402 - the benchmarks' own pieces
from bench.load import server_env, subjects_at  # noqa: E402

EMPTY_PAGE = '{% extends "base.html" %}{% block title %}—{% endblock %}{% block content %}{% endblock %}'


def cpu_ms(client, path: str, requests: int) -> float:
    """Median CPU milliseconds of a GET, after a tenth of the requests as warm-up."""
    times = []
    for _ in range(requests):
        started = time.process_time()
        answer = client.get(path)
        times.append((time.process_time() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
    return statistics.median(times[requests // 10:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is required")
    os.environ.update(server_env(url))

    from flask_login import login_required

    from bench.reference_app import create as create_reference
    from workflow_app import create_app

    _big, district, _pv05, _pv05_2025 = subjects_at(url)

    app = create_app(command_line=False)
    empty = app.jinja_env.from_string(EMPTY_PAGE)

    @app.get("/floor/word")
    @login_required
    def word():
        return "ok"

    @app.get("/floor/layout")
    @login_required
    def layout():
        context: dict = {}
        app.update_template_context(context)
        return empty.render(context)

    ours, reference = client_for(app, f"{district}=/")[0], create_reference().test_client()

    targets = [("hello (reference)", reference, "/hello"), ("fortunes (reference)", reference, "/fortunes"),
               ("signed in, one word", ours, "/floor/word"), ("empty page in the layout", ours, "/floor/layout"),
               ("district inbox", ours, "/")]
    rounds: dict[str, list[float]] = {name: [] for name, _client, _path in targets}
    for _round in range(args.rounds):
        for name, client, path in targets:
            rounds[name].append(cpu_ms(client, path, args.requests))
    # A share is taken within each round (fortunes' CPU of that round over the target's), then the
    # median of the rounds: the machine's speed drifts between rounds, less within one.
    fortunes = rounds["fortunes (reference)"]
    print(f"{'':26} {'CPU ms/request: median (rounds)':>34}   share of fortunes' CPU: median (rounds)")
    for name, times in rounds.items():
        line = f"{name:26} {statistics.median(times):>8.2f} ({min(times):.2f}–{max(times):.2f})".ljust(63)
        if "reference" not in name:
            shares = [100 * f / t for f, t in zip(fortunes, times)]
            line += f"   {statistics.median(shares):.0f} % ({min(shares):.0f}–{max(shares):.0f} %)"
        print(line)


if __name__ == "__main__":
    main()
