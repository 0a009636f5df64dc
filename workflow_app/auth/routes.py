from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import OperationError, RateLimited
from ..transaction import unit_of_work
from ..web import submit
from . import bp
from .forms import AccountForm, ChangePasswordForm, LoginForm
from .operations import authenticate, end_session, start_session
from .operations import change_password as change_own_password

# What a user whose password must be changed may still reach.
OPEN_WHILE_CHANGE_REQUIRED = {"auth.change_password", "auth.logout", "static", "main.set_language"}


def safe_next(target: str | None) -> str | None:
    """Only follow a `next` that stays on this site."""
    if not target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return None  # no header splitting, no browser reading "/\\host" as another site
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
            with unit_of_work():
                start_session(user)
        except OperationError as exc:
            form.password.errors.append(exc.message)
            status = 429 if isinstance(exc, RateLimited) else 400
            if isinstance(exc, RateLimited):
                headers["Retry-After"] = str(exc.retry_after)
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    elif form.errors:
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with unit_of_work():
        end_session(current_user)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def password_change_first():
    """A user given a password by an administrator chooses their own before anything else (the API
    refuses their tokens likewise)."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in OPEN_WHILE_CHANGE_REQUIRED and request.blueprint != "api"):
        flash(_("Choose your own password before you go on: the one you were given was chosen by an administrator."),
              "warning")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        _done, refused = submit(lambda: change_own_password(
            current_user, form.current_password.data, form.new_password.data, form.repeat_password.data,
            request.remote_addr or ""), form=form)
        if not refused:
            login_user(current_user._get_current_object())  # this session goes on under its new key
            flash(_("Your password has been changed. You are signed out everywhere else."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Where notifications go: the e-mail address, and whether to use it."""
    form = AccountForm(obj=current_user) if request.method == "GET" else AccountForm()
    if form.validate_on_submit():
        with unit_of_work():
            current_user.email = (form.email.data or "").strip() or None
            current_user.email_enabled = form.email_enabled.data
        flash(_("Saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, mail=bool(current_app.config.get("SMTP_HOST"))), (
        400 if form.errors else 200)
