from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask_login import current_user, login_required
from sqlalchemy import select, update

from .. import notifications
from ..auth.routes import safe_next
from ..clock import today_in_vietnam, utcnow
from ..dossiers.queries import INBOX_ROWS, inbox_for
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import Notification
from ..roles import Role
from ..transaction import unit_of_work
from ..units.operations import kept_origins, own_route
from . import bp


@bp.route("/")
@login_required
def index():
    if current_user.can_read_nation():
        return redirect(url_for("reports.national"))
    unit = current_user.unit
    whole = request.args.get("all") == "1"  # every dossier of the lists, not only the first ones
    # A commune's page says where its dossier goes this year (its route reads the province: a walk
    # up the unit's parents, which the other roles' pages do not need).
    commune = current_user.role == Role.commune_officer.value
    route = own_route(current_user, today_in_vietnam().year) if commune else None
    return render_template(f"main/home_{current_user.role}.html", unit=unit,
                           inbox=inbox_for(current_user, limit=None if whole else INBOX_ROWS),
                           origins=kept_origins(current_user, unit, current_user.province_revision), route=route)


@bp.route("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.language != code:
        current_user.language = code  # the e-mails it gets follow the language it chose
        db.session.commit()
    refresh()  # the flash or page that follows in this context speaks the new language
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


@bp.route("/notifications")
@login_required
def notifications_page():
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.id.desc()).limit(200)).all()
    return render_template("main/notifications.html", rows=rows)


@bp.route("/notifications/<int:notification_id>", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Opening a notification marks it read and goes to its dossier."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    with unit_of_work():
        notifications.mark_read(row)
    if row.dossier_id:
        return redirect(url_for("dossiers.detail", dossier_id=row.dossier_id))
    return redirect(url_for("main.notifications_page"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    with unit_of_work():
        db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                      Notification.read_at.is_(None)).values(read_at=utcnow()))
    return redirect(url_for("main.notifications_page"))
