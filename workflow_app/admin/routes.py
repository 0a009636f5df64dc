from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

import criteria

from ..clock import today_in_vietnam
from ..deadlines import (
    DEFAULT_DEADLINES,
    Schedule,
    national_holidays,
    national_make_up_days,
)
from ..extensions import db
from ..models import CalendarDay, Campaign, Unit, User
from ..units.operations import among, containing, scope_of, search_key, units_within
from ..web import requires, submit
from . import bp
from . import calendar as calendar_ops
from .forms import CampaignForm, DayForm, UserFilterForm, UserForm
from .operations import create_user, update_user

PER_PAGE = 50


admin_required = requires(User.can_manage_users)

def _unit_choices() -> dict[str, list[tuple[str, str]]]:
    """The units in the admin's scope, grouped: each district with its communes (two "Phường 1"
    are told apart by the district they stand under)."""
    units = [u for u in units_within(current_user.unit) if u.is_current]  # people join units that exist
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
    scope = scope_of(current_user)
    query = select(User).join(User.unit).where(among(User.unit_id, scope))
    if form.validate() and form.q.data:
        key = containing(search_key(form.q.data))
        query = query.where(or_(func.lower(User.username).like(key, escape="\\"),
                                Unit.search_name.like(key, escape="\\")))
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


# --- the province's calendar ------------------------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@admin_required
def calendar():
    """The year's campaign dates, the step deadlines and the province's own days."""
    year = request.values.get("year", type=int) or today_in_vietnam().year
    if not 2000 <= year <= 2100:
        abort(404)
    province = current_user.unit.province
    sets = [s for s in criteria.default_registry().latest() if s.applies_to_year(year)]
    campaign_form, day_form = CampaignForm(prefix="c"), DayForm(prefix="d")
    day_form.working.choices = [("0", _("Day off")), ("1", _("Make-up working day"))]
    errors, refused = {}, None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "campaign" and campaign_form.validate_on_submit():
            _done, refused = submit(lambda: calendar_ops.set_campaign(
                current_user, year, campaign_form.opens_on.data, campaign_form.submit_by.data), form=campaign_form)
        elif action == "deadlines":  # plain inputs, one per step and set (CSRF is checked for every POST)
            wanted = {(code, state): request.form.get(f"{code}__{state}", "")
                      for code in [calendar_ops.ALL_SETS] + [s.code for s in sets] for state in DEFAULT_DEADLINES}
            _done, refused = submit(lambda: calendar_ops.set_deadlines(current_user, wanted))
            if refused is not None:
                errors = refused.fields
        elif action == "day" and day_form.validate_on_submit():
            _done, refused = submit(lambda: calendar_ops.add_day(
                current_user, day_form.day.data, day_form.working.data == "1", day_form.note.data), form=day_form)
        elif action == "remove":
            _done, refused = submit(lambda: calendar_ops.remove_day(current_user, request.form.get("day_id", type=int)))
        else:
            refused = True  # a form that did not validate: its errors are at its fields
        if refused is None:
            flash(_("Saved. The due dates of the open dossiers follow the change."), "success")
            return redirect(url_for("admin.calendar", year=year))
    campaign = db.session.scalar(select(Campaign).where(Campaign.province_id == province.id, Campaign.year == year))
    if request.method == "GET" and campaign is not None:
        campaign_form.opens_on.data, campaign_form.submit_by.data = campaign.opens_on, campaign.submit_by
    schedule = Schedule(province)
    days = db.session.scalars(select(CalendarDay).where(
        CalendarDay.province_id == province.id, CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)).all()
    holidays = sorted([(d, name) for d, name in national_holidays(year).items()]
                      + [(d, _("make-up working day")) for d in national_make_up_days(year)])
    return render_template("admin/calendar.html", year=year, sets=sets, schedule=schedule, days=days,
                           holidays=holidays, campaign_form=campaign_form, day_form=day_form, errors=errors,
                           defaults=DEFAULT_DEADLINES, submitted=request.form if errors else None,
                           all_sets=calendar_ops.ALL_SETS), (400 if request.method == "POST" else 200)
