"""Command-line tools: thin wrappers over operations, each owning its single commit."""
from __future__ import annotations

import os
import time

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from .errors import OperationError
from .extensions import db


def _fail(exc: OperationError) -> None:
    db.session.rollback()
    raise click.ClickException(exc.message)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database schema, or upgrade it to the latest migration."""
    upgrade()  # the migrations folder create_app() gave Flask-Migrate
    click.echo("Database schema is up to date.")


@click.command("load-units")
@click.option("--province", "provinces", multiple=True, help="Province code on the chosen map, e.g. 84 (repeatable).")
@click.option("--all", "load_all", is_flag=True, help="Load every province of the country.")
@click.option("--map", "map_", type=click.Choice(["legacy", "2025"]), default="legacy", show_default=True,
              help="legacy: 63 provinces with districts (vietnam-provinces); 2025: 34 provinces, communes under "
                   "the province, with the lineage from the old units (vietnamadminunits).")
@with_appcontext
def load_units_command(provinces, load_all, map_):
    """Load the official administrative units (idempotent)."""
    from .units.operations import load_units
    from .units.reform import load_map_2025, province_codes_2025

    if bool(provinces) == bool(load_all):
        raise click.UsageError("Give either --province CODE (one or more) or --all.")
    started = time.perf_counter()
    try:
        if map_ == "legacy":
            results = [load_units(None if load_all else list(provinces))]
        else:
            results = [load_map_2025(code) for code in (province_codes_2025() if load_all else provinces)]
            for r in results:
                click.echo(f"{r.province}: formed from {', '.join(r.old_provinces)}; {r.lineage_added} lineage "
                           f"lines added, {r.ended} old units given their last day.")
                if r.missing:
                    click.echo(f"  Not in the old map here, though the lineage names them: {', '.join(r.missing)}")
        db.session.commit()
    except OperationError as exc:
        _fail(exc)
    click.echo(
        f"Units: {sum(r.inserted for r in results)} inserted, {sum(r.updated for r in results)} updated, "
        f"{sum(r.unchanged for r in results)} unchanged "
        f"({time.perf_counter() - started:.1f} s)."
    )


@click.command("migrate-map")
@click.option("--province", "province", required=True, help="Code of the old province, e.g. 84.")
@click.option("--decide", "decisions", multiple=True, metavar="OLD=NEW",
              help="For a commune split between several new ones: the new commune its people and dossiers go to.")
@click.option("--apply", "apply", is_flag=True, help="Carry the moves out (without it: a dry run that changes nothing).")
@with_appcontext
def migrate_map_command(province, decisions, apply):
    """Move an old province's users and open dossiers to the 2025 map by the lineage (dry run first)."""
    from .units.migration import apply_migration, plan_migration

    try:
        chosen = dict(d.split("=", 1) for d in decisions)
    except ValueError:
        raise click.UsageError("--decide takes OLD_CODE=NEW_CODE") from None
    try:
        plan = plan_migration(province, chosen)
        if apply:
            apply_migration(plan)
            db.session.commit()
    except OperationError as exc:
        _fail(exc)
    verb = "Moved" if apply else "Would move (dry run, nothing changed)"
    click.echo(f"{plan.province} -> {plan.successor}. {verb}: {len(plan.moves)}.")
    for m in plan.moves:
        moved = f"; {m.from_state} -> {m.to_state} ({m.route})" if m.kind == "dossier" else ""
        click.echo(f"  {m.kind} {m.label}: {m.from_unit} -> {m.to_unit}{moved}")
    if plan.undecided:
        click.echo(f"Left for a person to decide: {len(plan.undecided)}.")
        for u in plan.undecided:
            click.echo(f"  {u.kind} {u.label} ({u.unit}): {u.reason}")
    if not apply:
        click.echo("Run again with --apply to carry these moves out.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True,
              help="commune_officer, district_officer, pv05_officer, inspector, admin or ministry_officer.")
@click.option("--unit", "unit_code", required=True, help="Code of the user's unit, e.g. 84, 844, 29464; VN for the ministry.")
@click.option("--full-name", default=None, help="Defaults to the username.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(username, role, unit_code, full_name, password):
    """Create a user (the password is prompted for unless --password is given)."""
    from .admin.operations import create_user

    try:
        user = create_user(
            None, username=username, full_name=full_name or username, password=password, role=role, unit_code=unit_code
        )
        db.session.commit()
    except OperationError as exc:
        _fail(exc)
    click.echo(f"Created user {user.username} ({user.role}, {user.unit.name}).")


@click.command("seed-demo")
@click.option("--password", required=True, help="Password given to every demo user.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo_command(password, if_empty):
    """Load Trà Vinh's units and the demo users (idempotent)."""
    from .demo import seed_demo
    from .models import User

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("The database already has users: demo data not loaded.")
        return
    try:
        created = seed_demo(password)
        db.session.commit()
    except OperationError as exc:
        _fail(exc)
    click.echo(f"Demo data ready: {created} users created.")


@click.command("demo-logins")
@click.option("--password", required=True)
@with_appcontext
def demo_logins_command(password):
    """Print the demo logins."""
    from .demo import demo_logins

    click.echo("\nDemo logins (password for all: %s):" % password)
    for username, description in demo_logins():
        click.echo(f"  {username:<14} {description}")
    click.echo("")


@click.group("criteria")
def criteria_group():
    """Criteria sets: list what is loaded, check a data file."""


@criteria_group.command("list")
def criteria_list_command():
    """List the loaded criteria sets and their versions."""
    from criteria import default_registry

    for cset in default_registry().all():
        years = f"{cset.from_year}–{cset.to_year or '…'}"
        click.echo(
            f"{cset.code:<20} {cset.version:<8} {cset.level:<9} {years:<11} {len(cset.criteria):>3} tiêu chí  {cset.name.vi}"
        )


@criteria_group.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def criteria_check_command(path):
    """Validate a criteria set file against the loaded sets; name everything wrong in it."""
    from pathlib import Path

    from criteria import CriteriaFileError, check_file

    try:
        cset = check_file(Path(path))
    except CriteriaFileError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    click.echo(f"OK: {cset.code} version {cset.version}, {len(cset.criteria)} criteria, {len(cset.inputs)} inputs.")


@click.group("audit")
def audit_group():
    """The audit trail: verify the chain, print a checkpoint of its head."""


@audit_group.command("verify")
@click.option("--checkpoint", default=None, help="SEQ:SEAL printed earlier by `audit checkpoint`.")
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=click.IntRange(min=1),
              help="Processes walking parts of a long chain at once (PostgreSQL).")
@with_appcontext
def audit_verify_command(checkpoint, workers):
    """Walk the whole chain; name the first entry that does not check out."""
    from .audit.trail import parse_checkpoint, verify_parallel

    try:
        mark = parse_checkpoint(checkpoint) if checkpoint else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--checkpoint") from None
    started = time.perf_counter()
    result = verify_parallel(mark, workers)
    took = time.perf_counter() - started
    if result.ok:
        click.echo(f"OK: {result.entries} entries, the chain is intact (head {result.head_seq}:{result.head_seal}).")
        click.echo(f"# walked in {took:.1f} s ({result.entries / max(took, 1e-9):,.0f} entries/s)", err=True)
        return
    click.echo(f"TAMPERED: entry {result.first_bad_seq}: {result.problem} ({result.entries} entries checked before it).", err=True)
    raise SystemExit(1)


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint_command():
    """Print the head of the chain (sequence, seal, time) to keep somewhere else."""
    from .audit.trail import head

    seq, seal, at = head()
    click.echo(f"{seq}:{seal}")
    click.echo(f"# {seq} entries, newest at {at.isoformat() if at else '-'}; check later with: audit verify --checkpoint {seq}:{seal}", err=True)


@click.group("evidence")
def evidence_group():
    """Evidence files on disk."""


@evidence_group.command("orphans")
@click.option("--delete", is_flag=True, help="Remove the files listed.")
@click.option("--older-than", "minutes", default=60, show_default=True, type=click.IntRange(min=1),
              help="Leave younger files alone (uploads under way).")
@with_appcontext
def evidence_orphans_command(delete, minutes):
    """List (or remove) files that no evidence row refers to; safe to run while serving."""
    from datetime import timedelta

    from .dossiers.evidence import orphans

    found = orphans(timedelta(minutes=minutes))
    for path in found:
        click.echo(f"{path}\t{path.stat().st_size}")
        if delete:
            path.unlink(missing_ok=True)
    click.echo(f"{len(found)} orphaned file(s){' removed' if delete and found else ''}.", err=True)


@click.group("notifications")
def notifications_group():
    """E-mail the notifications, and the daily digest of overdue dossiers."""


@notifications_group.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering (a worker), every --interval seconds.")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def notifications_deliver_command(loop, interval):
    """Send the pending e-mails (retried with back-off; each sent once, even with several workers)."""
    from .notifications import deliver

    while True:
        counts = deliver()
        if counts["sent"] or counts["retry"] or counts["failed"] or not loop:
            click.echo(f"sent {counts['sent']}, to retry {counts['retry']}, given up {counts['failed']}")
        if not loop:
            return
        time.sleep(interval)


@notifications_group.command("digest")
@with_appcontext
def notifications_digest_command():
    """Once a day (cron): each person with overdue dossiers waiting for them gets one list."""
    from .notifications import overdue_digest

    told = overdue_digest()
    db.session.commit()
    click.echo(f"{told} digest(s) written")


@click.group("access-log")
def access_log_group():
    """Who looked at what."""


@access_log_group.command("purge")
@with_appcontext
def access_log_purge_command():
    """Remove entries older than ACCESS_LOG_DAYS."""
    from .access import purge

    removed = purge()
    db.session.commit()
    click.echo(f"{removed} entr{'y' if removed == 1 else 'ies'} removed")


def register_cli(app: Flask) -> None:
    for command in (
        audit_group,
        evidence_group,
        notifications_group,
        access_log_group,
        criteria_group,
        init_db_command,
        load_units_command,
        migrate_map_command,
        create_user_command,
        seed_demo_command,
        demo_logins_command,
    ):
        app.cli.add_command(command)
