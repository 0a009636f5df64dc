import pytest

from workflow_app import create_app
from workflow_app.config import ConfigError, load_config, normalize_database_url


def test_development_generates_secrets_once_and_keeps_them(tmp_path):
    first = load_config(tmp_path, {})
    second = load_config(tmp_path, {})
    assert len(first["SECRET_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["AUDIT_KEY"] == second["AUDIT_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "AUDIT_KEY"])
def test_production_refuses_to_start_without_a_key(tmp_path, missing):
    env = {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        load_config(tmp_path, env)
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_short_key(tmp_path):
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(tmp_path, {"APP_ENV": "production", "SECRET_KEY": "short", "AUDIT_KEY": "a" * 40})


def test_create_app_refuses_production_without_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()


@pytest.mark.parametrize(
    "env, secure",
    [({}, False), ({"APP_ENV": "production", "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40}, True)],
)
def test_session_cookies(tmp_path, env, secure):
    config = load_config(tmp_path, env)
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is secure


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(url, expected):
    assert normalize_database_url(url) == expected


def test_unsupported_database_is_named(tmp_path):
    with pytest.raises(ConfigError, match="'mysql'"):
        load_config(tmp_path, {"DATABASE_URL": "mysql://root@localhost/x"})


@pytest.mark.parametrize("raw, hops", [(None, 0), ("0", 0), ("2", 2)])
def test_trusted_proxies(tmp_path, raw, hops):
    assert load_config(tmp_path, {} if raw is None else {"TRUSTED_PROXIES": raw})["TRUSTED_PROXIES"] == hops


def test_default_database_is_a_file_in_instance(tmp_path):
    assert load_config(tmp_path, {})["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/antt.sqlite3"


@pytest.mark.parametrize("raw, message", [("abc", "whole number"), ("0", "at least 1"), ("-5", "at least 1")])
def test_upload_limit_must_be_positive(tmp_path, raw, message):
    with pytest.raises(ConfigError, match=f"MAX_UPLOAD_MB must be .*{message}"):
        load_config(tmp_path, {"MAX_UPLOAD_MB": raw})


def test_upload_settings(tmp_path):
    config = load_config(tmp_path, {"MAX_UPLOAD_MB": "5", "UPLOAD_DIR": "/srv/files"})
    assert config["MAX_UPLOAD_BYTES"] == 5 * 1024 * 1024
    assert config["MAX_CONTENT_LENGTH"] > config["MAX_UPLOAD_BYTES"]
    assert config["UPLOAD_DIR"] == "/srv/files"
    assert load_config(tmp_path, {})["MAX_UPLOAD_BYTES"] == 20 * 1024 * 1024


def test_unknown_environment(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config(tmp_path, {"APP_ENV": "staging"})


def test_the_application_servers_app_is_the_whole_app_without_the_command_line(tmp_path):
    """gunicorn runs workflow_app.wsgi:app: every page and API route of the application, without
    the migrations (Alembic) and commands loaded into each worker, nor the password checker's
    dictionaries (until a password is checked) or every country's holidays (a due date computed)."""
    import json
    import subprocess  # nosec B404 - a fresh interpreter, to see what importing the module loads
    import sys
    from pathlib import Path

    script = ("import gc, json, sys; from datetime import date; from workflow_app.wsgi import app; "
              "from workflow_app.deadlines import WorkCalendar; WorkCalendar().add(date(2025, 1, 24), 10); "
              "print(json.dumps({'rules': sorted(r.rule + ' ' + r.endpoint for r in app.url_map.iter_rules()), "
              "'loaded': [m for m in ('flask_migrate', 'alembic', 'workflow_app.cli', 'zxcvbn', 'holidays.countries') "
              "if m in sys.modules], "
              "'login': app.test_client().get('/login').status_code, "
              "'gc': [gc.get_threshold()[0], gc.get_freeze_count() > 0]}))")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "APP_ENV": "development",
           "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40, "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,  # nosec B603
                            cwd=Path(__file__).resolve().parents[1], check=True)
    served = json.loads(result.stdout.strip().splitlines()[-1])
    full = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.sqlite3'}", "SECRET_KEY": "s" * 40,
                       "AUDIT_KEY": "a" * 40})
    assert served["rules"] == sorted(r.rule + " " + r.endpoint for r in full.url_map.iter_rules())
    assert served["loaded"] == [] and served["login"] == 200
    # What a server holds for good is set aside from the cyclic collector, which runs less often than Python's 700.
    assert served["gc"][1] and served["gc"][0] > 700
    assert "migrate" in full.extensions and "init-db" in full.cli.list_commands(None)  # what `flask` runs has both
