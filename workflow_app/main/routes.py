from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask_login import current_user, login_required

from ..auth.routes import safe_next
from ..dossiers.queries import inbox_for
from ..i18n import LANGUAGES
from . import bp


@bp.route("/")
@login_required
def index():
    return render_template(
        f"main/home_{current_user.role}.html", unit=current_user.unit, inbox=inbox_for(current_user)
    )


@bp.route("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    refresh()  # the flash or page that follows in this context speaks the new language
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
