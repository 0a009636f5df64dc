"""Settings from the environment, with safe development defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

from .clock import VIETNAM

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


def _instance_secret(instance_path: Path, filename: str) -> str:
    """Read a development secret from instance/, generating it on first use."""
    path = instance_path / filename
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def normalize_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3 and reject engines we do not support."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ConfigError(
        f"DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url.split(':', 1)[0]!r}"
    )


def _whole_number(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def load_config(instance_path: Path, env: Mapping[str, str] | None = None) -> dict:
    """Build the Flask settings from environment variables."""
    env = os.environ if env is None else env
    app_env = env.get("APP_ENV", "development")
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    production = app_env == "production"

    def secret(name: str, filename: str) -> str:
        value = env.get(name, "").strip()
        if value:
            if production and len(value) < 32:
                raise ConfigError(f"{name} must be at least 32 characters in production")
            return value
        if production:
            raise ConfigError(f"{name} must be set in production (APP_ENV=production)")
        return _instance_secret(instance_path, filename)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'antt.sqlite3'}"
    upload_mb = _whole_number(env, "MAX_UPLOAD_MB", 20)
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret("SECRET_KEY", "secret_key"),
        "AUDIT_KEY": secret("AUDIT_KEY", "audit_key"),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance_path / "uploads"),
        # How many reverse proxies stand in front of the application: their X-Forwarded-For and
        # X-Forwarded-Proto are then believed (for the sign-in throttle and https links); with 0,
        # anyone could forge them, so they are ignored.
        "TRUSTED_PROXIES": _whole_number(env, "TRUSTED_PROXIES", 0, minimum=0),
        "MAX_UPLOAD_BYTES": upload_mb * 1024 * 1024,
        # The whole request may carry a file plus its form fields.
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024 + 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": app_env != "development" and app_env != "testing",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": VIETNAM.key,  # pages show Vietnamese time
        "WTF_CSRF_TIME_LIMIT": None,
        # E-mail: without SMTP_HOST, notifications stay in the application.
        "SMTP_HOST": env.get("SMTP_HOST", "").strip(),
        "SMTP_PORT": _whole_number(env, "SMTP_PORT", 25),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes", "on"),
        "MAIL_FROM": env.get("MAIL_FROM", "").strip() or "antt@localhost",
        # The address links in e-mails lead to when written outside a request (the daily digest).
        "BASE_URL": env.get("BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:5000",
        # How long "who looked at what" is kept.
        "ACCESS_LOG_DAYS": _whole_number(env, "ACCESS_LOG_DAYS", 365),
    }
