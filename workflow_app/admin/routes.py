from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Unit, User
from ..units.operations import search_key, units_within
from ..web import requires, submit
from . import bp
from .forms import UserFilterForm, UserForm
from .operations import create_user, update_user

PER_PAGE = 50


admin_required = requires(User.can_manage_users)

def _unit_choices() -> dict[str, list[tuple[str, str]]]:
    """The units in the admin's scope, grouped: each district with its communes (two "Phường 1"
    are told apart by the district they stand under)."""
    units = units_within(current_user.unit)
    children: dict[int, list] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    groups = {}
    for unit in units:
        if unit.level == "commune":
            continue
        members = [unit] + [c for c in children.get(unit.id, []) if c.level == "commune"]
        groups[unit.name] = [(u.code, f"{u.name} ({u.code})") for u in members]
    return groups


@bp.route("/users")
@admin_required
def users():
    form = UserFilterForm(request.args)
    scope = [u.id for u in units_within(current_user.unit)]
    query = select(User).join(User.unit).where(User.unit_id.in_(scope))
    if form.validate() and form.q.data:
        key = f"%{search_key(form.q.data)}%"
        query = query.where(or_(func.lower(User.username).like(key), Unit.search_name.like(key)))
    if form.role.data:
        query = query.where(User.role == form.role.data)
    page = db.paginate(query.order_by(User.username), per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    form.unit.choices = _unit_choices()
    if form.validate_on_submit():
        user, refused = submit(lambda: create_user(
            current_user, username=form.username.data, full_name=form.full_name.data,
            password=form.password.data or "", role=form.role.data, unit_code=form.unit.data, active=form.active.data,
        ), form=form)
        if not refused:
            flash(_("User %(u)s created.", u=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), (400 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not current_user.can_see_unit(user.unit):
        abort(404)
    form = UserForm(obj=user if request.method == "GET" else None)
    del form.username
    form.unit.choices = _unit_choices()
    if request.method == "GET":
        form.unit.data = user.unit.code
    if form.validate_on_submit():
        _user, refused = submit(lambda: update_user(
            current_user, user, full_name=form.full_name.data, role=form.role.data, unit_code=form.unit.data,
            active=form.active.data, password=form.password.data or None,
        ), form=form)
        if not refused:
            flash(_("User %(u)s saved.", u=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), (400 if form.errors else 200)
