"""The ANTT recognition web application."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import gettext
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

import templates as _templates

from . import canonical
from .config import load_config
from .errors import register_error_handlers
from .extensions import babel, csrf, db, login_manager
from .i18n import install as install_translations
from .i18n import select_locale
from .web import BoundedJSONProvider, IdConverter

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")

# No inline script, and every asset from this server, nothing from outside. Inline styles are
# allowed because Mermaid styles the state diagram's SVG (and its highlighted state) inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def create_app(config: dict | None = None, *, command_line: bool = True) -> Flask:
    """Build the application; `config` overrides what the environment says. An application server
    builds it without the command line (workflow_app.wsgi): the migrations (Alembic) and the
    commands are then not loaded into each of its workers."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(Path(_templates.__file__).parent),
    )
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    settings = load_config(Path(app.instance_path))
    settings.update(config or {})
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # JSON columns are stored in the audit trail's canonical form, so that verifying the trail seals
    # an entry's stored details as they are, without decoding and encoding them again; they are read
    # back as json reads them, by orjson where that gives the same value.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"json_serializer": canonical.dumps,
                                               "json_deserializer": canonical.loads,
                                               **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    db.init_app(app)
    if command_line:
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_translations(app, babel)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    login_manager.localize_callback = gettext  # its messages come from our catalogue (forms.py lists them)

    from .auth.operations import user_for_session

    @login_manager.user_loader
    def load_user(value: str):
        return user_for_session(value)

    from . import deadlines, formatting, marks, notifications, pagecache
    from .units import scopes
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .documents import bp as documents_bp
    from .dossiers import bp as dossiers_bp
    from .main import bp as main_bp
    from .reports import bp as reports_bp

    formatting.init_app(app)
    marks.init_app(app)
    app.extensions["kept_parts"] = pagecache.Kept()
    app.extensions["scopes"] = scopes.Scopes()
    app.extensions["schedules"] = pagecache.Newest(deadlines.SCHEDULES)
    app.add_template_global(deadlines.overdue, "overdue")

    @app.template_global("unread_notifications")
    def unread_notifications() -> int:
        from flask_login import current_user

        if not current_user.is_authenticated:
            return 0
        if current_user.unread is not None:  # read with the session's user
            return current_user.unread
        return notifications.unread_count(current_user)
    register_error_handlers(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)
    if command_line:
        from .cli import register_cli

        register_cli(app)

    @app.before_request
    def refuse_nul_characters():
        from flask import jsonify
        from flask_babel import gettext as _

        from .web import nul_field

        name = nul_field()
        if name is None:
            return None
        message = _("The field %(name)s contains a character that is not allowed.", name=name)
        if request.path.startswith("/api/"):
            return jsonify({"error": "validation", "message": message, "fields": {name: message}}), 400
        return message, 400

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages, downloads and API answers hold what a signed-in user may read: no browser or
            # proxy keeps them (the application's own CSS, scripts and images may be cached).
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    @app.context_processor
    def inject_user():
        return {"current_user": current_user, "current_path": request.path}

    return app
