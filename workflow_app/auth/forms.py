from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this computer"))
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    repeat_password = PasswordField(_l("New password, again"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Change password"))


class AccountForm(Form):
    email = StringField(_l("E-mail address"), validators=[
        Optional(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Write an e-mail address such as ten@congan.gov.vn."))])
    email_enabled = BooleanField(_l("Send me notifications by e-mail"))
    submit = SubmitField(_l("Save"))
