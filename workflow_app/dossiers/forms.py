"""Web forms of the dossier pages. Values are checked by the operations (one set of rules for
the UI and the API); the forms bring CSRF protection and keep what was typed."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import DayField, Form


class OpenDossierForm(Form):
    criteria_set = SelectField(_l("Criteria set"), choices=[], validate_choice=False, validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class VersionedForm(Form):
    """Every change sends the version the user saw: a stale one is refused, nothing is lost."""

    version = HiddenField()


class EvidenceForm(VersionedForm):
    file = FileField(_l("File"))
    document_type = SelectField(_l("Document type"), choices=[], validate_choice=False)
    issued_on = DayField(_l("Issue date"), validators=[Optional()])
    criterion = HiddenField()


class EvidenceEditForm(VersionedForm):
    """Correct an attached document's type or issue date; `criterion` says under which criterion
    the form was shown, so that a refusal re-opens that one."""

    document_type = SelectField(_l("Document type"), choices=[], validate_choice=False)
    issued_on = DayField(_l("Issue date"), validators=[Optional()])
    criterion = HiddenField()


class SheetUploadForm(Form):
    file = FileField(_l("Excel file"))


class CommentForm(Form):
    text = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])
    criterion = HiddenField()


class TransitionForm(VersionedForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=60)])
    decision_date = DayField(_l("Decision date"), validators=[Optional()])
    authority = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])


class BulkForm(Form):
    """What is typed once for every dossier moved together (the decision when recognizing)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=60)])
    decision_date = DayField(_l("Decision date"), validators=[Optional()])
    authority = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])


class ListFilterForm(Form):
    """A choice not among the options (a typed or stale link) is told next to its field and
    filters nothing, as a year that is no number."""

    class Meta:
        csrf = False

    q = StringField(_l("Unit"), validators=[Optional(), Length(max=80)])
    district = SelectField(_l("District"), choices=[], validators=[Optional()])
    criteria_set = SelectField(_l("Criteria set"), choices=[], validators=[Optional()])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    state = SelectField(_l("State"), choices=[], validators=[Optional()])
    sort = SelectField(_l("Order"), choices=[], validators=[Optional()])
