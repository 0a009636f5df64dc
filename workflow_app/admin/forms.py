from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import DayField, Form
from ..roles import ROLE_LABELS, Level


def role_choices():
    """The roles an administrator gives, within a province (the ministry's accounts are made with
    `flask create-user --unit VN`)."""
    return [(role.value, label) for role, label in ROLE_LABELS.items() if role.level != Level.nation]


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False, validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=256)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("Role"), choices=lambda: [("", "—")] + role_choices(), validators=[Optional()])


class CampaignForm(Form):
    opens_on = DayField(_l("Dossiers open on"), validators=[Optional()])
    submit_by = DayField(_l("Last day to submit"), validators=[Optional()])


class DayForm(Form):
    day = DayField(_l("Day"), validators=[DataRequired()])
    working = SelectField(_l("Kind"), choices=[], validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
